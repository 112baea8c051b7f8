/**
 * The log schema model: Panther's custom log schema YAML as plain data. `spec.ts` reads and writes it,
 * `compile.ts` turns it into a parser, `infer.ts` builds one from sample events. Field and key names keep
 * Panther's casing (https://docs.panther.com/data-onboarding/custom-log-types/reference).
 */

export const FIELD_TYPES = [
  'string',
  'int',
  'smallint',
  'bigint',
  'float',
  'boolean',
  'timestamp',
  'array',
  'object',
  'json',
] as const
export type FieldType = (typeof FIELD_TYPES)[number]

/**
 * Indicator kinds a string field can name; each feeds one or more `p_any_*` arrays (indicators.ts).
 * `url` yields the URL's host as a domain name or IP address; `hostname` and `net_addr` decide by value.
 */
export const INDICATORS = [
  'ip',
  'domain',
  'hostname',
  'net_addr',
  'url',
  'email',
  'username',
  'md5',
  'sha1',
  'sha256',
  'trace_id',
  'aws_arn',
  'aws_account_id',
  'aws_instance_id',
  'aws_tag',
  'mac',
  'serial_number',
] as const
export type Indicator = (typeof INDICATORS)[number]

export interface FieldSpec {
  name: string
  type: FieldType
  required?: boolean
  description?: string
  /** timestamp only: formats tried in order (`rfc3339`, `unix`, `unix_ms`, `unix_us`, `unix_ns`, a strftime pattern, `layout=<Go layout>`). */
  timeFormats?: string[]
  /** timestamp only: the older single-format key; read as `timeFormats: [timeFormat]`. */
  timeFormat?: string
  /** timestamp only: this field is the event time (the first such field that has a value wins). */
  isEventTime?: boolean
  indicators?: Indicator[]
  /** array only: the element's type (a field spec without a name). */
  element?: ElementSpec
  /** object only: the object's fields. */
  fields?: FieldSpec[]
  /** object, array, json: the value may arrive as a string holding JSON, which is parsed first. */
  isEmbeddedJSON?: boolean
  /** string only: allow or deny lists; a value outside them fails the schema. */
  validate?: { allow?: string[]; deny?: string[] }
}

/** An array's element: a field without a name, required or description of its own. */
export type ElementSpec = Omit<FieldSpec, 'name' | 'required' | 'description'>

/** Keys every text parser takes: Panther's `expandFields` builds fields from templates of others. */
interface TextParserOptions {
  /** Values that mean "no value", stored as absent. */
  emptyValues?: string[]
  trimSpace?: boolean
  /** New fields from templates such as `https://%{host}%{path}`. */
  expandFields?: Record<string, string>
}

export interface CsvParser extends TextParserOptions {
  delimiter: string
  /** Column names in order; absent when `hasHeader` names them from the first line. */
  columns?: string[]
  hasHeader?: boolean
}

export interface FastmatchParser extends TextParserOptions {
  /** Patterns such as `%{ip} - %{user} [%{time}]`, tried in order; the first that matches wins. */
  match: string[]
}

export interface RegexParser extends TextParserOptions {
  /** One regular expression with named groups (or grok `%{PATTERN:field}`), split into parts for reading. */
  match: string[]
  /** Grok patterns of the schema's own, by name. */
  patternDefinitions?: Record<string, string>
}

export interface ParserSpec {
  csv?: CsvParser
  fastmatch?: FastmatchParser
  regex?: RegexParser
  /** Panther's built-in parser for a managed log type: the events are JSON, read by the fields. */
  native?: { name: string }
}

export interface SchemaSpec {
  /** The schema's name as Panther writes it inside managed schemas; the API names schemas by its path. */
  schema?: string
  description?: string
  referenceURL?: string
  version: 0
  parser?: ParserSpec
  /** Keep top-level fields the schema does not name instead of dropping them. */
  fieldDiscoveryEnabled?: boolean
  fields: FieldSpec[]
}
