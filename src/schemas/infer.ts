/**
 * Schema inference: a draft Panther schema for a source that has none yet, built from the events it sent.
 * `SchemaInferrer` keeps one small state per field (the kinds of value seen, the time formats and indicator
 * kinds still possible, presence counts), never the events, so it can watch a long stream; `toSpec` turns
 * that state into the narrowest schema that parses every event added, by the coercions of `compile.ts`.
 * The output is deterministic (fields sorted by name, formats and indicators in fixed orders) so that
 * `schemaToYaml` of a later draft diffs well against an earlier one.
 *
 * Rules, decided here where Panther's reference leaves a choice:
 * - Integers are `bigint`, other numbers `float`, booleans `boolean`. Mixed scalars widen: int and float
 *   give float; a string mixed with a number, a boolean or a timestamp gives string (strings take numbers
 *   and booleans), and so does a boolean mixed with a number.
 * - Timestamps: strings of a common date shape (TIME_FORMATS: RFC 3339, `%Y-%m-%d %H:%M:%S`, Apache, RFC
 *   1123, syslog...) and, only for fields whose name speaks of time (`time`, `date`, `ts`, `*_at`,
 *   `createdAt`, `updated`...), numbers or numeric strings that read as Unix seconds, milliseconds,
 *   microseconds or nanoseconds of a year from 2000 to 2099. `timeFormats` lists every candidate that parsed
 *   every value, in candidate order; when none did (formats that disagree), the field is a string.
 * - Event time: one timestamp gets `isEventTime`, the best-named by EVENT_TIME_NAMES, else the first in
 *   field order. A nested one (outside arrays) is chosen only when no top-level field is a timestamp, as
 *   Panther allows (its G Suite reports schema marks `id.time`).
 * - Indicators: a string field gets a kind when `guessIndicators` gave that kind to every non-empty value;
 *   IP addresses and domain names by turns give `hostname` (Panther's choice for CloudTrail's
 *   sourceIPAddress). Names add kinds of their own: `ip`, `src_ip`, `ipAddress` → ip; `user`, `username`,
 *   `login`, `actor`, a user's `name` → username; `email` → email; `trace_id`, `requestId` → trace_id.
 * - Null and `""` say nothing of a type. A field only ever null is `json`, which takes whatever comes later;
 *   one only ever `""` is a string; an array only ever empty has `json` elements; an object only ever
 *   empty is `json` (Panther's objects need fields).
 * - `""` counts as a value for string and json fields only (the classifier treats it as no value
 *   elsewhere), and an object or array field that was ever `""` becomes json.
 * - A composite mixed with anything else (object and array, object and scalar...) is `json`.
 * - `required`: present and not null in every event, or for a nested field in every occurrence of its
 *   parent object (of its array's element objects, inside an array).
 * - An object becomes `json` when it has more than `objectFieldsMax` distinct fields, has a field name
 *   Panther does not accept or two that differ only in case (so no data is lost), or when its keys vary
 *   like a map's or a per-action parameter bag's (CloudTrail's requestParameters): seen at least
 *   VARIED_SEEN_MIN times with at least VARIED_KEYS_MIN keys, each key present on average in fewer than
 *   VARIED_FILL_MAX of the occurrences. An object or array nested deeper than `depthMax` is json too.
 * - The event itself cannot become json: a top-level field with such a name (of names that differ only
 *   in case, all but the first seen), or past the field limit, is left out and named in the schema's
 *   description. The description holds no event count, so a draft inferred again from more events of
 *   the same shape is the same text.
 * - A schema of more than FIELDS_MAX fields in all keeps its objects breadth first while they fit; the
 *   deeper ones become json.
 */
import { guessIndicators } from './indicators.ts'
import { type ElementSpec, type FieldSpec, INDICATORS, type Indicator, type SchemaSpec } from './model.ts'
import { DEPTH_MAX, FIELD_NAME, FIELDS_MAX } from './spec.ts'
import { compileTimeFormats, type TimeParser } from './time.ts'

export interface InferOptions {
  /** Objects with more distinct fields than this become json (default 200). */
  objectFieldsMax?: number
  /** Objects and arrays nested deeper than this become json (default 16). */
  depthMax?: number
}

