/**
 * Decoders of a schema's scalar types, reading a value in place (json-bytes.ts) and writing it as stored.
 * The coercions follow Panther's (https://docs.panther.com/data-onboarding/custom-log-types/reference):
 * - `string` takes strings as they are, and numbers and booleans as their JSON text; `""` stays `""`.
 * - The number types take numbers and numeric strings (`"42"`) within their range; `int` and `smallint`
 *   are 32 and 16 bits, `bigint` 64 bits (exact within ±2^53, what any JSON reader keeps exactly).
 * - `boolean` takes true/false and the strings Go's strconv.ParseBool accepts (`"true"`, `"1"`, `"F"` ...).
 * - `timestamp` takes a string or a number its formats parse, and is stored as RFC 3339 in UTC. A number
 *   is parsed from its text, so a nanosecond epoch keeps every digit.
 * A value of another shape fails; a number or literal keeps its bytes when they are already what is stored.
 */
import {
  asciiText,
  type ByteWriter,
  type Cursor,
  MINUS,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  scalarEnd,
} from './json-bytes.ts'
import type { ElementSpec } from './model.ts'
import { compileTimeFormats, formatTimestamp, type Timestamp, writeTimestamp } from './time.ts'

/** A decoder's outcome: it wrote a value, found no value (`""` for a non-string), or the value failed. */
export const WROTE = 1
export const NONE = 0
export const FAIL = -1
/** An empty array: present (a required field is satisfied) but not stored, as Panther does. */
export const EMPTY = 2
export type Outcome = typeof WROTE | typeof NONE | typeof FAIL | typeof EMPTY

/** At a value's first byte (never null: objects and arrays skip nulls): decodes it into `out`. */
export type Decoder = (input: Cursor, out: ByteWriter, state: DecodeState) => Outcome

/** What decoding one event gathers besides the stored bytes. */
export interface DecodeState {
  eventTime: Timestamp | null
  /** The number of the isEventTime field that set eventTime; the lowest with a value wins. */
  eventTimeRank: number
  indicators: { add(kinds: readonly string[], value: string): void }
  /** Why the value failed and the path to it, innermost segment first (arrays and objects add theirs). */
  failReason: string
  failPath: string[]
}

/** The first bytes of true and false. */
const T = 0x74
const F = 0x66

/** Numeric strings as Go's strconv reads them (after trimming blanks): no hex, no Infinity, no NaN. */
const INTEGER = /^[+-]?\d+$/
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

export function stringDecoder(field: ElementSpec): Decoder {
  const indicators = field.indicators?.length ? field.indicators : null
  const allow = field.validate?.allow ? new Set(field.validate.allow) : null
  const deny = field.validate?.deny ? new Set(field.validate.deny) : null
  const checks = indicators !== null || allow !== null || deny !== null
  return function decodeString(input, out, state) {
    const bytes = input.bytes
    const start = input.pos
    const first = bytes[start]
    if (first === OPEN_BRACE || first === OPEN_BRACKET) return failed(input, state, 'a string')
    let text = ''
    if (first === QUOTE) {
      const content = input.readString()
      if (checks) text = input.stringFrom(content)
      out.copy(bytes, start, input.pos)
    } else {
      input.pos = scalarEnd(bytes, start)
      if (checks) text = asciiText(bytes, start, input.pos)
      out.byte(QUOTE)
      out.copy(bytes, start, input.pos)
      out.byte(QUOTE)
    }
    if (!checks) return WROTE
    if ((allow && !allow.has(text)) || deny?.has(text)) {
      input.pos = start
      return failed(input, state, allow ? `one of ${[...allow].join(', ')}` : 'a value not denied')
    }
    if (indicators && text !== '') state.indicators.add(indicators, text)
    return WROTE
  }
}

export function integerDecoder(type: 'int' | 'smallint' | 'bigint'): Decoder {
  const bound = type === 'int' ? 2 ** 31 : type === 'smallint' ? 2 ** 15 : 2 ** 63
  const expected = `a ${type}`
  return function decodeInteger(input, out, state) {
    const bytes = input.bytes
    const start = input.pos
    const first = bytes[start]!
    if (first === QUOTE)
      return numericString(input, out, state, INTEGER, (value) => inRange(value, bound), expected)
    if (first !== MINUS && (first < 0x30 || first > 0x39)) return failed(input, state, expected)
    const end = scalarEnd(bytes, start)
    input.pos = end
    const plain = plainInteger(bytes, start, end)
    if (plain !== null) {
      if (!inRange(plain, bound)) return failedAt(input, state, expected, start)
      out.copy(bytes, start, end)
      return WROTE
    }
    // 1.0 and 1e3 are integers written another way, as JSON.parse reads them.
    const value = Number(asciiText(bytes, start, end))
    if (!inRange(value, bound)) return failedAt(input, state, expected, start)
    out.text(String(value))
    return WROTE
  }
}

