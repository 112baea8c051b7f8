/**
 * A text message as an event, the way a Lines line becomes one: a message whose trimmed text is a JSON
 * object is that object, validated as bytes like every other event and parsed only if something asks for
 * its value; any other message is `{"message": text}`, its text kept for the schemas' text parsers. Used
 * for messages that arrive inside a JSON envelope (CloudWatch Logs entries, Splunk HEC events).
 */

import { JsonEvent } from './context.ts'
import type { FramedEvent } from './index.ts'
import { CLOSE_BRACE, isBlank, OPEN_BRACE } from './scan.ts'
import { validateObject } from './validate.ts'

const encoder = new TextEncoder()

/** The event for `message`, or 'too deep' when it is a JSON object nested deeper than `eventDepthMax`. */
export function textEvent(
  message: string,
  timeMs: number | null,
  eventDepthMax: number,
): FramedEvent | 'too deep' {
  let start = 0
  let end = message.length
  while (start < end && isBlank(message.charCodeAt(start))) start++
  while (end > start && isBlank(message.charCodeAt(end - 1))) end--
  if (message.charCodeAt(start) === OPEN_BRACE && message.charCodeAt(end - 1) === CLOSE_BRACE) {
    const json = encoder.encode(message.slice(start, end))
    const validation = validateObject(json, 0, json.length, eventDepthMax)
    if (validation.errorAt < 0) return new JsonEvent(json, validation.reservedKeys, timeMs)
    if (validation.tooDeep) return 'too deep'
  }
  return { value: { message }, json: null, reservedKeys: false, timeMs, line: message }
}
