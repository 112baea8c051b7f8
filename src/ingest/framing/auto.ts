/**
 * What the Auto stream type unpacks: senders that wrap their events in an envelope send one object per
 * batch, and stored as it came such a batch would be one event of many. Two envelopes are common enough
 * to be recognized without configuration:
 *
 * - a CloudWatch Logs subscription payload (`messageType`, `logGroup`, `logEvents`): one event per
 *   logEvents entry, as the CloudWatchLogs stream type frames them (cloudwatch.ts); its CONTROL_MESSAGE
 *   health checks yield nothing;
 * - `{"Records": [...]}` and nothing else (S3 and SNS notifications, CloudTrail): one event per record.
 *
 * The body's first object decides: when it is an envelope, every object of the body is looked at (a
 * sender may concatenate payloads); when it is not, the body is plain events and the rest are stored as
 * they come, without a look, so NDJSON costs one check per request rather than one per event. The first
 * object's bytes are searched for the two key names before anything is parsed.
 *
 * An envelope is recognized on the whole object, so in Auto it is bounded by event_bytes_max like any
 * event; the CloudWatchLogs and JsonArray (envelope field `Records`) stream types stream larger ones.
 */
import { Buffer } from 'node:buffer'
import { entryEvent, originOf, withOrigin } from './cloudwatch.ts'
import { FramingContext, malformed } from './context.ts'
import type { FramedEvent } from './index.ts'

const LOG_EVENTS = Buffer.from('"logEvents"')
const RECORDS = Buffer.from('"Records"')
const CLOUDWATCH_TYPES = new Set(['DATA_MESSAGE', 'CONTROL_MESSAGE'])

export class AutoContext extends FramingContext {
  /** Whether the body's objects are looked at for envelopes: undecided until its first object. */
  #envelopes: boolean | undefined

  override emit(event: FramedEvent, offset: number): void {
    const json = event.json
    if (json !== null && this.#envelopes !== false) {
      const unpacked = this.#unpack(event, json, offset)
      this.#envelopes ??= unpacked
      if (unpacked) return
    }
    super.emit(event, offset)
  }

  /** Emits the envelope's events and returns true, or returns false when the object is no envelope. */
  #unpack(event: FramedEvent, json: Uint8Array, offset: number): boolean {
    const bytes = Buffer.from(json.buffer, json.byteOffset, json.byteLength)
    if (bytes.includes(LOG_EVENTS) && this.#cloudWatch(event.value, offset)) return true
    return bytes.includes(RECORDS) && this.#records(event.value, offset)
  }

  /** Emits the payload's entries and returns true, or returns false when the object is no payload. */
  #cloudWatch(value: Record<string, unknown>, offset: number): boolean {
    const { messageType, logGroup, logEvents } = value
    if (typeof messageType !== 'string' || !CLOUDWATCH_TYPES.has(messageType)) return false
    if (typeof logGroup !== 'string' || !Array.isArray(logEvents)) return false
    if (messageType === 'CONTROL_MESSAGE') return true
    const origin = originOf(value)
    for (const entry of logEvents) {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
        throw malformed(this.label(), offset, 'logEvents entry that is not an object')
      }
      super.emit(withOrigin(entryEvent(this, entry as Record<string, unknown>, offset), origin), offset)
    }
    return true
  }

  #records(value: Record<string, unknown>, offset: number): boolean {
    const records = value.Records
    if (!Array.isArray(records) || Object.keys(value).length !== 1) return false
    if (!records.every((record) => record !== null && typeof record === 'object' && !Array.isArray(record)))
      return false
    for (const record of records as Record<string, unknown>[]) {
      const reservedKeys = Object.keys(record).some((key) => key.startsWith('p_'))
      super.emit({ value: record, json: null, reservedKeys, timeMs: null }, offset)
    }
    return true
  }
}
