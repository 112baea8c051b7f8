/**
 * Framing: the ingest stage that turns a decoded request body into events, incrementally. The body comes
 * as chunks split anywhere; each chunk's complete events are emitted at once and only the incomplete tail
 * of one event is carried to the next chunk, so memory stays near eventBytesMax whatever the body's size.
 * Errors are AppErrors naming the event number (1-based) and the byte offset in the decoded body.
 *
 * The stream types (the source's logStreamType):
 * - JSON: objects one per line, concatenated, pretty printed, or mixed; `[]` is an empty batch (json.ts).
 * - JsonArray: an array of objects, at the top level or at jsonArrayEnvelopeField (json-array.ts).
 * - Lines: one event per non-blank line, a JSON object or else {"message": line} (lines.ts).
 * - CloudWatchLogs: subscription-filter payloads, one event per logEvents entry (cloudwatch.ts).
 * - Auto: decided by the body's first non-blank byte: '[' JsonArray, '{' JSON, anything else Lines; a
 *   body that opens with a CloudWatch Logs payload or a `{"Records": [...]}` envelope is unpacked (auto.ts).
 * Pure logic on web APIs only (TextDecoder, Uint8Array), so it runs on Deno too.
 */
import { assert } from '../../errors.ts'
import type { StreamType } from '../../registry/model.ts'
import { AutoContext } from './auto.ts'
import { cloudWatchStage } from './cloudwatch.ts'
import { FramingContext, type Stage } from './context.ts'

export { JsonEvent } from './context.ts'

import { EVENT_DEPTH_MAX } from '../../json-depth.ts'
import { JsonStage } from './json.ts'
import { jsonArrayStage } from './json-array.ts'
import { LinesStage } from './lines.ts'
import { OPEN_BRACE, OPEN_BRACKET, skipBlank } from './scan.ts'

export interface FramedEvent {
  /**
   * The event as a plain JSON object (not array, not null). For an event kept as the sender's bytes it
   * is parsed on first read: storing those bytes needs only their validation, so a source without
   * schemas never pays for building the object.
   */
  readonly value: Record<string, unknown>
  /**
   * The event's exact JSON text as UTF-8 bytes (first byte '{', last byte '}', no surrounding whitespace)
   * when the event is stored as the sender wrote it; null when the event was built by the framer (a Lines
   * text line becomes {"message": line}; a CloudWatch entry). May be a view into a pushed chunk.
   */
  json: Uint8Array | null
  /** `json` has a top-level key starting with `p_`, the namespace of the fields Inlet adds. */
  reservedKeys: boolean
  /** Event time the framing itself knows (CloudWatch logEvents[].timestamp, ms since epoch), else null. */
  timeMs: number | null
  /** The event time as stored in p_event_time, when a schema read it with more precision than `timeMs`. */
  eventTime?: string
  /**
   * The text line a Lines or CloudWatch event was built from (`value` is then `{"message": line}`), which
   * a schema with a text parser (csv, fastmatch, regex) reads; absent for JSON events.
   */
  line?: string
}

export interface FramingOptions {
  streamType: StreamType
  /** Dotted path of the array inside the body, like 'Records' or 'data.items' (JsonArray only). */
  jsonArrayEnvelopeField?: string
  /** Largest single event in bytes. */
  eventBytesMax: number
  /** Most events per request. */
  eventsMax: number
  /** Deepest nesting of objects and arrays in an event (the event itself is level 1); default 512. */
  eventDepthMax?: number
}

export interface Framer {
  /** Frames a chunk of the body, synchronously emitting every event it completes. */
  push(chunk: Uint8Array): void
  /** The body is finished: emits the last event, or throws if the body ends inside one. */
  end(): void
  /** Events emitted so far. */
  readonly events: number
}

/** The UTF-8 byte order mark, skipped at the very start of the body (RFC 8259, section 8.1). */
const BOM = Uint8Array.of(0xef, 0xbb, 0xbf)

export function createFramer(options: FramingOptions, emit: (event: FramedEvent) => void): Framer {
  const {
    eventBytesMax,
    eventsMax,
    eventDepthMax = EVENT_DEPTH_MAX,
    jsonArrayEnvelopeField: envelope,
  } = options
  assert(Number.isSafeInteger(eventDepthMax) && eventDepthMax > 0, 'eventDepthMax is a positive integer')
  assert(Number.isSafeInteger(eventBytesMax) && eventBytesMax > 0, 'eventBytesMax is a positive integer')
  assert(Number.isSafeInteger(eventsMax) && eventsMax >= 0, 'eventsMax is a non-negative integer')
  assert(!envelope || envelope.split('.').every(Boolean), 'jsonArrayEnvelopeField has no empty segment')
  const settings = { ...options, eventDepthMax }
  const ctx =
    options.streamType === 'Auto' ? new AutoContext(settings, emit) : new FramingContext(settings, emit)
  let stage = firstStage(ctx, options)
  /** Auto has not seen a non-blank byte yet; meanwhile the Lines stage holds the leading blanks. */
  let deciding = options.streamType === 'Auto'
  /** Body offset of the next byte. */
  let offset = 0
  /** BOM bytes matched at the start of the body so far, or -1 once past the start. */
  let bomMatched = 0
  let ended = false

  const feed = (chunk: Uint8Array) => {
    if (chunk.length === 0) return
    if (deciding) {
      const at = skipBlank(chunk, 0)
      if (at < chunk.length) {
        deciding = false
        const first = chunk[at]
        if (first === OPEN_BRACKET || first === OPEN_BRACE) {
          stage = first === OPEN_BRACKET ? jsonArrayStage(ctx, undefined) : new JsonStage(ctx)
          stage.push(chunk.subarray(at), offset + at)
          offset += chunk.length
          return
        }
      }
    }
    stage.push(chunk, offset)
    offset += chunk.length
  }

  return {
    push(chunk) {
      assert(!ended, 'push after end')
      if (chunk.length === 0) return
      if (bomMatched < 0) return feed(chunk)
      // The BOM may arrive split across chunks; its bytes are held until it is whole or proves not to be one.
      let i = 0
      while (i < chunk.length && bomMatched < BOM.length && chunk[i] === BOM[bomMatched]) {
        i++
        bomMatched++
      }
      if (bomMatched < BOM.length && i === chunk.length) return
      // A whole BOM is dropped; a partial match was data after all, and the matched bytes equal its start.
      if (bomMatched === BOM.length) offset = BOM.length
      else feed(BOM.subarray(0, bomMatched))
      bomMatched = -1
      feed(chunk.subarray(i))
    },
    end() {
      assert(!ended, 'end called twice')
      ended = true
      if (bomMatched > 0) feed(BOM.subarray(0, bomMatched))
      stage.end()
    },
    get events() {
      return ctx.events
    },
  }
}

function firstStage(ctx: FramingContext, options: FramingOptions): Stage {
  switch (options.streamType) {
    case 'JSON':
      return new JsonStage(ctx)
    case 'JsonArray':
      return jsonArrayStage(ctx, options.jsonArrayEnvelopeField || undefined)
    case 'CloudWatchLogs':
      return cloudWatchStage(ctx)
    default:
      return new LinesStage(ctx)
  }
}
