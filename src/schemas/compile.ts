/**
 * A schema compiled into a parser: each field spec becomes one decoding function, built once, so parsing
 * an event is a walk over closures with no lookups of the spec. The coercions follow Panther's
 * (https://docs.panther.com/data-onboarding/custom-log-types/reference):
 * - `string` takes strings as they are and numbers and booleans as their text; `""` stays `""`.
 * - The number types take numbers and numeric strings (`"42"`), within their range; `int` and
 *   `smallint` are 32 and 16 bits, `bigint` is 64 bits (kept exactly only within ±2^53, the limit of a
 *   JSON number read by any JavaScript consumer).
 * - `boolean` takes true/false and the strings Go's strconv.ParseBool accepts (`"true"`, `"1"`, `"F"` ...).
 * - `timestamp` takes a string or number its formats parse; stored as RFC 3339 UTC.
 * - `array`, `object` and `json` take their JSON shapes, or a string holding one when `isEmbeddedJSON`.
 * - null, and `""` for every type but string, is no value: the field is dropped; a required field
 *   without a value fails the event. An empty array is a value, but is not stored (nor are nulls), as
 *   Panther does. A value of the wrong shape fails the event.
 * - Fields the schema does not name are dropped, unless field discovery keeps them as they came.
 */
import { IndicatorCollector } from './indicators.ts'
import type { ElementSpec, FieldSpec, SchemaSpec } from './model.ts'
import { compileLineParser, type LineParser } from './text/index.ts'
import { compileTimeFormats, formatTimestamp, type Timestamp } from './time.ts'

/** What parsing one event gathers besides the value: the event time and the indicators. */
export class ParseState {
  /** The event time: the value of the first isEventTime field, in the schema's order, that has one. */
  eventTime: Timestamp | null = null
  eventTimeRank = Number.POSITIVE_INFINITY
  readonly indicators = new IndicatorCollector()
  /** Why the event failed the schema, set by the field that failed. */
  failure = ''

  reset(): void {
    this.eventTime = null
    this.eventTimeRank = Number.POSITIVE_INFINITY
    this.indicators.clear()
    this.failure = ''
  }
}

/** A decoded value, undefined for "no value", or FAIL when the value does not fit (state.failure says why). */
const FAIL: unique symbol = Symbol('fail')
type Decoded = unknown
type Decoder = (value: unknown, state: ParseState, path: string) => Decoded

export interface CompiledSchema {
  readonly name: string
  /** A fresh parser for one body's text lines, when the schema reads text (csv, fastmatch, regex). */
  readonly lineParser: (() => LineParser) | null
  /** The event as stored, without p_ fields; null when it does not fit (state.failure says why). */
  parse(event: Record<string, unknown>, state: ParseState): Record<string, unknown> | null
}

export interface CompileOptions {
  /** Keep unknown fields (the schema's fieldDiscoveryEnabled, or the API's isFieldDiscoveryEnabled). */
  fieldDiscovery?: boolean
  /** Wall clock for time formats without a year. */
  now?: () => number
}

export function compileSchema(name: string, spec: SchemaSpec, options: CompileOptions = {}): CompiledSchema {
  const ctx: Context = {
    discovery: options.fieldDiscovery ?? spec.fieldDiscoveryEnabled ?? false,
    now: options.now,
    eventTimeFields: 0,
  }
  const decodeObject = objectDecoder(spec.fields, ctx)
  return {
    name,
    lineParser: compileLineParser(spec.parser),
    parse(event, state) {
      const value = decodeObject(event, state, '')
      return value === FAIL ? null : (value as Record<string, unknown>)
    },
  }
}

/** What every decoder of one schema shares while it is compiled. */
interface Context {
  discovery: boolean
  now: (() => number) | undefined
  /** isEventTime fields numbered so far, in the schema's order: the lowest number with a value wins. */
  eventTimeFields: number
}

