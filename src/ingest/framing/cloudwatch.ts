/**
 * The CloudWatchLogs stream type: one or more subscription-filter payloads, concatenated or one per line
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html):
 *
 *     {"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"...","logStream":"...",
 *      "subscriptionFilters":["..."],"logEvents":[{"id":"...","timestamp":1510109208016,"message":"..."}]}
 *
 * Each logEvents entry is one event, its message framed like a Lines line and its timestamp the event time,
 * with the payload's `logGroup`, `logStream` and `owner` beside its own fields (unless it has fields of
 * those names), so an event still says where it was logged once out of its payload.
 * CloudWatch sends CONTROL_MESSAGE payloads to check that the destination is reachable; they carry no log
 * data and yield no events. The entries stream through the array stage one at a time, so a payload of
 * many megabytes never sits in memory whole.
 */

import { type FramingContext, malformed, notAnObject, type Stage } from './context.ts'
import type { FramedEvent } from './index.ts'
import { ArrayStage } from './json-array.ts'
import { OPEN_BRACE } from './scan.ts'
import { textEvent } from './text-event.ts'

const CONTROL_MESSAGE = 'CONTROL_MESSAGE'

export function cloudWatchStage(ctx: FramingContext): Stage {
  let payloads = 0
  /** The payload's messageType, once seen; undefined while it may still come after logEvents. */
  let messageType: unknown
  /**
   * Entries framed before the messageType is known (AWS writes messageType first, so only a hand-made
   * payload gets here); they wait for the end of the payload. ctx.checkRoom bounds them by eventsMax.
   */
  let held: { event: FramedEvent; offset: number }[] = []
  let origin: CloudWatchOrigin = {}
  const where = () => `payload ${payloads}`
  return new ArrayStage(ctx, {
    path: ['logEvents'],
    field: 'logEvents',
    repeat: true,
    where,
    begin(first, offset) {
      payloads++
      if (first !== OPEN_BRACE) throw notAnObject(first, where(), offset)
      messageType = undefined
      origin = {}
    },
    open(head) {
      messageType = head.messageType
      origin = originOf(head)
    },
    element(bytes, offset) {
      const event = withOrigin(entryEvent(ctx, ctx.object(bytes, offset), offset), origin)
      if (messageType === CONTROL_MESSAGE) return
      if (messageType !== undefined) return ctx.emit(event, offset)
      ctx.checkRoom(offset)
      held.push({ event, offset })
      ctx.held++
    },
    close(whole, found, offset) {
      messageType = whole.messageType
      const release = held
      held = []
      ctx.held = 0
      if (messageType === CONTROL_MESSAGE) return
      if (!found) throw malformed(where(), offset, 'no logEvents array')
      // Held entries came before the payload's other fields did, so they get them only now.
      const late = originOf(whole)
      for (const entry of release) ctx.emit(withOrigin(entry.event, late), entry.offset)
    },
  })
}

/** Where a payload's events were logged. */
export interface CloudWatchOrigin {
  logGroup?: string
  logStream?: string
  owner?: string
}

const ORIGIN_FIELDS = ['logGroup', 'logStream', 'owner'] as const

export function originOf(payload: Record<string, unknown>): CloudWatchOrigin {
  const origin: CloudWatchOrigin = {}
  for (const field of ORIGIN_FIELDS) {
    const value = payload[field]
    if (typeof value === 'string') origin[field] = value
  }
  return origin
}

/** The event with its payload's origin fields added where it has none of its own. */
export function withOrigin(event: FramedEvent, origin: CloudWatchOrigin): FramedEvent {
  const missing = ORIGIN_FIELDS.filter((field) => origin[field] !== undefined && !(field in event.value))
  if (missing.length === 0) return event
  const value: Record<string, unknown> = { ...event.value }
  for (const field of missing) value[field] = origin[field]
  // Built anew, it is serialized when stored; a text line stays readable by text parsers.
  return { value, json: null, reservedKeys: event.reservedKeys, timeMs: event.timeMs, line: event.line }
}

/** One logEvents entry as an event: its message framed like a Lines line, at its timestamp. */
export function entryEvent(ctx: FramingContext, entry: Record<string, unknown>, offset: number): FramedEvent {
  const { message, timestamp } = entry
  if (typeof message !== 'string') {
    throw malformed(ctx.label(), offset, 'logEvents entry without a string message')
  }
  const timeMs = typeof timestamp === 'number' && Number.isFinite(timestamp) ? timestamp : null
  const event = textEvent(message, timeMs, ctx.options.eventDepthMax)
  if (event === 'too deep') throw ctx.tooDeep(offset)
  return event
}