const VARIED_SEEN_MIN = 3
const VARIED_KEYS_MIN = 8
const VARIED_FILL_MAX = 0.4
/** Left-out top-level names kept for the description, and how many of them it names. */
const LEFT_OUT_MAX = 1000
const LEFT_OUT_NAMED = 10
/** Candidate formats in the order written: shapes without a zone before rfc3339, which also reads them. */
const STRING_FORMATS = [
  ...['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f', 'rfc3339'],
  ...['%Y-%m-%d %H:%M:%S %Z', '%d/%b/%Y:%H:%M:%S %z', '%a, %d %b %Y %H:%M:%S %Z', '%a, %d %b %Y %H:%M:%S %z'],
  ...['%m/%d/%Y %H:%M:%S', '%b %d %H:%M:%S', '%b %e %H:%M:%S'],
]
const TIME_FORMATS = [...STRING_FORMATS, 'unix', 'unix_ms', 'unix_us', 'unix_ns']
const STRING_MASK = (1 << STRING_FORMATS.length) - 1
const ALL_MASK = (1 << TIME_FORMATS.length) - 1
const EPOCH_MASK = ALL_MASK & ~STRING_MASK
/** Epoch values are timestamps only within these years, so that counters and ids stay numbers. */
const EPOCH_MS_MIN = Date.UTC(2000, 0, 1)
const EPOCH_MS_MAX = Date.UTC(2100, 0, 1)
const TIME_TEXT_MAX = 64

let timeParsers: TimeParser[] | undefined

/** The candidate formats of `mask` that parse `value` (the epoch ones to a plausible year). */
function matchTime(mask: number, value: string | number): number {
  if (typeof value === 'string' && value.length > TIME_TEXT_MAX) return 0
  timeParsers ??= TIME_FORMATS.map((format) => compileTimeFormats([format]))
  let matched = 0
  for (let k = 0; k < timeParsers.length; k++) {
    const bit = 1 << k
    const time = mask & bit ? timeParsers[k]!(value) : null
    if (time !== null && (!(bit & EPOCH_MASK) || (time.ms >= EPOCH_MS_MIN && time.ms < EPOCH_MS_MAX))) {
      matched |= bit
    }
  }
  return matched
}

const BOOL = 1
const INT = 2
const FLOAT = 4
const STRING = 8
const OBJECT = 16
const ARRAY = 32
const COMPOSITE = OBJECT | ARRAY
const BIGINT_BOUND = 2 ** 63

const bitOf = (kind: Indicator): number => 1 << INDICATORS.indexOf(kind)
/** Kinds that `hostname` covers all at once: an IP address or a domain name, with or without a port. */
const HOST_KINDS = bitOf('ip') | bitOf('domain') | bitOf('hostname') | bitOf('net_addr')
const isSingle = (bits: number): boolean => (bits & (bits - 1)) === 0

/** A field name's words, lowercased and joined by spaces: `sourceIPAddress` → `source ip address`. */
function wordsOf(name: string): string {
  return (name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+\d*|\d+/g) ?? []).join(' ').toLowerCase()
}

/** Names whose numbers may be epoch times: a word starting with time or date or ending in time, or these. */
const TIME_NAME =
  /(^| )(time|date)|time( |$)|(^| )(at|ts|created|updated|modified|published|when|expires|expiration)$/

/** Indicator kinds a field's name suggests for its string values. */
function nameHints(words: string, parentWords: string): Indicator[] {
  const hints: Indicator[] = []
  if (/(^| )(ip(v[46])?|ip ?addr(ess)?)$/.test(words)) hints.push('ip')
  if (
    /(^| )(user|user ?name|login|actor)$/.test(words) ||
    (words === 'name' && / user$|^user$/.test(parentWords))
  ) {
    hints.push('username')
  }
  if (/(^| )email( |$)/.test(words)) hints.push('email')
  if (/(^| )(trace|request|correlation) ?id$/.test(words)) hints.push('trace_id')
  return hints
}

/** What is known of one field (or of an array's elements) across the events seen. */
class FieldState {
  /** Occurrences with a value: not null, `""` included. */
  present = 0
  empties = 0
  kinds = 0
  /** The candidate time formats that parsed every value so far. */
  time: number
  indicatorKinds = 0
  indicatorsOpen = true
  /** Occurrences as an object, the count its fields' `required` is measured against. */
  objects = 0
  children: Map<string, FieldState> | null = null
  lowerNames: Set<string> | null = null
  element: FieldState | null = null
  /** Known to be json whatever comes next, so nothing below it is tracked any more. */
  json = false

  /** `words` are the field's name as wordsOf gives them; an array's elements share the array's. */
  constructor(
    readonly depth: number,
    readonly words: string,
    readonly parentWords: string,
  ) {
    this.time = TIME_NAME.test(words) ? ALL_MASK : STRING_MASK
  }

  makeJson(): void {
    this.json = true
    this.children = this.lowerNames = this.element = null
  }

  /** A composite mixed with another kind, or with `""`, can only be json. */
  settle(kind: number): boolean {
    this.kinds |= kind
    const mixed = (this.kinds !== OBJECT && this.kinds !== ARRAY) || this.empties > 0
    if (this.kinds & COMPOSITE && mixed) this.makeJson()
    return this.json
  }

