/**
 * Reading and writing schema YAML. `parseSchemaSpec` turns a Panther custom log schema (YAML or its JSON
 * subset) into a SchemaSpec, checking every key it knows and refusing the ones it does not, with errors
 * that name the path of the problem (`fields[3].element.type: ...`). `schemaToYaml` writes a spec back in
 * one canonical key order, so a schema round-trips and an inferred one diffs well.
 */
import { Document, isMap, parseDocument, Scalar, visit } from 'yaml'
import {
  type ElementSpec,
  FIELD_TYPES,
  type FieldSpec,
  type FieldType,
  INDICATORS,
  type Indicator,
  type ParserSpec,
  type SchemaSpec,
} from './model.ts'
import { compileLineParser } from './text/index.ts'
import { checkTimeFormat } from './time.ts'

/** A schema spec that failed validation; `path` names where (`fields[2].type`), the message says what. */
export class SchemaSpecError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(path === '' ? problem : `${path}: ${problem}`)
    this.name = 'SchemaSpecError'
  }
}

/** Limits that keep a hostile schema from costing more than a real one could need. */
export const SPEC_BYTES_MAX = 1024 * 1024
export const FIELDS_MAX = 2000
export const DEPTH_MAX = 32

const TOP_KEYS = new Set([
  'schema',
  'description',
  'referenceURL',
  'version',
  'parser',
  'fieldDiscoveryEnabled',
  'fields',
])
const FIELD_KEYS = new Set([
  'name',
  'type',
  'required',
  'description',
  'timeFormat',
  'timeFormats',
  'isEventTime',
  'indicators',
  'element',
  'fields',
  'isEmbeddedJSON',
  'validate',
])
const ELEMENT_KEYS = new Set(
  [...FIELD_KEYS].filter((key) => !['name', 'required', 'description'].includes(key)),
)
const INDICATOR_SET = new Set<string>(INDICATORS)
const TYPE_SET = new Set<string>(FIELD_TYPES)

/** Field names as Panther accepts them: letters, digits and `_ - . @ $` (e.g. `addr.remote`, `@timestamp`). */
export const FIELD_NAME = /^[A-Za-z0-9_@$][A-Za-z0-9_@$.\- ]*$/

export function parseSchemaSpec(text: string): SchemaSpec {
  if (new TextEncoder().encode(text).byteLength > SPEC_BYTES_MAX) {
    throw new SchemaSpecError('', `the spec is larger than ${SPEC_BYTES_MAX} bytes`)
  }
  // The yaml package would warn on the process's stderr about some keys (a list as a key); what a
  // request sends must not write to the server's log, and such a key is refused as unknown anyway.
  const document = parseDocument(text, { uniqueKeys: true, logLevel: 'error' })
  const [error] = document.errors
  // The yaml package reads nested collections recursively and reports running out of stack as an error.
  if (error && /call stack/i.test(error.message))
    throw new SchemaSpecError('', 'invalid YAML: nested too deeply')
  if (error) throw new SchemaSpecError('', `invalid YAML: ${error.message.split('\n')[0]}`)
  if (!isMap(document.contents))
    throw new SchemaSpecError('', 'the spec must be a YAML mapping with `fields`')
  let raw: Record<string, unknown>
  try {
    // Aliases could expand a small document into a huge one; a schema has no use for them.
    raw = document.toJS({ maxAliasCount: 0 }) as Record<string, unknown>
  } catch (error) {
    if (error instanceof RangeError) throw new SchemaSpecError('', 'invalid YAML: nested too deeply')
    throw new SchemaSpecError('', 'invalid YAML: aliases (*name) are not allowed')
  }
  return readSpec(raw)
}

function readSpec(raw: Record<string, unknown>): SchemaSpec {
  checkKeys(raw, TOP_KEYS, '')
  const version = raw.version ?? 0
  if (version !== 0) throw new SchemaSpecError('version', 'must be 0')
  const spec: SchemaSpec = { version: 0, fields: [] }
  if (raw.schema !== undefined) spec.schema = text(raw.schema, 'schema')
  if (raw.description !== undefined) spec.description = text(raw.description, 'description')
  if (raw.referenceURL !== undefined) spec.referenceURL = text(raw.referenceURL, 'referenceURL')
  if (raw.fieldDiscoveryEnabled !== undefined) {
    spec.fieldDiscoveryEnabled = flag(raw.fieldDiscoveryEnabled, 'fieldDiscoveryEnabled')
  }
  if (raw.parser !== undefined) spec.parser = readParser(raw.parser)
  const budget = { fields: 0 }
  spec.fields = readFields(raw.fields, 'fields', 0, budget)
  return spec
}

