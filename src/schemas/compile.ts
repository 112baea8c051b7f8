/**
 * A schema compiled into a transcoder: each field spec becomes one decoder, built once, that reads its
 * value where it lies in the event's JSON bytes and writes it as stored (scalars.ts has the coercions).
 * An event is never parsed into objects and serialized again: a string or number that needs no coercion
 * is copied byte for byte, and only what a schema must look at (timestamps, indicators, numeric strings)
 * becomes a JavaScript value.
 *
 * As Panther stores events:
 * - Fields are matched to the event's keys exactly, or else regardless of case (`eventID` fills a field
 *   named `eventId`), and stored under the schema's name; a key repeated in one object counts once.
 * - null is no value: the field is dropped, and a required field without a value fails the event. So is
 *   `""` for the number, boolean and timestamp types; a `json` field keeps it, and an object or array
 *   field fails on it, as Panther's decoding does. An empty array is a value but is not stored, nor are
 *   nulls in arrays.
 * - Fields the schema does not name are dropped, unless field discovery keeps them as they came (at the
 *   top level, not the `p_` ones, which are Inlet's).
 * - `array`, `object` and `json` take their JSON shapes, or a string holding one when `isEmbeddedJSON`.
 */

import { depthExceededAt, EVENT_DEPTH_MAX } from '../json-depth.ts'
import { IndicatorCollector } from './indicators.ts'
import {
  ByteWriter,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  Cursor,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from './json-bytes.ts'
import { KeyTable, sameBytes } from './keys.ts'
import type { ElementSpec, FieldSpec, SchemaSpec } from './model.ts'
import {
  type Decoder,
  type DecodeState,
  decodeBoolean,
  decodeFloat,
  EMPTY,
  FAIL,
  failed,
  failedAt,
  integerDecoder,
  NONE,
  stringDecoder,
  timestampDecoder,
  WROTE,
} from './scalars.ts'
import { compileLineParser, type LineParser } from './text/index.ts'
import type { Timestamp } from './time.ts'

/** What decoding one event gathers besides the stored bytes: the event time, indicators, why it failed. */
export class ParseState implements DecodeState {
  eventTime: Timestamp | null = null
  eventTimeRank = Number.POSITIVE_INFINITY
  readonly indicators = new IndicatorCollector()
  failReason = ''
  failPath: string[] = []

  reset(): void {
    this.eventTime = null
    this.eventTimeRank = Number.POSITIVE_INFINITY
    this.indicators.clear()
    this.failReason = ''
  }

  /** Why the event failed the schema, naming the field's path (`actor.ids[2]`). */
  get failure(): string {
    let path = ''
    for (let i = this.failPath.length - 1; i >= 0; i--) {
      const segment = this.failPath[i]!
      path += path === '' || segment.startsWith('[') ? segment : `.${segment}`
    }
    return this.failReason.startsWith('required')
      ? `required field '${path}' is missing`
      : `field '${path}': ${this.failReason}`
  }
}

export interface CompiledSchema {
  readonly name: string
  /** `"p_log_type":"<name>"`, the member a classified event gains. */
  readonly logTypeMember: Uint8Array
  /** A fresh parser for one body's text lines, when the schema reads text (csv, fastmatch, regex). */
  readonly lineParser: (() => LineParser) | null
  /** Decodes the JSON object at the cursor into `out` as stored (without p_ fields); false if it fails. */
  transcode(input: Cursor, out: ByteWriter, state: ParseState): boolean
  /** The same for a JavaScript object, returning the stored value or null (tests and tools). */
  parse(event: Record<string, unknown>, state: ParseState): Record<string, unknown> | null
}

export interface CompileOptions {
  /** Keep unknown fields (the schema's fieldDiscoveryEnabled, or the API's isFieldDiscoveryEnabled). */
  fieldDiscovery?: boolean
  /** Wall clock for time formats without a year. */
  now?: () => number
}

/** What every decoder of one schema shares while it is compiled. */
interface Context {
  discovery: boolean
  now: (() => number) | undefined
  /** isEventTime fields numbered so far, in the schema's order: the lowest number with a value wins. */
  eventTimeFields: number
}

export function compileSchema(name: string, spec: SchemaSpec, options: CompileOptions = {}): CompiledSchema {
  const ctx: Context = {
    discovery: options.fieldDiscovery ?? spec.fieldDiscoveryEnabled ?? false,
    now: options.now,
    eventTimeFields: 0,
  }
  const decodeTop = objectDecoder(spec.fields, ctx, true)
  const transcode = (input: Cursor, out: ByteWriter, state: ParseState) => {
    input.peek()
    return decodeTop(input, out, state) !== FAIL
  }
  return {
    name,
    logTypeMember: encoder.encode(`"p_log_type":${JSON.stringify(name)}`),
    lineParser: compileLineParser(spec.parser),
    transcode,
    parse(event, state) {
      const out = new ByteWriter()
      const input = new Cursor(new TextEncoder().encode(JSON.stringify(event)))
      if (!transcode(input, out, state)) return null
      return JSON.parse(new TextDecoder().decode(out.piece()))
    },
  }
}

/** `n`, the first byte of null. */
const N = 0x6e
const P = 0x70
const UNDERSCORE = 0x5f
const encoder = new TextEncoder()

function decoderFor(field: ElementSpec, ctx: Context): Decoder {
  const decode = baseDecoder(field, ctx)
  return field.isEmbeddedJSON ? embedded(decode) : decode
}

function baseDecoder(field: ElementSpec, ctx: Context): Decoder {
  switch (field.type) {
    case 'string':
      return stringDecoder(field)
    case 'int':
    case 'smallint':
    case 'bigint':
      return integerDecoder(field.type)
    case 'float':
      return decodeFloat
    case 'boolean':
      return decodeBoolean
    case 'timestamp':
      return timestampDecoder(field, field.isEventTime === true ? ctx.eventTimeFields++ : -1, ctx.now)
    case 'array':
      return arrayDecoder(decoderFor(elementOf(field), ctx))
    case 'object':
      return objectDecoder(field.fields!, ctx, false)
    case 'json':
      return decodeJson
  }
}

/** An array's element, with the indicators the array names (they apply to its string elements). */
const elementOf = (field: ElementSpec): ElementSpec =>
  field.indicators
    ? { ...field.element!, indicators: field.element!.indicators ?? field.indicators }
    : field.element!

/** A value that may come as a string holding JSON: the string is parsed (and checked) first. */
function embedded(decode: Decoder): Decoder {
  return function decodeEmbedded(input, out, state) {
    if (input.bytes[input.pos] !== QUOTE) return decode(input, out, state)
    const start = input.pos
    const text = input.stringFrom(input.readString())
    if (text === '') return NONE
    // The string was no part of the event's nesting when ingest checked it, and JSON.stringify below
    // recurses: it is held to the same depth as events are.
    if (depthExceededAt(text, EVENT_DEPTH_MAX) >= 0) return failedAt(input, state, 'embedded JSON', start)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return failedAt(input, state, 'embedded JSON', start)
    }
    if (value === null) return NONE
    const inner = new Cursor(encoder.encode(JSON.stringify(value)))
    return decode(inner, out, state)
  }
}

