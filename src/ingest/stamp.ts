/**
 * The stored form of an event: the event as received (or as classified) plus the fields every stored
 * event carries (docs/reference.md): `p_row_id`, `p_source_id`, `p_source_label`, `p_parse_time`
 * and `p_event_time`, RFC 3339 in UTC, and `p_http_headers` when the source keeps request headers.
 *
 * Re-serializing every event would cost as much as parsing it, so when the framer kept the event's own
 * JSON text and the event has no top-level `p_` field of its own, the p_ fields are spliced in before
 * its closing brace and the sender's bytes are stored as they came. Only events the framer built, events
 * a schema rewrote, or events that carry `p_` fields of their own (which ours must replace, not
 * duplicate) are serialized again.
 */
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import type { Meter } from '../body.ts'
import type { AppendRecord } from '../eventlog/index.ts'
import type { FramedEvent } from './framing/index.ts'

const encoder = new TextEncoder()
/** `,"p_row_id":"` and, for an empty object, the same without its comma. */
const ROW_ID_KEY = encoder.encode(',"p_row_id":"')
const ROW_ID_KEY_FIRST = encoder.encode('"p_row_id":"')
const ROW_ID_HEX_DIGITS = 32
const ARENA_BLOCK_BYTES_MIN = 4096
const ARENA_BLOCK_BYTES_MAX = 1024 * 1024
/**
 * What the memory budget counts for the objects of one event besides its bytes (the framed event, its
 * views, the record): an estimate, generous for a small event.
 */
const EVENT_OBJECTS_BYTES = 256
const HEX = encoder.encode('0123456789abcdef')
/** Each process numbers its rows after a random prefix, so row ids are unique across restarts. */
const PROCESS_ID_BYTES = encoder.encode(randomBytes(8).toString('hex'))
let rowCounter = 0

/**
 * Writes the next row id, 32 hex digits (the process's random half, then a counter), at `at`. Written
 * digit by digit: this runs once per stored event, and building a string to encode costs several
 * times more.
 */
function writeRowId(out: Uint8Array, at: number): void {
  rowCounter++
  out.set(PROCESS_ID_BYTES, at)
  let high = Math.floor(rowCounter / 0x1_0000_0000)
  let low = rowCounter >>> 0
  for (let i = at + 31; i >= at + 24; i--, low >>>= 4) out[i] = HEX[low & 15]!
  for (let i = at + 23; i >= at + 16; i--, high >>>= 4) out[i] = HEX[high & 15]!
}

function nextRowId(): string {
  const bytes = new Uint8Array(ROW_ID_HEX_DIGITS)
  writeRowId(bytes, 0)
  return String.fromCharCode(...bytes)
}

export interface StampContext {
  sourceId: string
  sourceLabel: string
  /** The request headers the source keeps (`p_http_headers`), by lower-case name; absent or empty: none. */
  httpHeaders?: Record<string, string>
  parseTimeMs: number
  /** The body's size, from which the first arena block is sized to hold most requests whole. */
  bodyBytes: number
  /** Charged for each block before it is allocated, and for each event serialized apart. */
  meter?: Meter
}

