/**
 * Framing for Splunk's HTTP Event Collector. `/services/collector/event` takes envelopes, concatenated or
 * one per line (Splunk docs, "Format events for HTTP Event Collector"):
 *
 *     {"time": 1426279439.123, "host": "web-1", "source": "app", "sourcetype": "_json", "index": "main",
 *      "fields": {"region": "eu"}, "event": {"message": "user login", "user": "alice"}}
 *
 * Each envelope is one event: an object `event` is stored as itself, a string `event` as a Lines line
 * would be (a JSON object text as that object, other text as `{"message": text}`), any other JSON value as
 * `{"message": <its JSON text>}`. `time` (epoch seconds, a number or a numeric string, fractions to the
 * nanosecond) is the event time. The envelope's `host`, `source`, `sourcetype` and `index` are kept as
 * `splunk_host`, `splunk_source`, `splunk_sourcetype` and `splunk_index` and its `fields` as
 * `splunk_fields` (as Vector's `splunk_hec` source names them, prefixed, so they never overwrite the
 * event's own `host` or `source`), each unless the event has a field of that name. The query string's
 * `host`, `source`, `sourcetype`, `index` and `time` are defaults for what an envelope leaves out.
 *
 * `/services/collector/raw` takes text, one event per line as the Lines stream type frames it, with the
 * query string's values kept the same way.
 *
 * A request is stored whole or not at all (unlike Splunk, which keeps the events before a bad one); a
 * refusal names the event at fault by its 0-based number, as Splunk's `invalid-event-number` does.
 */
import type { AppError } from '../../errors.ts'
import { createFramer, type FramedEvent, type Framer, type FramingOptions } from '../framing/index.ts'
import { textEvent } from '../framing/text-event.ts'
import { HecError } from './answers.ts'

export type Emit = (event: FramedEvent) => void
export type FramerFactory = (options: FramingOptions, emit: Emit) => Framer

/** What the envelope's metadata becomes, and the query string's defaults for it. */
export interface HecDefaults {
  host?: string
  source?: string
  sourcetype?: string
  index?: string
  time?: string
}

const META = ['host', 'source', 'sourcetype', 'index'] as const

/** The defaults the query string gives (a `time` that is not epoch seconds is refused by the framer). */
export function defaultsFrom(query: URLSearchParams): HecDefaults {
  const defaults: HecDefaults = {}
  for (const name of [...META, 'time'] as const) {
    const value = query.get(name)
    if (value !== null && value !== '') defaults[name] = value
  }
  return defaults
}

/** The framer for `/services/collector/event`. */
export function envelopeFramer(defaults: HecDefaults): FramerFactory {
  return (options, emit) => {
    const defaultTime = readTime(defaults.time, 'the query parameter time')
    const depthMax = options.eventDepthMax ?? Number.POSITIVE_INFINITY
    // Counted by the framer before it hands the envelope over: this one's 0-based number is one less.
    const inner: Framer = createFramer({ ...options, streamType: 'JSON' }, (envelope) => {
      emit(envelopeEvent(envelope.value, inner.events - 1, defaults, defaultTime, depthMax))
    })
    return guarded(inner)
  }
}

/** The framer for `/services/collector/raw`: Lines, each event with the query string's metadata. */
export function rawFramer(defaults: HecDefaults): FramerFactory {
  const meta = metaFields(defaults)
  return (options, emit) => {
    const time = readTime(defaults.time, 'the query parameter time')
    return guarded(
      createFramer({ ...options, streamType: 'Lines' }, (event) => emit(withMeta(event, meta, time))),
    )
  }
}

/**
 * The framer with HEC's refusals: framing errors (400 and 413) name the event at fault, and a body with
 * no event at all is HEC's `No data`.
 */
function guarded(inner: Framer): Framer {
  // A framing error is about the event after the last one handed over, whose 0-based number is their count.
  const atEvent = (error: unknown): unknown => {
    if (error instanceof HecError || !isFramingError(error)) return error
    return new HecError(error.code, error.message, 6, inner.events)
  }
  return {
    push(chunk) {
      try {
        inner.push(chunk)
      } catch (error) {
        throw atEvent(error)
      }
    },
    end() {
      try {
        inner.end()
      } catch (error) {
        throw atEvent(error)
      }
      if (inner.events === 0) throw new HecError('VALIDATION_ERROR', 'the body holds no event', 5)
    },
    get events() {
      return inner.events
    },
  }
}

const isFramingError = (error: unknown): error is AppError =>
  error instanceof Error && 'status' in error && (error.status === 400 || error.status === 413)