function decodeJson(input: Cursor, out: ByteWriter): typeof WROTE {
  const start = input.skipValue()
  out.copy(input.bytes, start, input.pos)
  return WROTE
}

function arrayDecoder(decodeElement: Decoder): Decoder {
  return function decodeArray(input, out, state) {
    if (input.bytes[input.pos] !== OPEN_BRACKET) return failed(input, state, 'an array')
    input.step()
    const open = out.mark()
    out.byte(OPEN_BRACKET)
    let written = 0
    for (let index = 0; ; index++) {
      let byte = input.peek()
      if (byte === COMMA) {
        input.step()
        byte = input.peek()
      }
      if (byte === CLOSE_BRACKET) break
      if (byte === N) {
        input.skipValue()
        continue
      }
      const mark = out.mark()
      if (written > 0) out.byte(COMMA)
      const outcome = decodeElement(input, out, state)
      if (outcome === FAIL) {
        state.failPath.push(`[${index}]`)
        return FAIL
      }
      if (outcome === WROTE) written++
      else out.rewind(mark)
    }
    input.step()
    if (written === 0) {
      out.rewind(open)
      return EMPTY
    }
    out.byte(CLOSE_BRACKET)
    return WROTE
  }
}

interface CompiledField {
  name: string
  /** The name as the key bytes an event usually carries, for a match without making a string. */
  nameBytes: Uint8Array
  /** `"name":` as written to the output. */
  keyBytes: Uint8Array
  decode: Decoder
}

