/**
 * Framing for MessagePack bodies (`Content-Type: application/msgpack` or `application/x-msgpack`), the
 * default format of Fluent Bit's `out_http`. The body is a sequence of concatenated MessagePack objects,
 * the entries; each entry is one of:
 *
 * - `[time, record]`, Fluent Bit's forward-mode pair, or `[[time, metadata], record]`, its v2 shape: the
 *   event is `record` (a map), its time `time`, seconds as an integer or a float, or Fluent Bit's EventTime
 *   (extension type 0: 4-byte seconds and 4-byte nanoseconds, big-endian). The metadata is not stored.
 * - a map: the event itself.
 * - an array of maps: one event each.
 *
 * Each entry is walked over its bytes before anything is decoded, so that the limits hold before a value
 * is built: an event's MessagePack bytes against eventBytesMax, its nesting against eventDepthMax (the
 * record is level 1, as a JSON event is). Decoded values become JSON: map keys must be strings, binary
 * and unknown extension values become base64 strings, timestamps (extension types -1 and 0) RFC 3339
 * strings, 64-bit integers beyond 2^53 decimal strings. Errors are AppErrors naming the entry (1-based)
 * and the byte offset in the decoded body.
 *
 * The body is held whole until `end()`: it is already bounded by `[ingest] decoded_bytes_max`, and each
 * event's decoded value lives only until it is emitted. Pure JS (`@msgpack/msgpack`), so it runs on Deno too.
 */
import { Decoder, ExtData } from '@msgpack/msgpack'
import { AppError, assert } from '../../errors.ts'
import { EVENT_DEPTH_MAX } from '../../json-depth.ts'
import { FramingContext } from './context.ts'
import type { FramedEvent, Framer, FramingOptions } from './index.ts'

/** The media types (lowercase, without parameters) whose bodies this framer reads. */
export const MSGPACK_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/msgpack',
  'application/x-msgpack',
])

/** Whether a Content-Type header names MessagePack: its media type, case-insensitive, parameters ignored. */
export function isMsgpackContentType(header: string | null): boolean {
  if (header === null) return false
  const mediaType = header.split(';', 1)[0]!.trim().toLowerCase()
  return MSGPACK_MEDIA_TYPES.has(mediaType)
}

const malformed = (where: string, offset: number, reason: string) =>
  new AppError('MALFORMED_MSGPACK', `${where} at byte ${offset}: ${reason}`)

/** A value's extent in the body and the deepest nesting of maps and arrays in it (the value is level 1). */
interface Extent {
  start: number
  end: number
  depth: number
}

/**
 * Walks the MessagePack value at `at` without decoding it: its end and its depth. Iterative, so nesting
 * costs no call stack; stops as soon as the depth passes `depthMax`. Throws at a truncated value or a
 * byte that starts no value (0xc1).
 */
function walk(bytes: Uint8Array, at: number, depthMax: number, where: string): Extent {
  const start = at
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  /** Children still to walk in each open map or array, innermost last. */
  const open: number[] = []
  let depth = 0
  const need = (n: number) => {
    if (at + n > bytes.length)
      throw malformed(where, start, 'truncated MessagePack (the body ends inside it)')
  }
  const length = (size: 1 | 2 | 4) => {
    need(1 + size)
    return size === 1 ? bytes[at + 1]! : size === 2 ? view.getUint16(at + 1) : view.getUint32(at + 1)
  }
  do {
    need(1)
    const byte = bytes[at]!
    let children = 0
    let skip: number
    if (byte <= 0x7f || byte >= 0xe0) skip = 1
    else if (byte <= 0x8f) [skip, children] = [1, (byte & 0x0f) * 2]
    else if (byte <= 0x9f) [skip, children] = [1, byte & 0x0f]
    else if (byte <= 0xbf) skip = 1 + (byte & 0x1f)
    else {
      switch (byte) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          skip = 1
          break
        case 0xc4:
        case 0xd9:
          skip = 2 + length(1)
          break
        case 0xc5:
        case 0xda:
          skip = 3 + length(2)
          break
        case 0xc6:
        case 0xdb:
          skip = 5 + length(4)
          break
        case 0xc7:
          skip = 3 + length(1)
          break
        case 0xc8:
          skip = 4 + length(2)
          break
        case 0xc9:
          skip = 6 + length(4)
          break
        case 0xca:
        case 0xce:
        case 0xd2:
          skip = 5
          break
        case 0xcb:
        case 0xcf:
        case 0xd3:
          skip = 9
          break
        case 0xcc:
        case 0xd0:
          skip = 2
          break
        case 0xcd:
        case 0xd1:
          skip = 3
          break
        case 0xd4:
          skip = 3
          break
        case 0xd5:
          skip = 4
          break
        case 0xd6:
          skip = 6
          break
        case 0xd7:
          skip = 10
          break
        case 0xd8:
          skip = 18
          break
        case 0xdc:
          ;[skip, children] = [3, length(2)]
          break
        case 0xdd:
          ;[skip, children] = [5, length(4)]
          break
        case 0xde:
          ;[skip, children] = [3, length(2) * 2]
          break
        case 0xdf:
          ;[skip, children] = [5, length(4) * 2]
          break
        default:
          throw malformed(where, at, `malformed MessagePack (byte 0x${byte.toString(16)} starts no value)`)
      }
    }
    need(skip)
    const container = (byte >= 0x80 && byte <= 0x9f) || (byte >= 0xdc && byte <= 0xdf)
    at += skip
    if (container) {
      if (open.length + 1 > depth) depth = open.length + 1
      if (depth > depthMax) return { start, end: at, depth }
      if (children > 0) {
        open.push(children)
        continue
      }
    }
    // A value is complete: it closes every container it was the last child of.
    while (open.length > 0) {
      const last = open.length - 1
      open[last]!--
      if (open[last]! > 0) break
      open.pop()
    }
  } while (open.length > 0)
  return { start, end: at, depth }
}