function readParser(raw: unknown): ParserSpec {
  if (!isRecord(raw)) throw new SchemaSpecError('parser', 'must be a mapping')
  checkKeys(raw, new Set(['csv', 'fastmatch', 'regex', 'native']), 'parser')
  const parser = raw as ParserSpec
  if (parser.native !== undefined) {
    if (!isRecord(parser.native)) throw new SchemaSpecError('parser.native', 'must be a mapping')
    checkKeys(parser.native, new Set(['name']), 'parser.native')
  }
  try {
    compileLineParser(parser)
  } catch (error) {
    throw new SchemaSpecError('', (error as Error).message)
  }
  return parser
}

function readFields(raw: unknown, path: string, depth: number, budget: { fields: number }): FieldSpec[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new SchemaSpecError(path, 'must be a non-empty list of fields')
  if (depth >= DEPTH_MAX) throw tooDeep(path)
  const seen = new Set<string>()
  return raw.map((item, index) => {
    const at = `${path}[${index}]`
    if (++budget.fields > FIELDS_MAX) throw new SchemaSpecError(at, `more than ${FIELDS_MAX} fields in all`)
    if (!isRecord(item)) throw new SchemaSpecError(at, 'must be a mapping with `name` and `type`')
    checkKeys(item, FIELD_KEYS, at)
    const name = text(item.name, `${at}.name`)
    if (!FIELD_NAME.test(name)) {
      throw new SchemaSpecError(`${at}.name`, `'${name}' may hold only letters, digits, spaces and _ - . @ $`)
    }
    const key = name.toLowerCase()
    if (seen.has(key)) throw new SchemaSpecError(`${at}.name`, `'${name}' is already a field of this object`)
    seen.add(key)
    const field = { name, ...readType(item, at, depth, budget) } as FieldSpec
    if (item.required !== undefined) field.required = flag(item.required, `${at}.required`)
    if (item.description !== undefined) field.description = text(item.description, `${at}.description`)
    return orderField(field)
  })
}

/** Everything of a field but its name, required and description: shared by fields and array elements. */
function readType(item: Record<string, unknown>, at: string, depth: number, budget: { fields: number }) {
  if (typeof item.type !== 'string' || !TYPE_SET.has(item.type)) {
    throw new SchemaSpecError(`${at}.type`, `must be one of ${FIELD_TYPES.join(', ')}`)
  }
  const type = item.type as FieldType
  const only = (key: string, types: FieldType[]) => {
    if (item[key] !== undefined && !types.includes(type)) {
      throw new SchemaSpecError(`${at}.${key}`, `applies only to ${types.join(' or ')} fields`)
    }
  }
  only('timeFormat', ['timestamp'])
  only('timeFormats', ['timestamp'])
  only('isEventTime', ['timestamp'])
  // On an array, indicators apply to its string elements (Panther's schemas write them either way).
  only('indicators', ['string', 'array'])
  only('validate', ['string'])
  only('element', ['array'])
  only('fields', ['object'])
  only('isEmbeddedJSON', ['array', 'object', 'json'])
  const spec: ElementSpec = { type }
  if (type === 'timestamp') spec.timeFormats = readTimeFormats(item, at)
  if (item.isEventTime !== undefined) spec.isEventTime = flag(item.isEventTime, `${at}.isEventTime`)
  if (item.indicators !== undefined) spec.indicators = readIndicators(item.indicators, `${at}.indicators`)
  if (item.validate !== undefined) spec.validate = readValidate(item.validate, `${at}.validate`)
  if (item.isEmbeddedJSON !== undefined)
    spec.isEmbeddedJSON = flag(item.isEmbeddedJSON, `${at}.isEmbeddedJSON`)
  if (type === 'array') {
    const element = item.element
    if (!isRecord(element)) throw new SchemaSpecError(`${at}.element`, 'an array needs its element type')
    // An element is a level as an object is: arrays of arrays must not nest without bound either, since
    // reading, compiling and writing a schema each take a stack frame per level.
    if (depth + 1 >= DEPTH_MAX) throw tooDeep(`${at}.element`)
    checkKeys(element, ELEMENT_KEYS, `${at}.element`)
    spec.element = readType(element, `${at}.element`, depth + 1, budget)
    if (spec.indicators && spec.element.type !== 'string') {
      throw new SchemaSpecError(`${at}.indicators`, 'applies only to string fields or arrays of strings')
    }
  }
  if (type === 'object') spec.fields = readFields(item.fields, `${at}.fields`, depth + 1, budget)
  return spec
}

