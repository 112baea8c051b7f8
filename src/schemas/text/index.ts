/**
 * Text-line parsers for schemas with a `parser` block. A source that sends plain text (syslog, web access
 * logs, CSV exports) has each line turned into a flat record of strings, which the classifier then coerces
 * against the schema's fields. The three kinds follow Panther's custom log schemas
 * (https://docs.panther.com/data-onboarding/custom-log-types/reference): `csv` (csv.ts), `fastmatch`
 * (fastmatch.ts) and `regex` (regex.ts). This module checks the block's shape, compiles it once, and applies
 * what the three share: `trimSpace`, `emptyValues` and `expandFields`. Pure logic, so it runs on Deno too.
 */
import type { ParserSpec } from '../model.ts'
import { compileCsv } from './csv.ts'
import { compileFastmatch } from './fastmatch.ts'
import { compileRegex } from './regex.ts'

/**
 * What a parser makes of one line: its fields (values as strings; empty values omitted), the header line
 * of a CSV with hasHeader (not an event), or no match.
 */
export type LineResult = { fields: Record<string, string> } | { header: true } | null
/** Parses one line. Stateful only for a CSV header learned from the data: create one per request body. */
export type LineParser = (line: string) => LineResult
/** Turns a raw value into the stored one (trimmed with trimSpace), or undefined when it means "no value". */
export type CleanValue = (raw: string) => string | undefined

const KINDS = ['csv', 'fastmatch', 'regex', 'native'] as const
const SHARED_KEYS = ['emptyValues', 'trimSpace', 'expandFields']
const KEYS = {
  csv: new Set([...SHARED_KEYS, 'delimiter', 'hasHeader', 'columns']),
  fastmatch: new Set([...SHARED_KEYS, 'match']),
  regex: new Set([...SHARED_KEYS, 'match', 'patternDefinitions']),
}
/** `%{field}` in an expandFields template; the same tag syntax as fastmatch. */
const TEMPLATE_TAG = /%\{([^}]*)\}/

/**
 * Builds a line parser factory from a schema's parser block, validating it; null when the spec has no
 * text parser (no parser, or `native`). Throws Error with a message naming the path (e.g.
 * `parser.regex.match[1]: invalid regular expression: ...`) on bad config.
 */
export function compileLineParser(parser: ParserSpec | undefined): (() => LineParser) | null {
  if (parser === undefined) return null
  const kinds = KINDS.filter((kind) => parser[kind] !== undefined)
  if (kinds.length > 1) fail('parser', `only one of ${KINDS.join(', ')} may be set`)
  const kind = kinds[0]
  if (kind === undefined || kind === 'native') return null
  const path = `parser.${kind}`
  const block: unknown = parser[kind]
  if (!isRecord(block)) fail(path, 'must be a mapping')
  for (const key of Object.keys(block)) {
    if (!KEYS[kind].has(key)) fail(`${path}.${key}`, `unknown key (known: ${[...KEYS[kind]].join(', ')})`)
  }
  const trimSpace = optionalFlag(block.trimSpace, `${path}.trimSpace`)
  const emptyValues = new Set(stringList(block.emptyValues ?? [], `${path}.emptyValues`, false))
  emptyValues.add('')
  const clean: CleanValue = trimSpace
    ? (raw) => {
        const value = raw.trim()
        return emptyValues.has(value) ? undefined : value
      }
    : (raw) => (emptyValues.has(raw) ? undefined : raw)
  const factory = compileKind(kind, block, clean, path)
  const expansions = readExpansions(block.expandFields, `${path}.expandFields`)
  if (expansions.length === 0) return factory
  return () => withExpansions(factory(), expansions, emptyValues)
}

/** The parser of one kind, from its block; fastmatch and regex parsers keep no state, so one serves all. */
function compileKind(
  kind: 'csv' | 'fastmatch' | 'regex',
  block: Record<string, unknown>,
  clean: CleanValue,
  path: string,
): () => LineParser {
  if (kind === 'csv') {
    const columns = block.columns === undefined ? null : stringList(block.columns, `${path}.columns`, true)
    const hasHeader = optionalFlag(block.hasHeader, `${path}.hasHeader`)
    if (columns === null && !hasHeader) fail(`${path}.columns`, 'required unless hasHeader is true')
    if (typeof block.delimiter !== 'string' || block.delimiter === '') {
      fail(`${path}.delimiter`, 'must be one or more characters')
    }
    return compileCsv({ delimiter: block.delimiter, columns, hasHeader }, clean, path)
  }
  const match = stringList(block.match, `${path}.match`, true, 'patterns')
  if (kind === 'fastmatch') {
    const parse = compileFastmatch(match, clean, path)
    return () => parse
  }
  const definitions = readDefinitions(block.patternDefinitions, `${path}.patternDefinitions`)
  const parse = compileRegex(match, definitions, clean, path)
  return () => parse
}

/** One expandFields entry: the field it adds and its template split as literal, field, literal, ... */
interface Expansion {
  name: string
  parts: string[]
}

function readExpansions(raw: unknown, path: string): Expansion[] {
  if (raw === undefined) return []
  if (!isRecord(raw)) fail(path, 'must be a mapping of field names to templates')
  return Object.entries(raw).map(([name, template]) => {
    if (typeof template !== 'string') fail(`${path}.${name}`, 'must be a template string like `%{field}`')
    if (name === '__proto__') fail(`${path}.${name}`, 'is not a usable field name')
    const parts = template.split(TEMPLATE_TAG)
    for (let i = 1; i < parts.length; i += 2) parts[i] = parts[i]!.trim()
    return { name, parts }
  })
}

/**
 * Adds the expandFields to each record, as Panther does: a tag reads the parsed value (empty when the
 * field has none), and a result that is empty or one of emptyValues is left out. Templates read only
 * parsed fields, never one another, so the order of the templates does not matter.
 */
function withExpansions(parse: LineParser, expansions: Expansion[], emptyValues: Set<string>): LineParser {
  return (line) => {
    const result = parse(line)
    if (result === null || !('fields' in result)) return result
    const { fields } = result
    const added: [string, string][] = []
    for (const { name, parts } of expansions) {
      let value = parts[0]!
      for (let i = 1; i < parts.length; i += 2) value += (fields[parts[i]!] ?? '') + parts[i + 1]!
      if (!emptyValues.has(value)) added.push([name, value])
    }
    for (const [name, value] of added) fields[name] = value
    return result
  }
}

function readDefinitions(raw: unknown, path: string): Record<string, string> {
  if (raw === undefined) return {}
  if (!isRecord(raw)) fail(path, 'must be a mapping of pattern names to regular expressions')
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'string' || value === '') fail(`${path}.${name}`, 'must be a non-empty string')
  }
  return raw as Record<string, string>
}

function stringList(raw: unknown, path: string, nonEmpty: boolean, what = 'strings'): string[] {
  if (!Array.isArray(raw) || (nonEmpty && raw.length === 0)) {
    fail(path, `must be a ${nonEmpty ? 'non-empty ' : ''}list of ${what}`)
  }
  raw.forEach((item, index) => {
    if (typeof item !== 'string') fail(`${path}[${index}]`, 'must be a string')
    if (nonEmpty && item === '') fail(`${path}[${index}]`, 'must not be empty')
  })
  return raw
}

function optionalFlag(raw: unknown, path: string): boolean {
  if (raw !== undefined && typeof raw !== 'boolean') fail(path, 'must be true or false')
  return raw === true
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function fail(path: string, problem: string): never {
  throw new Error(`${path}: ${problem}`)
}