/** Event time: whole milliseconds, and the text for p_event_time when the sender gave finer digits. */
interface HecTime {
  ms: number
  text?: string
}

const EPOCH_SECONDS = /^(\d{1,12})(?:\.(\d+))?$/

/** Reads HEC's `time`, epoch seconds as a number or a numeric string; undefined when absent. */
function readTime(value: unknown, where: string, number?: number): HecTime | undefined {
  if (value === undefined || value === null) return undefined
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : ''
  const match = EPOCH_SECONDS.exec(text)
  if (!match) {
    throw new HecError(
      'VALIDATION_ERROR',
      `${where}: time must be seconds since the Unix epoch, such as 1426279439.123`,
      6,
      number,
    )
  }
  const fraction = match[2] ?? ''
  const ms = Number(match[1]) * 1000 + Number(fraction.slice(0, 3).padEnd(3, '0'))
  if (fraction.length <= 3) return { ms }
  // The ISO text of the whole milliseconds, its fraction replaced by every digit given, to nanoseconds.
  const iso = new Date(ms).toISOString()
  return { ms, text: `${iso.slice(0, iso.length - 4)}${fraction.slice(0, 9)}Z` }
}

function envelopeEvent(
  envelope: Record<string, unknown>,
  number: number,
  defaults: HecDefaults,
  defaultTime: HecTime | undefined,
  depthMax: number,
): FramedEvent {
  const where = `event ${number}`
  const refuse = (hecCode: 6 | 12 | 13 | 15, message: string) =>
    new HecError('VALIDATION_ERROR', `${where}: ${message}`, hecCode, number)
  const { event } = envelope
  if (event === undefined || event === null) throw refuse(12, 'the envelope has no "event" field')
  const time = readTime(envelope.time, where, number) ?? defaultTime
  const timeMs = time?.ms ?? null
  let framed: FramedEvent
  if (typeof event === 'string') {
    if (event.trim() === '') throw refuse(13, '"event" is blank')
    const text = textEvent(event, timeMs, depthMax)
    if (text === 'too deep') {
      throw new HecError(
        'EVENT_TOO_DEEP',
        `${where}: "event" nests deeper than [ingest] event_depth_max`,
        6,
        number,
      )
    }
    framed = text
  } else if (isObject(event)) {
    if (Object.keys(event).length === 0) throw refuse(13, '"event" is an empty object')
    framed = { value: event, json: null, reservedKeys: false, timeMs }
  } else {
    const line = JSON.stringify(event)
    framed = { value: { message: line }, json: null, reservedKeys: false, timeMs, line }
  }
  const meta: Record<string, unknown> = {}
  for (const name of META) {
    const value = envelope[name] ?? defaults[name]
    if (value === undefined) continue
    if (typeof value !== 'string') throw refuse(6, `"${name}" must be a string`)
    meta[`splunk_${name}`] = value
  }
  if (envelope.fields !== undefined) meta.splunk_fields = indexedFields(envelope.fields, refuse)
  return withMeta(framed, meta, time)
}

/** HEC's indexed fields: an object of strings, numbers and booleans, or arrays of them (multivalue). */
function indexedFields(
  fields: unknown,
  refuse: (hecCode: 15, message: string) => HecError,
): Record<string, unknown> {
  if (!isObject(fields)) throw refuse(15, '"fields" must be an object')
  for (const [name, value] of Object.entries(fields)) {
    const values = Array.isArray(value) ? value : [value]
    if (!values.every((item) => item !== null && typeof item !== 'object')) {
      throw refuse(15, `"fields.${name}" must be a string, number or boolean, or an array of them`)
    }
  }
  return fields
}

/** The query string's metadata as the fields an event gets. */
function metaFields(defaults: HecDefaults): Record<string, unknown> {
  const meta: Record<string, unknown> = {}
  for (const name of META) if (defaults[name] !== undefined) meta[`splunk_${name}`] = defaults[name]
  return meta
}

/** The event with the metadata fields it has none of its own of, and the finer event time. */
function withMeta(event: FramedEvent, meta: Record<string, unknown>, time: HecTime | undefined): FramedEvent {
  const added = Object.keys(meta).filter((field) => !(field in event.value))
  const timeMs = time?.ms ?? event.timeMs
  if (added.length === 0 && time?.text === undefined && timeMs === event.timeMs) return event
  const value: Record<string, unknown> = { ...event.value }
  for (const field of added) value[field] = meta[field]
  return { value, json: null, reservedKeys: false, timeMs, eventTime: time?.text, line: event.line }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
