/**
 * Conformance against Panther's former managed schemas (test/fixtures/panther, see its NOTICE): every
 * test case's input is classified by the schema its logType names, through the same classifier the
 * ingest route uses, and the stored event is compared with the case's result field by field. Timestamps
 * are compared as instants (Panther's results write some in their source format, some with an offset;
 * Inlet stores RFC 3339 UTC), and p_any_* arrays as sets. Prints `N/M Panther schema cases pass`.
 */
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import type { FramedEvent } from '../../src/ingest/framing/index.ts'
import type { SourceRecord } from '../../src/registry/sources.ts'
import { createClassification } from '../../src/schemas/classify.ts'
import type { ElementSpec, FieldSpec, SchemaSpec } from '../../src/schemas/model.ts'
import { parseSchemaSpec } from '../../src/schemas/spec.ts'
import { compileTimeFormats } from '../../src/schemas/time.ts'
import { PANTHER_LOGS } from '../helpers.ts'

const ROOT = PANTHER_LOGS

/**
 * Cases known to differ, with the reason; every other case must match exactly. Each is behaviour of
 * Panther's built-in Go parser for that log type (`parser: native`) that its schema does not state, or
 * a result that contradicts itself.
 */
const KNOWN_MISMATCHES: Record<string, string> = {
  'General schema RecordType=52':
    "Microsoft365.Audit.General's native parser adds a `payload` field holding the whole event",
  cloud_trail_generate_data_key:
    "AWS.CloudTrail's native parser keeps `responseElements: null` and takes ARNs out of requestParameters.encryptionContext",
  cloud_trail_decrypt:
    "AWS.CloudTrail's native parser keeps `responseElements: null` and takes ARNs out of requestParameters.encryptionContext",
  vpc_dns_example: "AWS.VPCDns's native parser reads query_name and answers[].Rdata as hostnames",
  spectrum:
    'the result gives one input value, Timestamp 1600368586194526741, as two instants: 18:49:46Z in the field ' +
    'and 18:49:46.194526741Z in p_event_time (Inlet stores the latter in both)',
}

interface Case {
  name: string
  logType: string
  input: string
  /** The stored event; or `results`, one per event, for an input holding several under `Records`. */
  result?: string
  results?: string[]
  file: string
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? walk(join(dir, entry.name))
      : entry.name.endsWith('.yml')
        ? [join(dir, entry.name)]
        : [],
  )
}

function load() {
  const schemas = new Map<string, SchemaSpec>()
  const cases: Case[] = []
  for (const file of walk(ROOT)) {
    const text = readFileSync(file, 'utf8')
    if (file.includes('/tests/')) {
      for (const document of parseAllDocuments(text)) {
        const value = document.toJS() as Case | null
        if (value?.logType) cases.push({ ...value, file })
      }
    } else {
      const spec = parseSchemaSpec(text)
      schemas.set(spec.schema!, spec)
    }
  }
  return { schemas, cases }
}

const source = (logType: string): SourceRecord =>
  ({ id: '00000000-0000-4000-8000-000000000000', label: 'conformance', logTypes: [logType] }) as SourceRecord

/**
 * The events as the framer hands them over: a JSON object, a text line for schemas with a text parser,
 * or, for a case with several results, the objects of the input's `Records` array (what a source with
 * logStreamType JsonArray and jsonArrayEnvelopeField Records frames).
 */
function framed(item: Case, spec: SchemaSpec): FramedEvent[] {
  const text = item.input.replace(/\n$/, '')
  const isText = spec.parser?.csv || spec.parser?.fastmatch || spec.parser?.regex
  if (isText) return [{ value: { message: text }, json: null, reservedKeys: false, timeMs: null, line: text }]
  const value = JSON.parse(text)
  if (!item.results)
    return [{ value, json: new TextEncoder().encode(text.trim()), reservedKeys: false, timeMs: null }]
  return (value.Records as Record<string, unknown>[]).map((event) => ({
    value: event,
    json: null,
    reservedKeys: false,
    timeMs: null,
  }))
}