/** The value of a plain decimal integer of at most 15 digits (exact in a double), else null. */
function plainInteger(bytes: Uint8Array, start: number, end: number): number | null {
  const negative = bytes[start] === MINUS
  const from = negative ? start + 1 : start
  if (end - from > 15 || end === from) return null
  let value = 0
  for (let i = from; i < end; i++) {
    const digit = bytes[i]! - 0x30
    if (digit < 0 || digit > 9) return null
    value = value * 10 + digit
  }
  return negative ? -value : value
}

/** A number sent as a string (`"42"`): `""` is no value; else trimmed, it must fit the pattern and `accept`. */
function numericString(
  input: Cursor,
  out: ByteWriter,
  state: DecodeState,
  pattern: RegExp,
  accept: (value: number) => boolean,
  expected: string,
): Outcome {
  const start = input.pos
  const text = input.stringFrom(input.readString())
  if (text === '') return NONE
  const trimmed = text.trim()
  const value = Number(trimmed)
  if (!pattern.test(trimmed) || !accept(value)) return failedAt(input, state, expected, start)
  out.text(String(value))
  return WROTE
}

const inRange = (value: number, bound: number) => Number.isInteger(value) && value >= -bound && value < bound

export function decodeFloat(input: Cursor, out: ByteWriter, state: DecodeState): Outcome {
  const bytes = input.bytes
  const start = input.pos
  const first = bytes[start]!
  if (first === QUOTE) return numericString(input, out, state, FLOAT, Number.isFinite, 'a float')
  if (first !== MINUS && (first < 0x30 || first > 0x39)) return failed(input, state, 'a float')
  input.pos = scalarEnd(bytes, start)
  out.copy(bytes, start, input.pos)
  return WROTE
}

/** Go's strconv.ParseBool, which Panther's boolean fields use for strings. */
const BOOLEANS = new Map<string, boolean>([
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['t', true],
  ['T', true],
  ['1', true],
  ['false', false],
  ['False', false],
  ['FALSE', false],
  ['f', false],
  ['F', false],
  ['0', false],
])

export function decodeBoolean(input: Cursor, out: ByteWriter, state: DecodeState): Outcome {
  const bytes = input.bytes
  const start = input.pos
  const first = bytes[start]
  if (first === T || first === F) {
    input.pos = scalarEnd(bytes, start)
    out.copy(bytes, start, input.pos)
    return WROTE
  }
  if (first !== QUOTE) return failed(input, state, 'a boolean')
  const text = input.stringFrom(input.readString())
  if (text === '') return NONE
  const value = BOOLEANS.get(text.trim())
  if (value === undefined) return failedAt(input, state, 'a boolean', start)
  out.text(value ? 'true' : 'false')
  return WROTE
}

/** `rank` numbers an isEventTime field (the lowest with a value is the event time); -1 for the others. */
export function timestampDecoder(field: ElementSpec, rank: number, now: (() => number) | undefined): Decoder {
  const parseTime = compileTimeFormats(field.timeFormats ?? [], { now })
  const expected = `a timestamp (${(field.timeFormats ?? []).join(' or ')})`
  return function decodeTimestamp(input, out, state) {
    const bytes = input.bytes
    const start = input.pos
    const first = bytes[start]!
    let text: string
    if (first === QUOTE) {
      text = input.stringFrom(input.readString())
      if (text === '') return NONE
    } else if (first === MINUS || (first >= 0x30 && first <= 0x39)) {
      input.pos = scalarEnd(bytes, start)
      text = asciiText(bytes, start, input.pos)
    } else return failed(input, state, expected)
    const time = parseTime(text)
    if (time === null) return failedAt(input, state, expected, start)
    if (rank >= 0 && rank < state.eventTimeRank) {
      state.eventTime = time
      state.eventTimeRank = rank
    }
    out.reserve(32)
    out.bytes[out.at] = QUOTE
    const written = writeTimestamp(time, out.bytes, out.at + 1)
    if (written < 0) out.text(`"${formatTimestamp(time)}"`)
    else {
      out.bytes[out.at + written + 1] = QUOTE
      out.at += written + 2
    }
    return WROTE
  }
}

/** Fails on the value at the cursor (moving past it to quote it). */
export function failed(input: Cursor, state: DecodeState, expected: string): Outcome {
  return failedAt(input, state, expected, input.skipValue())
}

const QUOTED_CHARS_MAX = 40

/** Fails on the value from `start` to the cursor, which must be past it. */
export function failedAt(input: Cursor, state: DecodeState, expected: string, start: number): Outcome {
  if (input.pos <= start) input.skipValue()
  const first = input.bytes[start]
  let got: string
  if (first === OPEN_BRACE) got = 'an object'
  else if (first === OPEN_BRACKET) got = 'an array'
  else {
    const text = new TextDecoder().decode(input.bytes.subarray(start, input.pos))
    got = text.length > QUOTED_CHARS_MAX ? `${text.slice(0, QUOTED_CHARS_MAX)}…` : text
  }
  state.failReason = `expected ${expected}, got ${got}`
  state.failPath = []
  return FAIL
}