export class Stamper {
  readonly #sourceId: string
  readonly #parseTimeMs: number
  readonly #fields: {
    p_http_headers?: Record<string, string>
    p_source_id: string
    p_source_label: string
    p_parse_time: string
  }
  readonly #parseTime: string
  /** `","p_source_id":…,"p_event_time":"<parse time>"}`: the tail of an event whose time is the parse time. */
  readonly #tail: Uint8Array
  /** The same up to the opening quote of p_event_time's value. */
  readonly #tailHead: Uint8Array
  /**
   * Stored events are written one after another into blocks, each payload a view of its block: one
   * allocation per block rather than per event. The first block is sized from the body (three times it
   * holds a small request's events and their p_ fields), later ones double up to ARENA_BLOCK_BYTES_MAX.
   */
  #block = new Uint8Array(0)
  #blockAt = 0
  readonly #firstBlockBytes: number
  readonly #meter: Meter | undefined

  constructor(context: StampContext) {
    this.#meter = context.meter
    this.#firstBlockBytes = Math.min(
      ARENA_BLOCK_BYTES_MAX,
      Math.max(ARENA_BLOCK_BYTES_MIN, context.bodyBytes * 3),
    )
    this.#sourceId = context.sourceId
    this.#parseTimeMs = context.parseTimeMs
    this.#parseTime = new Date(context.parseTimeMs).toISOString()
    this.#fields = {
      ...(context.httpHeaders &&
        Object.keys(context.httpHeaders).length > 0 && { p_http_headers: context.httpHeaders }),
      p_source_id: context.sourceId,
      p_source_label: context.sourceLabel,
      p_parse_time: this.#parseTime,
    }
    this.#tail = encoder.encode(this.#tailText(this.#parseTime))
    const text = this.#tailText('')
    this.#tailHead = encoder.encode(text.slice(0, -2))
  }

  /** The record to append for one event. */
  stamp(event: FramedEvent): AppendRecord {
    const eventTimeMs = isEventTime(event.timeMs) ? event.timeMs : this.#parseTimeMs
    let payload: Uint8Array
    if (event.json !== null && !event.reservedKeys)
      payload = this.#splice(event.json, eventTimeMs, event.eventTime)
    else {
      payload = this.#serialize(event.value, eventTimeMs, event.eventTime)
      this.#meter?.reserve(payload.byteLength)
    }
    this.#meter?.reserve(EVENT_OBJECTS_BYTES)
    return { payload, eventTimeMs, sourceId: this.#sourceId }
  }

  #tailText(eventTime: string): string {
    const fields = this.#fields
    const headers = fields.p_http_headers ? `,"p_http_headers":${JSON.stringify(fields.p_http_headers)}` : ''
    return (
      `"${headers},"p_source_id":${JSON.stringify(fields.p_source_id)},"p_source_label":${JSON.stringify(fields.p_source_label)}` +
      `,"p_parse_time":"${fields.p_parse_time}","p_event_time":"${eventTime}"}`
    )
  }

  /**
   * The sender's bytes, then `,"p_row_id":"…"` and the tail written over the closing brace (or after the
   * opening one, for an empty object).
   */
  #splice(json: Uint8Array, eventTimeMs: number, eventTime: string | undefined): Uint8Array {
    // An event at the parse time takes the whole tail made once; another, the tail up to p_event_time's
    // value, then its time (ASCII) and `"}`, written in place rather than built per event.
    const time =
      eventTime === undefined && eventTimeMs === this.#parseTimeMs ? null : (eventTime ?? iso(eventTimeMs))
    const tail = time === null ? this.#tail : this.#tailHead
    const empty = isEmptyObject(json)
    const key = empty ? ROW_ID_KEY_FIRST : ROW_ID_KEY
    const head = empty ? 1 : json.length - 1
    const tailAt = head + key.length + ROW_ID_HEX_DIGITS
    const bytes = tailAt + tail.length + (time === null ? 0 : time.length + 2)
    const out = this.#reserve(bytes)
    const at = this.#blockAt
    // Copying the whole event and then writing over its last byte spares making a view of all but it.
    if (empty) out[at] = 0x7b
    else out.set(json, at)
    out.set(key, at + head)
    writeRowId(out, at + head + key.length)
    out.set(tail, at + tailAt)
    if (time !== null) {
      let cursor = at + tailAt + tail.length
      for (let i = 0; i < time.length; i++) out[cursor++] = time.charCodeAt(i)
      out[cursor++] = 0x22
      out[cursor] = 0x7d
    }
    this.#blockAt = at + bytes
    return out.subarray(at, at + bytes)
  }

  /** The current block, with room for `bytes` more at `#blockAt`. */
  #reserve(bytes: number): Uint8Array {
    if (this.#blockAt + bytes <= this.#block.length) return this.#block
    const size =
      this.#block.length === 0
        ? this.#firstBlockBytes
        : Math.min(ARENA_BLOCK_BYTES_MAX, this.#block.length * 2)
    // Unzeroed: only the bytes written here are ever handed out, as views of exactly what was written.
    // A plain Uint8Array over the Buffer's memory, because a Buffer's subarray is a slower Buffer.
    this.#meter?.reserve(Math.max(size, bytes))
    const block = Buffer.allocUnsafe(Math.max(size, bytes))
    this.#block = new Uint8Array(block.buffer, block.byteOffset, block.length)
    this.#blockAt = 0
    return this.#block
  }

  /**
   * The event serialized with Inlet's fields last, in the splice's order, even when the event had keys
   * of the same names: search reads p_event_time from the end of every stored event, and finds
   * p_source_id by the member after it.
   */
  #serialize(value: Record<string, unknown>, eventTimeMs: number, eventTime: string | undefined): Uint8Array {
    const stored: Record<string, unknown> = {}
    for (const key in value) if (!STAMP_KEYS.has(key)) stored[key] = value[key]
    stored.p_row_id = nextRowId()
    Object.assign(stored, this.#fields)
    stored.p_event_time =
      eventTime ?? (eventTimeMs === this.#parseTimeMs ? this.#parseTime : iso(eventTimeMs))
    return encoder.encode(JSON.stringify(stored))
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

/** The fields the stamp writes; an event's own keys of these names are replaced. */
const STAMP_KEYS = new Set([
  'p_row_id',
  'p_http_headers',
  'p_source_id',
  'p_source_label',
  'p_parse_time',
  'p_event_time',
])

/** The time a sender gave, if it is a whole number of ms a Date can hold (±8.64e15, ECMA-262 §21.4.1.1). */
const isEventTime = (ms: number | null): ms is number =>
  ms !== null && Number.isSafeInteger(ms) && Math.abs(ms) <= 8.64e15

/** `{}` with nothing but whitespace between the braces. */
function isEmptyObject(json: Uint8Array): boolean {
  for (let i = 1; i < json.length - 1; i++) {
    const byte = json[i]!
    if (byte !== 32 && byte !== 9 && byte !== 10 && byte !== 13) return false
  }
  return true
}