function readTimeFormats(item: Record<string, unknown>, at: string): string[] {
  if (item.timeFormat !== undefined && item.timeFormats !== undefined) {
    throw new SchemaSpecError(`${at}.timeFormat`, 'give timeFormat or timeFormats, not both')
  }
  const path = item.timeFormats !== undefined ? `${at}.timeFormats` : `${at}.timeFormat`
  const raw = item.timeFormats ?? (item.timeFormat === undefined ? undefined : [item.timeFormat])
  if (raw === undefined) throw new SchemaSpecError(`${at}.timeFormats`, 'a timestamp needs its time formats')
  if (!Array.isArray(raw) || raw.length === 0) throw new SchemaSpecError(path, 'must be a non-empty list')
  return raw.map((format, index) => {
    const formatPath = item.timeFormats !== undefined ? `${path}[${index}]` : path
    const problem = typeof format === 'string' ? checkTimeFormat(format) : 'must be a string'
    if (problem !== null) throw new SchemaSpecError(formatPath, problem)
    return format as string
  })
}

function readIndicators(raw: unknown, path: string): Indicator[] {
  if (!Array.isArray(raw)) throw new SchemaSpecError(path, 'must be a list')
  return raw.map((kind, index) => {
    if (typeof kind !== 'string' || !INDICATOR_SET.has(kind)) {
      throw new SchemaSpecError(`${path}[${index}]`, `must be one of ${INDICATORS.join(', ')}`)
    }
    return kind as Indicator
  })
}

function readValidate(raw: unknown, path: string): { allow?: string[]; deny?: string[] } {
  if (!isRecord(raw)) throw new SchemaSpecError(path, 'must be a mapping with allow or deny')
  checkKeys(raw, new Set(['allow', 'deny']), path)
  const list = (key: 'allow' | 'deny') => {
    const value = raw[key]
    if (value === undefined) return undefined
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw new SchemaSpecError(`${path}.${key}`, 'must be a list of strings')
    }
    return value as string[]
  }
  const allow = list('allow')
  const deny = list('deny')
  return { ...(allow && { allow }), ...(deny && { deny }) }
}

const tooDeep = (path: string) =>
  new SchemaSpecError(path, `arrays and objects nest deeper than ${DEPTH_MAX} levels`)

function checkKeys(raw: Record<string, unknown>, known: Set<string>, path: string): void {
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      throw new SchemaSpecError(
        path === '' ? key : `${path}.${key}`,
        `unknown key (known: ${[...known].join(', ')})`,
      )
    }
  }
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw new SchemaSpecError(path, 'must be a non-empty string')
  return value
}

function flag(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new SchemaSpecError(path, 'must be true or false')
  return value
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The canonical order of a field's keys, which schemaToYaml writes. */
const FIELD_ORDER = [
  'name',
  'type',
  'required',
  'description',
  'timeFormats',
  'isEventTime',
  'indicators',
  'validate',
  'isEmbeddedJSON',
  'element',
  'fields',
] as const

function orderField<F extends ElementSpec>(field: F): F {
  const ordered: Record<string, unknown> = {}
  for (const key of FIELD_ORDER) {
    const value = (field as Record<string, unknown>)[key]
    if (value === undefined) continue
    if (key === 'element') ordered[key] = orderField(value as ElementSpec)
    else if (key === 'fields') ordered[key] = (value as FieldSpec[]).map(orderField)
    else ordered[key] = value
  }
  return ordered as F
}

/** Writes a spec as YAML in the canonical key order (the order of FIELD_ORDER and the top-level keys). */
export function schemaToYaml(spec: SchemaSpec): string {
  const top: Record<string, unknown> = {}
  for (const key of ['schema', 'description', 'referenceURL', 'version', 'parser', 'fieldDiscoveryEnabled']) {
    const value = (spec as unknown as Record<string, unknown>)[key]
    if (value !== undefined) top[key] = value
  }
  top.fields = spec.fields.map(orderField)
  const document = new Document(top, { aliasDuplicateObjects: false })
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && BLANK_LINES.test(node.value)) node.type = Scalar.QUOTE_DOUBLE
    },
  })
  return document.toString({ lineWidth: 0 })
}

/**
 * Text of only spaces, tabs and line breaks, with a line break. The yaml package writes it as a block
 * scalar without the indentation indicator its leading spaces need, so it reads back without them (" \n" as
 * "\n") or not at all (" \n\t\n"); written double-quoted, it reads back as it was.
 */
const BLANK_LINES = /^[\t ]*\n[\t\n ]*$/