interface CompiledField {
  name: string
  required: boolean
  decode: Decoder
}

/**
 * An object's fields are matched to the event's keys exactly, or else regardless of case, as Panther's
 * JSON decoding does (`eventID` fills a field named `eventId`), and stored under the schema's name. The
 * event's keys are walked once, in their order; a key matching a field already filled is ignored.
 */
function objectDecoder(fields: FieldSpec[], ctx: Context): Decoder {
  const compiled: CompiledField[] = fields.map((field) => ({
    name: field.name,
    required: field.required === true,
    decode: decoderFor(field, ctx),
  }))
  const exact = new Map(fields.map((field, index) => [field.name, index]))
  const folded = new Map(fields.map((field, index) => [field.name.toLowerCase(), index]))
  const required = compiled.flatMap((field, index) => (field.required ? [index] : []))
  // Which fields this call has filled, marked with the call's generation so the array is never cleared.
  const filled = new Uint32Array(compiled.length)
  let generation = 0
  return function decodeObject(value, state, path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(state, path, 'an object', value)
    }
    const input = value as Record<string, unknown>
    const out: Record<string, unknown> = {}
    generation = (generation + 1) >>> 0 || 1
    const mark = generation
    for (const key in input) {
      const raw = input[key]
      const index = exact.get(key) ?? folded.get(key.toLowerCase())
      if (index === undefined) {
        if (ctx.discovery && raw !== null && raw !== undefined) out[key] = raw
        continue
      }
      if (filled[index] === mark || raw === null || raw === undefined) continue
      const field = compiled[index]!
      const decoded = field.decode(raw, state, path === '' ? field.name : `${path}.${field.name}`)
      if (decoded === FAIL) return FAIL
      if (decoded === undefined) continue
      filled[index] = mark
      // An empty array counts as present for `required` but is not stored, as Panther does.
      if (!(Array.isArray(decoded) && decoded.length === 0)) out[field.name] = decoded
    }
    for (const index of required) {
      if (filled[index] !== mark) {
        const name = compiled[index]!.name
        state.failure = `required field '${path === '' ? name : `${path}.${name}`}' is missing`
        return FAIL
      }
    }
    return out
  }
}

function decoderFor(field: ElementSpec, ctx: Context): Decoder {
  const base = baseDecoder(field, ctx)
  // `""` is no value for every type but string.
  const decode: Decoder =
    field.type === 'string'
      ? base
      : (value, state, path) => (value === '' ? undefined : base(value, state, path))
  if (!field.isEmbeddedJSON) return decode
  return function decodeEmbedded(value, state, path) {
    if (typeof value !== 'string') return decode(value, state, path)
    if (value === '') return undefined
    let parsed: unknown
    try {
      parsed = JSON.parse(value)
    } catch {
      return fail(state, path, 'embedded JSON', value)
    }
    return parsed === null ? undefined : decode(parsed, state, path)
  }
}

function baseDecoder(field: ElementSpec, ctx: Context): Decoder {
  switch (field.type) {
    case 'string':
      return stringDecoder(field)
    case 'int':
      return integerDecoder('int', 2 ** 31)
    case 'smallint':
      return integerDecoder('smallint', 2 ** 15)
    case 'bigint':
      return integerDecoder('bigint', 2 ** 63)
    case 'float':
      return decodeFloat
    case 'boolean':
      return decodeBoolean
    case 'timestamp':
      return timestampDecoder(field, ctx)
    case 'array':
      return arrayDecoder(decoderFor(elementOf(field), ctx))
    case 'object':
      return objectDecoder(field.fields!, ctx)
    case 'json':
      return (value) => value
  }
}

/** An array's element, with the indicators the array names (they apply to its string elements). */
const elementOf = (field: ElementSpec): ElementSpec =>
  field.indicators
    ? { ...field.element!, indicators: field.element!.indicators ?? field.indicators }
    : field.element!