/** Differences between Panther's stored event and ours, as `path: what`. */
function compare(expected: unknown, actual: unknown, field: ElementSpec | null, path: string, out: string[]) {
  if (field?.type === 'timestamp' && typeof actual === 'string') {
    if (typeof expected !== 'string' && typeof expected !== 'number') {
      out.push(`${path}: ${short(expected)} ≠ timestamp ${actual}`)
      return
    }
    const parse = compileTimeFormats([...(field.timeFormats ?? []), 'rfc3339'])
    const a = parse(expected)
    const b = parse(actual)
    if (!a || !b || a.ms !== b.ms || a.nanos !== b.nanos)
      out.push(`${path}: timestamp ${expected} ≠ ${actual}`)
    return
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) {
      out.push(`${path}: array of ${expected.length} ≠ ${actual.length}`)
      return
    }
    for (const [i, item] of expected.entries())
      compare(item, actual[i], field?.element ?? null, `${path}[${i}]`, out)
    return
  }
  if (isObject(expected) && isObject(actual)) {
    const fields = new Map((field?.type === 'object' ? field.fields : undefined)?.map((f) => [f.name, f]))
    for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      const at = path === '' ? key : `${path}.${key}`
      if (!(key in actual)) out.push(`${at}: missing (expected ${short(expected[key])})`)
      else if (!(key in expected)) out.push(`${at}: extra (${short(actual[key])})`)
      else
        compare(
          expected[key],
          actual[key],
          field?.type === 'json' ? field : (fields.get(key) ?? null),
          at,
          out,
        )
    }
    return
  }
  if (expected !== actual) out.push(`${path}: ${short(expected)} ≠ ${short(actual)}`)
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const short = (value: unknown) => JSON.stringify(value)?.slice(0, 80)

function runCase(spec: SchemaSpec, item: Case): string[] {
  const { classifierFor } = createClassification({
    schemas: {
      find: (name) =>
        name === item.logType ? { parsed: spec, isFieldDiscoveryEnabled: false, revision: 1 } : null,
      onChange: () => () => {},
    },
    onFailures: () => {},
  })
  const classifier = classifierFor(source(item.logType))!
  // Panther's test runner renders {{.LogType}} in results; a few cases still hold the template.
  const results = (item.results ?? [item.result!]).map((text) =>
    text.replaceAll('{{.LogType}}', item.logType),
  )
  const events = framed(item, spec)
  if (events.length !== results.length) return [`${events.length} events ≠ ${results.length} results`]
  const eventTime: FieldSpec = { name: 'p_event_time', type: 'timestamp', timeFormats: ['rfc3339'] }
  const top: FieldSpec = { name: '', type: 'object', fields: [...spec.fields, eventTime] }
  return events.flatMap((event, i) => {
    const stored = classifier.classify(event)
    if (stored === null) return ['classified as a header line']
    const error = stored.value.p_classification_error
    if (typeof error === 'string') return [`no match: ${error}`]
    const actual = sortIndicators({ ...stored.value })
    actual.p_event_time = stored.eventTime ?? '(parse time)'
    const out: string[] = []
    compare(sortIndicators(JSON.parse(results[i]!)), actual, top, '', out)
    return out
  })
}

function sortIndicators(event: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(event)) {
    if (key.startsWith('p_any_')) event[key] = [...(event[key] as string[])].sort()
  }
  return event
}

describe('Panther schema conformance', () => {
  test('every test case classifies to the event Panther stores', () => {
    const { schemas, cases } = load()
    const failures: string[] = []
    const known: string[] = []
    let passed = 0
    for (const item of cases) {
      const spec = schemas.get(item.logType)
      const problems = spec ? runCase(spec, item) : [`no schema named ${item.logType}`]
      const report = `${item.logType} / ${item.name}:\n    ${problems.join('\n    ')}`
      if (problems.length === 0) passed++
      else if (item.name in KNOWN_MISMATCHES)
        known.push(`${report}\n    (known: ${KNOWN_MISMATCHES[item.name]})`)
      else failures.push(report)
    }
    console.log(`${passed}/${cases.length} Panther schema cases pass`)
    console.log(known.join('\n'))
    if (failures.length > 0) console.log(failures.join('\n'))
    expect(cases.length).toBe(173)
    expect(failures).toEqual([])
    expect(passed).toBe(cases.length - Object.keys(KNOWN_MISMATCHES).length)
  })
})