/** Fluent Bit's EventTime: extension type 0, 4-byte seconds and 4-byte nanoseconds, big-endian. */
const EVENT_TIME_TYPE = 0

function eventTimeMs(data: Uint8Array): number | null {
  if (data.length !== 8) return null
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  return view.getUint32(0) * 1000 + Math.floor(view.getUint32(4) / 1e6)
}

/** An entry's time in ms since the epoch, or undefined when the value is no timestamp. */
function timeOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.floor(value * 1000) : undefined
  if (typeof value === 'bigint') return Number(value) * 1000
  if (value instanceof ExtData && value.type === EVENT_TIME_TYPE && value.data instanceof Uint8Array) {
    return eventTimeMs(value.data) ?? undefined
  }
  if (value instanceof Date) return value.getTime()
  return undefined
}

const base64 = (bytes: Uint8Array) => {
  let text = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(text)
}

/**
 * A decoded value as JSON: binary as base64, timestamps as RFC 3339, other extensions as base64, bigints
 * as numbers when exact else decimal strings. Recursive, but only over values whose depth was checked.
 */
function toJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value)
    return value
  }
  if (Array.isArray(value)) return value.map(toJson)
  if (value instanceof Uint8Array) return base64(value)
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (value instanceof ExtData) {
    const data = value.data instanceof Uint8Array ? value.data : new Uint8Array(0)
    const ms = value.type === EVENT_TIME_TYPE ? eventTimeMs(data) : null
    return ms !== null ? new Date(ms).toISOString() : base64(data)
  }
  const object = value as Record<string, unknown>
  for (const key of Object.keys(object)) object[key] = toJson(object[key])
  return object
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  value !== null &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  !(value instanceof Uint8Array) &&
  !(value instanceof ExtData) &&
  !(value instanceof Date)

const rejectKey = (key: unknown): string => {
  if (typeof key === 'string') return key
  throw new KeyError(typeof key === 'number' ? 'number' : 'non-string')
}

class KeyError extends Error {}