/**
 * An object's keys are walked once, in the event's order. Events of one source usually list their keys
 * in the same order, so the field after the last one matched is compared first, byte for byte; only
 * when that guess misses is the key made a string and looked up.
 */
function objectDecoder(fields: FieldSpec[], ctx: Context, top: boolean): Decoder {
  const compiled: CompiledField[] = fields.map((field) => ({
    name: field.name,
    nameBytes: encoder.encode(JSON.stringify(field.name).slice(1, -1)),
    keyBytes: encoder.encode(`${JSON.stringify(field.name)}:`),
    decode: decoderFor(field, ctx),
  }))
  const exact = new Map(fields.map((field, index) => [field.name, index]))
  const folded = new Map(fields.map((field, index) => [field.name.toLowerCase(), index]))
  const keys = new KeyTable(compiled.map((field) => field.nameBytes))
  const required = fields.flatMap((field, index) => (field.required ? [index] : []))
  // Which fields this call has filled, marked with the call's generation so the array is never cleared.
  // A spec node's decoder never runs inside itself (specs are trees), so one array per node suffices.
  const filled = new Uint32Array(compiled.length)
  let generation = 0
  return function decodeObject(input, out, state) {
    const bytes = input.bytes
    if (bytes[input.pos] !== OPEN_BRACE) return failed(input, state, 'an object')
    input.step()
    generation = (generation + 1) >>> 0 || 1
    const mark = generation
    out.byte(OPEN_BRACE)
    let wrote = false
    let guess = 0
    for (;;) {
      let byte = input.peek()
      if (byte === COMMA) {
        input.step()
        byte = input.peek()
      }
      if (byte === CLOSE_BRACE) break
      const keyStart = input.readString()
      const keyEnd = input.pos - 1
      const guessed = compiled[guess]
      let index: number | undefined
      if (input.escaped || input.wide) {
        const key = input.stringFrom(keyStart)
        index = exact.get(key) ?? folded.get(key.toLowerCase())
      } else if (guessed !== undefined && sameBytes(guessed.nameBytes, bytes, keyStart, keyEnd)) {
        index = guess
      } else index = keys.find(bytes, keyStart, keyEnd)
      input.peek()
      input.step() // the colon
      const valueByte = input.peek()
      if (index === undefined) {
        const discovered = ctx.discovery && valueByte !== N && !(top && isReserved(bytes, keyStart))
        if (!discovered) {
          input.skipValue()
          continue
        }
        if (wrote) out.byte(COMMA)
        out.copy(bytes, keyStart - 1, keyEnd + 1)
        out.byte(COLON)
        const start = input.skipValue()
        out.copy(bytes, start, input.pos)
        wrote = true
        continue
      }
      guess = index + 1
      if (valueByte === N || filled[index] === mark) {
        input.skipValue()
        continue
      }
      const field = compiled[index]!
      const before = out.mark()
      if (wrote) out.byte(COMMA)
      out.copy(field.keyBytes, 0, field.keyBytes.length)
      const outcome = field.decode(input, out, state)
      if (outcome === FAIL) {
        state.failPath.push(field.name)
        return FAIL
      }
      if (outcome !== NONE) filled[index] = mark
      if (outcome === WROTE) wrote = true
      else out.rewind(before)
    }
    input.step()
    for (const index of required) {
      if (filled[index] !== mark) {
        state.failReason = 'required'
        state.failPath = [compiled[index]!.name]
        return FAIL
      }
    }
    out.byte(CLOSE_BRACE)
    return WROTE
  }
}

/** A key starting with `p_`, the namespace of the fields Inlet adds. */
const isReserved = (bytes: Uint8Array, start: number) => bytes[start] === P && bytes[start + 1] === UNDERSCORE