function stringDecoder(field: ElementSpec): Decoder {
  const indicators = field.indicators?.length ? field.indicators : null
  const allow = field.validate?.allow ? new Set(field.validate.allow) : null
  const deny = field.validate?.deny ? new Set(field.validate.deny) : null
  return function decodeString(value, state, path) {
    let text: string
    if (typeof value === 'string') text = value
    else if (typeof value === 'number' || typeof value === 'boolean') text = String(value)
    else return fail(state, path, 'a string', value)
    if (allow && !allow.has(text)) return fail(state, path, `one of the allowed values`, value)
    if (deny?.has(text)) return fail(state, path, 'a value not denied', value)
    if (indicators && text !== '') state.indicators.add(indicators, text)
    return text
  }
}

/** Numeric strings as Go's strconv reads them (after trimming blanks): no hex, no Infinity, no NaN. */
const INTEGER = /^[+-]?\d+$/
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

function integerDecoder(type: string, bound: number): Decoder {
  return function decodeInteger(value, state, path) {
    let number: number
    if (typeof value === 'number') number = value
    else if (typeof value === 'string') {
      const trimmed = value.trim()
      if (!INTEGER.test(trimmed)) return fail(state, path, `a ${type}`, value)
      number = Number(trimmed)
    } else return fail(state, path, `a ${type}`, value)
    if (!Number.isInteger(number) || number < -bound || number >= bound) {
      return fail(state, path, `a ${type}`, value)
    }
    return number
  }
}

function decodeFloat(value: unknown, state: ParseState, path: string): Decoded {
  if (typeof value === 'number') return value
  if (typeof value !== 'string') return fail(state, path, 'a float', value)
  const trimmed = value.trim()
  if (!FLOAT.test(trimmed)) return fail(state, path, 'a float', value)
  const number = Number(trimmed)
  return Number.isFinite(number) ? number : fail(state, path, 'a float', value)
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

function decodeBoolean(value: unknown, state: ParseState, path: string): Decoded {
  if (typeof value === 'boolean') return value
  if (typeof value === 'string') {
    const known = BOOLEANS.get(value.trim())
    if (known !== undefined) return known
  }
  return fail(state, path, 'a boolean', value)
}

function timestampDecoder(field: ElementSpec, ctx: Context): Decoder {
  const parseTime = compileTimeFormats(field.timeFormats ?? [], { now: ctx.now })
  const rank = field.isEventTime === true ? ctx.eventTimeFields++ : -1
  return function decodeTimestamp(value, state, path) {
    if (typeof value !== 'string' && typeof value !== 'number') return fail(state, path, 'a timestamp', value)
    const time = parseTime(value)
    if (time === null) return fail(state, path, `a timestamp (${field.timeFormats!.join(' or ')})`, value)
    if (rank >= 0 && rank < state.eventTimeRank) {
      state.eventTime = time
      state.eventTimeRank = rank
    }
    return formatTimestamp(time)
  }
}

function arrayDecoder(decodeElement: Decoder): Decoder {
  return function decodeArray(value, state, path) {
    if (!Array.isArray(value)) return fail(state, path, 'an array', value)
    const out: unknown[] = []
    for (let i = 0; i < value.length; i++) {
      const item = value[i]
      if (item === null || item === undefined) continue
      const decoded = decodeElement(item, state, `${path}[${i}]`)
      if (decoded === FAIL) return FAIL
      if (decoded !== undefined) out.push(decoded)
    }
    return out
  }
}

/** Records why a value failed and returns FAIL; the message quotes at most a short piece of the value. */
function fail(state: ParseState, path: string, expected: string, value: unknown): typeof FAIL {
  state.failure = `field '${path}': expected ${expected}, got ${describe(value)}`
  return FAIL
}

const QUOTED_CHARS_MAX = 40

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object' && value !== null) return 'an object'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > QUOTED_CHARS_MAX ? `${text.slice(0, QUOTED_CHARS_MAX)}…` : text
}