/** The MessagePack framer: the same interface as `createFramer`, for MessagePack bodies. */
export function createMsgpackFramer(options: FramingOptions, emit: (event: FramedEvent) => void): Framer {
  const { eventBytesMax, eventsMax, eventDepthMax = EVENT_DEPTH_MAX } = options
  assert(Number.isSafeInteger(eventDepthMax) && eventDepthMax > 0, 'eventDepthMax is a positive integer')
  assert(Number.isSafeInteger(eventBytesMax) && eventBytesMax > 0, 'eventBytesMax is a positive integer')
  assert(Number.isSafeInteger(eventsMax) && eventsMax >= 0, 'eventsMax is a non-negative integer')
  const ctx = new FramingContext({ ...options, eventDepthMax }, emit)
  const decoder = new Decoder({ useBigInt64: true, mapKeyConverter: rejectKey })
  const chunks: Uint8Array[] = []
  let ended = false

  const decode = (bytes: Uint8Array, extent: Extent, where: string): unknown => {
    try {
      return decoder.decode(bytes.subarray(extent.start, extent.end))
    } catch (error) {
      if (error instanceof KeyError) {
        throw malformed(where, extent.start, `a map key is a ${error.message}, not a string`)
      }
      const reason = error instanceof Error ? error.message.slice(0, 64) : 'undecodable'
      throw malformed(where, extent.start, `malformed MessagePack (${reason})`)
    }
  }

  /** Emits the map at `extent` as an event, its size and depth checked before it is decoded. */
  const emitMap = (body: Uint8Array, extent: Extent, where: string, timeMs: number | null) => {
    ctx.checkRoom(extent.start)
    if (extent.end - extent.start > eventBytesMax) throw ctx.tooLarge(extent.start, where)
    if (extent.depth > eventDepthMax) throw ctx.tooDeep(extent.start, where)
    const value = decode(body, extent, where)
    if (!isMap(value)) throw malformed(where, extent.start, 'the record is not a map')
    const record = toJson(value) as Record<string, unknown>
    const reservedKeys = Object.keys(record).some((key) => key.startsWith('p_'))
    ctx.emit({ value: record, json: null, reservedKeys, timeMs }, extent.start)
  }

  /** One top-level entry at `at`; returns the offset just past it. */
  const entry = (body: Uint8Array, at: number, number: number): number => {
    const where = `entry ${number}`
    if (isMapStart(body[at]!)) {
      const extent = walk(body, at, eventDepthMax, where)
      emitMap(body, extent, where, null)
      return extent.end
    }
    const array = arrayHeader(body, at, where)
    if (array === null) throw malformed(where, at, 'not a map, a [time, record] pair or an array of maps')
    let next = at + array.size
    const first = body[next]
    if (array.count === 2 && first !== undefined && !isMapStart(first)) {
      // [time, record] or [[time, metadata], record]; the metadata is bounded like a record, then dropped.
      const head = walk(body, next, eventDepthMax, where)
      if (head.end - head.start > eventBytesMax) throw ctx.tooLarge(head.start, where)
      if (head.depth > eventDepthMax) throw ctx.tooDeep(head.start, where)
      const headValue = decode(body, head, where)
      const time = timeOf(Array.isArray(headValue) ? headValue[0] : headValue)
      if (time === undefined) {
        throw malformed(where, head.start, 'the first element of a [time, record] pair is not a timestamp')
      }
      const record = walk(body, head.end, eventDepthMax, where)
      emitMap(body, record, where, Number.isSafeInteger(time) ? time : null)
      return record.end
    }
    // An array of maps: each element's limits are its own, as for the elements of a JSON array.
    for (let i = 0; i < array.count; i++) {
      const item = `${where} item ${i + 1}`
      const extent = walk(body, next, eventDepthMax, item)
      emitMap(body, extent, item, null)
      next = extent.end
    }
    return next
  }

  return {
    push(chunk) {
      assert(!ended, 'push after end')
      if (chunk.length > 0) chunks.push(chunk)
    },
    end() {
      assert(!ended, 'end called twice')
      ended = true
      const body = chunks.length === 1 ? chunks[0]! : concat(chunks)
      chunks.length = 0
      let at = 0
      for (let number = 1; at < body.length; number++) at = entry(body, at, number)
    },
    get events() {
      return ctx.events
    },
  }
}

const isMapStart = (byte: number) => (byte >= 0x80 && byte <= 0x8f) || byte === 0xde || byte === 0xdf

/** The array header at `at`: its element count and its own size in bytes; null if no array starts there. */
function arrayHeader(body: Uint8Array, at: number, where: string): { count: number; size: number } | null {
  const byte = body[at]!
  if (byte >= 0x90 && byte <= 0x9f) return { count: byte & 0x0f, size: 1 }
  if (byte !== 0xdc && byte !== 0xdd) return null
  const size = byte === 0xdc ? 3 : 5
  if (at + size > body.length) throw malformed(where, at, 'truncated MessagePack (the body ends inside it)')
  const view = new DataView(body.buffer, body.byteOffset + at + 1, size - 1)
  return { count: size === 3 ? view.getUint16(0) : view.getUint32(0), size }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let length = 0
  for (const chunk of chunks) length += chunk.length
  const out = new Uint8Array(length)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}