  observeString(value: string): void {
    if (this.settle(STRING)) return
    if (this.time !== 0) {
      this.time = matchTime(this.time, value)
      // A date is no indicator, so a field that held one gets none.
      if (this.time !== 0) this.indicatorsOpen = false
    }
    if (!this.indicatorsOpen) return
    let bits = 0
    for (const kind of guessIndicators(value)) bits |= bitOf(kind)
    this.indicatorKinds |= bits
    if (bits === 0 || !(isSingle(this.indicatorKinds) || (this.indicatorKinds & ~HOST_KINDS) === 0)) {
      this.indicatorsOpen = false
    }
  }

  observeNumber(value: number): void {
    if (this.settle(Number.isInteger(value) && Math.abs(value) < BIGINT_BOUND ? INT : FLOAT)) return
    this.time = this.time & EPOCH_MASK ? matchTime(this.time & EPOCH_MASK, value) : 0
    this.indicatorsOpen = false
  }
}

export class SchemaInferrer {
  readonly #root = new FieldState(0, '', '')
  readonly #fieldsMax: number
  /** The top level's own limit, which spec.ts's total limit caps too. */
  readonly #topFieldsMax: number
  readonly #depthMax: number
  readonly #leftOut = new Set<string>()
  #leftOutMore = false
  #count = 0

  constructor(options: InferOptions = {}) {
    this.#fieldsMax = positive(options.objectFieldsMax ?? 200, 'objectFieldsMax')
    this.#topFieldsMax = Math.min(this.#fieldsMax, FIELDS_MAX)
    this.#depthMax = Math.min(positive(options.depthMax ?? 16, 'depthMax'), DEPTH_MAX)
    this.#root.children = new Map()
    this.#root.lowerNames = new Set()
  }

  get count(): number {
    return this.#count
  }

  add(event: Record<string, unknown>): void {
    this.#count++
    this.#observeObject(this.#root, event)
  }

