/**
 * Classification: the ingest path's classify stage. A source's log types are compiled once into a list
 * of schemas (cached until the source or one of its schemas changes); each event is tried against them,
 * the one that matched the source's previous event first, then the rest in the source's order. The first
 * schema that parses the event wins: its parsed event is stored with `p_log_type` and the `p_any_*`
 * indicator arrays, and its first `isEventTime` field becomes `p_event_time`.
 *
 * An event no schema parses is still stored: the event as received (less any `p_` fields of its own)
 * with `p_classification_error` saying why each schema refused it. The failures of a request are reported
 * once, when the request's events are stored, so counters and system errors see only stored events.
 */
import { type FramedEvent, JsonEvent } from '../ingest/framing/index.ts'
import type { Classifier } from '../ingest/pipeline.ts'
import type { SourceRecord } from '../registry/sources.ts'
import { type CompiledSchema, compileSchema, ParseState } from './compile.ts'
import { ByteWriter, CLOSE_BRACE, COMMA, Cursor } from './json-bytes.ts'
import type { SchemaSpec } from './model.ts'
import type { LineParser } from './text/index.ts'
import { formatTimestamp } from './time.ts'

/** What classification needs of the schema store. */
export interface SchemaLookup {
  find(name: string): { parsed: SchemaSpec; isFieldDiscoveryEnabled: boolean; revision: number } | null
  onChange(listener: (name: string) => void): () => void
}

export interface ClassificationDeps {
  schemas: SchemaLookup
  /** Called once per request that stored classification failures, with one of their reasons. */
  onFailures: (source: SourceRecord, count: number, reason: string) => void
  now?: () => number
}

/** A source's compiled log types and which of them matched last. */
interface SourceSchemas {
  key: string
  schemas: CompiledSchema[]
  last: number
}

/** Reasons longer than this are cut: the field stays readable when many schemas refused an event. */
const ERROR_CHARS_MAX = 1000

export function createClassification(deps: ClassificationDeps) {
  const compiled = new Map<string, CompiledSchema>()
  const bySource = new Map<string, SourceSchemas>()
  const unsubscribe = deps.schemas.onChange((name) => {
    compiled.delete(name)
    bySource.clear()
  })

  function schemaFor(name: string): CompiledSchema | null {
    const cached = compiled.get(name)
    if (cached) return cached
    const record = deps.schemas.find(name)
    if (!record) return null
    const schema = compileSchema(name, record.parsed, {
      fieldDiscovery: record.isFieldDiscoveryEnabled || record.parsed.fieldDiscoveryEnabled === true,
      now: deps.now,
    })
    compiled.set(name, schema)
    return schema
  }

  function schemasOf(source: SourceRecord): SourceSchemas {
    const key = source.logTypes.join('\n')
    const cached = bySource.get(source.id)
    if (cached?.key === key) return cached
    const schemas = source.logTypes.map(schemaFor).filter((schema) => schema !== null)
    const entry = { key, schemas, last: 0 }
    bySource.set(source.id, entry)
    return entry
  }

  function classifierFor(source: SourceRecord): Classifier | null {
    if (source.logTypes.length === 0) return null
    return new RequestClassifier(source, schemasOf(source), deps.onFailures)
  }

  return { classifierFor, close: unsubscribe }
}

class RequestClassifier implements Classifier {
  readonly #state = new ParseState()
  /**
   * Classified events are written one after another into blocks (json-bytes.ts), which the stamp copies
   * from; the first is small, as most requests are, and later ones double.
   */
  readonly #out = new ByteWriter(4096)
  /** One line parser per text schema, made on first use: a CSV header read from a body holds for that body. */
  readonly #lineParsers: (LineParser | undefined)[] = []
  #failures = 0
  #reason = ''
  #serialized: { event: FramedEvent; json: Uint8Array } | undefined

  constructor(
    private readonly source: SourceRecord,
    private readonly entry: SourceSchemas,
    private readonly onFailures: ClassificationDeps['onFailures'],
  ) {}

  classify(event: FramedEvent): FramedEvent | null {
    const { schemas, last } = this.entry
    const reasons: string[] = []
    for (let i = -1; i < schemas.length; i++) {
      if (i === last) continue
      const index = i < 0 ? last : i
      const schema = schemas[index]
      if (!schema) continue
      const outcome = this.#tryOne(schema, index, event)
      if (outcome === null) return null
      if (typeof outcome === 'string') reasons.push(`${schema.name}: ${outcome}`)
      else {
        this.entry.last = index
        return outcome
      }
    }
    return this.#failed(event, reasons)
  }

  finish(): void {
    if (this.#failures > 0) this.onFailures(this.source, this.#failures, this.#reason)
    this.#failures = 0
  }

  /** The classified event, null for a header line, or why the schema refused the event. */
  #tryOne(schema: CompiledSchema, index: number, event: FramedEvent): FramedEvent | string | null {
    let json: Uint8Array
    if (schema.lineParser !== null) {
      if (event.line === undefined) return 'expects text lines, got a JSON event'
      this.#lineParsers[index] ??= schema.lineParser()
      const parsed = this.#lineParsers[index]!(event.line)
      if (parsed === null) return 'the line does not match the parser'
      if ('header' in parsed) return null
      json = encoder.encode(JSON.stringify(parsed.fields))
    } else json = this.#jsonOf(event)
    const state = this.#state
    state.reset()
    const out = this.#out
    out.begin()
    if (!schema.transcode(new Cursor(json), out, state)) return state.failure
    // The p_ fields classification adds go before the object's closing brace.
    out.rewind(out.mark() - 1)
    if (out.mark() > 1) out.byte(COMMA)
    out.copy(schema.logTypeMember, 0, schema.logTypeMember.length)
    if (!state.indicators.empty) state.indicators.writeMembers(out)
    out.byte(CLOSE_BRACE)
    const time = state.eventTime
    if (time === null) return new JsonEvent(out.piece(), false, event.timeMs)
    return new JsonEvent(out.piece(), false, time.ms, formatTimestamp(time))
  }

  /** The event's JSON bytes; an event the framer built is serialized once, however many schemas try it. */
  #jsonOf(event: FramedEvent): Uint8Array {
    if (event.json !== null) return event.json
    if (this.#serialized?.event !== event) {
      this.#serialized = { event, json: encoder.encode(JSON.stringify(event.value)) }
    }
    return this.#serialized.json
  }

  #failed(event: FramedEvent, reasons: string[]): FramedEvent {
    const value: Record<string, unknown> = {}
    for (const key in event.value) if (!key.startsWith('p_')) value[key] = event.value[key]
    let reason = reasons.length === 0 ? 'no log type can read this event' : reasons.join('; ')
    if (reason.length > ERROR_CHARS_MAX) reason = `${reason.slice(0, ERROR_CHARS_MAX)}…`
    value.p_classification_error = reason
    this.#failures++
    this.#reason = reason
    return { value, json: null, reservedKeys: true, timeMs: event.timeMs }
  }
}

const encoder = new TextEncoder()