  toSpec(): SchemaSpec {
    if (this.#count === 0) throw new Error('no events to infer a schema from')
    const fields = fieldsOf(this.#root)
    if (fields.length === 0) throw new Error('the events have no field a Panther schema can name')
    limitFields(fields)
    markEventTime(fields)
    return { description: this.#description(), version: 0, fields }
  }

  #description(): string {
    if (this.#leftOut.size === 0) return 'Inferred from sample events'
    const names = [...this.#leftOut].sort(byName).slice(0, LEFT_OUT_NAMED)
    const rest = this.#leftOut.size - names.length
    const more = this.#leftOutMore ? ' and more' : rest > 0 ? ` and ${rest} more` : ''
    const why = `names Panther refuses or that differ only in case, or past ${this.#topFieldsMax} fields`
    const listed = names.map((name) => JSON.stringify(name)).join(', ')
    return `Inferred from sample events. Top-level fields left out (${why}): ${listed}${more}`
  }

  #observe(state: FieldState, value: unknown): void {
    if (value === null || value === undefined) return
    state.present++
    if (state.json) return
    if (value === '') {
      state.empties++
      if (state.kinds & COMPOSITE) state.makeJson()
    } else if (typeof value === 'string') state.observeString(value)
    else if (typeof value === 'number') state.observeNumber(value)
    else if (typeof value === 'boolean') {
      if (!state.settle(BOOL)) state.time = 0
      state.indicatorsOpen = false
    } else if (Array.isArray(value)) this.#observeArray(state, value)
    else if (typeof value === 'object') this.#observeObject(state, value as Record<string, unknown>)
  }

  #observeArray(state: FieldState, values: unknown[]): void {
    if (state.settle(ARRAY)) return
    if (state.depth >= this.#depthMax) {
      state.makeJson()
      return
    }
    state.element ??= new FieldState(state.depth + 1, state.words, state.parentWords)
    for (let i = 0; i < values.length; i++) this.#observe(state.element, values[i])
  }

  #observeObject(state: FieldState, event: Record<string, unknown>): void {
    state.objects++
    if (state !== this.#root) {
      if (state.settle(OBJECT)) return
      if (state.depth >= this.#depthMax) {
        state.makeJson()
        return
      }
      state.children ??= new Map()
      state.lowerNames ??= new Set()
    }
    for (const key in event) {
      const child = state.children!.get(key) ?? this.#newChild(state, key)
      if (child) this.#observe(child, event[key])
      else if (state.json) return
    }
  }

  /** A new field of an object, or null when the name cannot be one (a nested object is then json). */
  #newChild(state: FieldState, name: string): FieldState | null {
    const top = state === this.#root
    if (top && this.#leftOut.has(name)) return null
    const lower = name.toLowerCase()
    const clash = state.lowerNames!.has(lower)
    if (
      FIELD_NAME.test(name) &&
      !clash &&
      state.children!.size < (top ? this.#topFieldsMax : this.#fieldsMax)
    ) {
      const child = new FieldState(state.depth + 1, wordsOf(name), state.words)
      state.children!.set(name, child)
      state.lowerNames!.add(lower)
      return child
    }
    if (!top) state.makeJson()
    else if (this.#leftOut.size < LEFT_OUT_MAX) this.#leftOut.add(name)
    else this.#leftOutMore = true
    return null
  }
}

/** Convenience: infers one schema from a list of events. */
export function inferSchema(events: Iterable<Record<string, unknown>>, options?: InferOptions): SchemaSpec {
  const inferrer = new SchemaInferrer(options)
  for (const event of events) inferrer.add(event)
  return inferrer.toSpec()
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`)
  return value
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** The fields of an object state, sorted by name. */
function fieldsOf(state: FieldState): FieldSpec[] {
  return [...state.children!.entries()]
    .sort(([a], [b]) => byName(a, b))
    .map(([name, child]) => {
      const spec = typeOf(child)
      const counted = child.empties === 0 || spec.type === 'string' || spec.type === 'json'
      const required = child.present > 0 && child.present === state.objects && counted
      return { name, ...spec, ...(required && { required: true }) }
    })
}

function isVaried(state: FieldState): boolean {
  const keys = state.children!.size
  if (state.objects < VARIED_SEEN_MIN || keys < VARIED_KEYS_MIN) return false
  let filled = 0
  for (const child of state.children!.values()) filled += child.present
  return filled / (keys * state.objects) < VARIED_FILL_MAX
}

function typeOf(state: FieldState): ElementSpec {
  const kinds = state.kinds
  if (state.json) return { type: 'json' }
  if (kinds === ARRAY)
    return { type: 'array', element: state.element ? typeOf(state.element) : { type: 'json' } }
  if (kinds === OBJECT) {
    return state.children!.size === 0 || isVaried(state)
      ? { type: 'json' }
      : { type: 'object', fields: fieldsOf(state) }
  }
  if (kinds === 0) return { type: state.empties > 0 ? 'string' : 'json' }
  if (state.time !== 0 && !(kinds & BOOL)) {
    return { type: 'timestamp', timeFormats: TIME_FORMATS.filter((_, k) => state.time & (1 << k)) }
  }
  if (kinds === BOOL) return { type: 'boolean' }
  if (!(kinds & (BOOL | STRING))) return { type: kinds & FLOAT ? 'float' : 'bigint' }
  const indicators = indicatorsOf(state)
  return indicators.length > 0 ? { type: 'string', indicators } : { type: 'string' }
}

function indicatorsOf(state: FieldState): Indicator[] {
  const seen = state.indicatorsOpen ? state.indicatorKinds : 0
  let bits = isSingle(seen) ? seen : bitOf('hostname')
  for (const hint of state.kinds & STRING ? nameHints(state.words, state.parentWords) : []) {
    if (hint !== 'ip' || !(bits & HOST_KINDS)) bits |= bitOf(hint)
  }
  return INDICATORS.filter((kind) => bits & bitOf(kind))
}

/** Keeps the schema within FIELDS_MAX: objects count breadth first, and one that no longer fits is json. */
function limitFields(fields: FieldSpec[]): void {
  let used = fields.length
  const queue: ElementSpec[] = [...fields]
  for (let i = 0; i < queue.length; i++) {
    const spec = queue[i]!
    let inner = spec
    while (inner.element) inner = inner.element
    if (!inner.fields) continue
    if (used + inner.fields.length <= FIELDS_MAX) {
      used += inner.fields.length
      queue.push(...inner.fields)
    } else {
      spec.type = 'json'
      delete spec.fields
      delete spec.element
    }
  }
}

/** Names that most likely hold the event time, best first, compared lowercased without `_ - .` or spaces. */
const EVENT_TIME_NAMES =
  'timestamp time eventtime published createdat date @timestamp ts eventtimestamp datetime created'.split(' ')

function eventTimeRank(name: string): number {
  const index = EVENT_TIME_NAMES.indexOf(name.toLowerCase().replace(/[_\-. ]/g, ''))
  return index < 0 ? EVENT_TIME_NAMES.length : index
}

/** Marks one timestamp as the event time: the best-named of the shallowest level that has any. */
function markEventTime(fields: FieldSpec[]): void {
  for (let level = fields; level.length > 0; level = level.flatMap((field) => field.fields ?? [])) {
    let best: FieldSpec | undefined
    for (const field of level) {
      if (field.type === 'timestamp' && (!best || eventTimeRank(field.name) < eventTimeRank(best.name)))
        best = field
    }
    if (best) {
      best.isEventTime = true
      return
    }
  }
}
