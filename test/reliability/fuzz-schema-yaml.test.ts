/**
 * Properties of schema YAML (src/schemas/spec.ts): a generated valid schema, with awkward text in every
 * string, reads back from `schemaToYaml` equal and writes out the same again; any text at all either reads
 * as a spec that round-trips too, or is refused with a SchemaSpecError; and arrays and objects may nest
 * up to DEPTH_MAX levels, not one more.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import {
  type ElementSpec,
  FIELD_TYPES,
  type FieldSpec,
  INDICATORS,
  type ParserSpec,
  type SchemaSpec,
} from '../../src/schemas/model.ts'
import {
  DEPTH_MAX,
  FIELD_NAME,
  parseSchemaSpec,
  SchemaSpecError,
  schemaToYaml,
} from '../../src/schemas/spec.ts'
import { compileLineParser } from '../../src/schemas/text/index.ts'
import { anyText, FUZZ_TIMEOUT_MS, fuzz, mutate, mutations } from './fuzz.ts'

/** Non-empty text of any kind: quotes, colons, `#`, leading blanks, line breaks, YAML's own keywords. */
const text = fc
  .oneof(
    anyText(20),
    fc.constantFrom(
      'true',
      'No',
      'null',
      '~',
      '0x1F',
      '1e3',
      '.inf',
      '- a',
      'a: b',
      '#x',
      '&a',
      '*a',
      '!!str',
      '|',
      ' x ',
      ' \n',
      '\n \t\n',
    ),
  )
  .filter((value) => value !== '')

const name = fc
  .string({ unit: fc.constantFrom(...'aZ09_@$.- '.split('')), minLength: 1, maxLength: 10 })
  .filter((value) => FIELD_NAME.test(value))

const TIME_FORMATS = [
  'rfc3339',
  'unix',
  'unix_ms',
  'unix_ns',
  '%Y-%m-%d %H:%M:%S',
  '%d/%b/%Y:%H:%M:%S %z',
  'layout=2006-01-02 15:04:05',
]

/** Keys that are absent rather than undefined, as the reader returns them. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T
}

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined })

/** What a field of `type` may say besides its name: an element, fields, formats, indicators, checks. */
function typed(depth: number): fc.Arbitrary<ElementSpec> {
  const types = depth >= 3 ? FIELD_TYPES.filter((type) => type !== 'array' && type !== 'object') : FIELD_TYPES
  return fc.constantFrom(...types).chain((type): fc.Arbitrary<ElementSpec> => {
    const embedded = maybe(fc.boolean())
    switch (type) {
      case 'timestamp':
        return fc
          .record({
            timeFormats: fc.uniqueArray(fc.constantFrom(...TIME_FORMATS), { minLength: 1, maxLength: 2 }),
            isEventTime: maybe(fc.boolean()),
          })
          .map((rest) => defined({ type, ...rest }))
      case 'string':
        return fc
          .record({
            indicators: maybe(fc.subarray([...INDICATORS], { maxLength: 3 })),
            validate: maybe(
              fc
                .record({ allow: maybe(fc.array(anyText(8))), deny: maybe(fc.array(anyText(8))) })
                .map(defined),
            ),
          })
          .map((rest) => defined({ type, ...rest }))
      case 'array':
        return fc
          .tuple(typed(depth + 1), fc.subarray([...INDICATORS], { maxLength: 2 }), embedded)
          .map(([element, indicators, isEmbeddedJSON]) =>
            defined({
              type,
              indicators: element.type === 'string' && indicators.length > 0 ? indicators : undefined,
              isEmbeddedJSON,
              element,
            }),
          )
      case 'object':
        return fc
          .tuple(fields(depth + 1), embedded)
          .map(([nested, isEmbeddedJSON]) => defined({ type, isEmbeddedJSON, fields: nested }))
      case 'json':
        return embedded.map((isEmbeddedJSON) => defined({ type, isEmbeddedJSON }))
      default:
        return fc.constant({ type })
    }
  })
}

function fields(depth: number): fc.Arbitrary<FieldSpec[]> {
  const field = fc
    .tuple(name, maybe(fc.boolean()), maybe(text), typed(depth))
    .map(([fieldName, required, description, rest]) =>
      defined({ name: fieldName, required, description, ...rest }),
    )
  return fc.uniqueArray(field, {
    minLength: 1,
    maxLength: depth === 0 ? 4 : 2,
    selector: (f) => f.name.toLowerCase(),
  })
}

const parser: fc.Arbitrary<ParserSpec> = fc
  .oneof(
    fc.record({ native: fc.record({ name: text }) }),
    fc.record({
      csv: fc
        .record({
          delimiter: fc.constantFrom(',', '\t', '|', '::'),
          columns: fc.uniqueArray(text, { minLength: 1, maxLength: 3 }),
          trimSpace: maybe(fc.boolean()),
          emptyValues: maybe(fc.array(anyText(4), { maxLength: 2 })),
        })
        .map(defined),
    }),
    fc.record({
      fastmatch: fc.record({
        match: fc.constant<string[]>(['%{remote_ip} - %{user} [%{time}] "%{request}"']),
      }),
    }),
    fc.record({
      regex: fc.record({
        match: fc.constant<string[]>(['^(?P<ip>\\S+) (?P<rest>.*)$', '%{IP:ip} %{GREEDYDATA:rest}']),
      }),
    }),
  )
  .filter((spec) => {
    try {
      compileLineParser(spec)
      return true
    } catch {
      return false
    }
  })

const schema: fc.Arbitrary<SchemaSpec> = fc
  .record({
    schema: maybe(text),
    description: maybe(text),
    referenceURL: maybe(text),
    parser: maybe(parser),
    fieldDiscoveryEnabled: maybe(fc.boolean()),
    fields: fields(0),
  })
  .map((spec) => defined({ version: 0 as const, ...spec }))

/** Reading `yaml`: the spec, or the SchemaSpecError; anything else thrown fails the property. */
function read(yaml: string): SchemaSpec | SchemaSpecError {
  try {
    return parseSchemaSpec(yaml)
  } catch (error) {
    if (error instanceof SchemaSpecError) return error
    throw error
  }
}

/** A spec read from YAML writes out as YAML that reads back as the same spec, and writes out the same. */
function roundTrips(spec: SchemaSpec): void {
  const yaml = schemaToYaml(spec)
  expect(parseSchemaSpec(yaml)).toEqual(spec)
  expect(schemaToYaml(parseSchemaSpec(yaml))).toBe(yaml)
}

describe('schema YAML', () => {
  test(
    'a valid schema round-trips through schemaToYaml',
    () => {
      fc.assert(fc.property(schema, roundTrips), fuzz(300))
    },
    FUZZ_TIMEOUT_MS,
  )

  /** YAML and spec syntax, run together into documents that are mostly wrong in some small way. */
  const PIECES = [
    'fields:',
    'version: 0',
    '- ',
    'name: ',
    'type: ',
    'string',
    'array',
    'object',
    'timestamp',
    'json',
    'element:',
    'timeFormats: [rfc3339]',
    'timeFormat: "%Y"',
    'indicators: [ip]',
    'validate: {allow: [a]}',
    'isEmbeddedJSON: true',
    'parser:',
    'csv: {delimiter: ",", columns: [a]}',
    'regex: {match: ["(?P<a>"]}',
    'fastmatch: {match: ["%{a"]}',
    'patternDefinitions: {A: "%{A}"}',
    'native: {name: x}',
    '__proto__:',
    'constructor:',
    '<<: ',
    '&a ',
    '*a',
    '!!str ',
    '? ',
    '{',
    '}',
    '[',
    ']',
    ',',
    ': ',
    '"',
    "'",
    '|',
    '>',
    '#',
    '---',
    '...',
    '\n',
    '\n  ',
    '\n    ',
    '\t',
    'a',
    '1',
  ]
  const document = fc.oneof(
    fc
      .array(fc.oneof(fc.constantFrom(...PIECES), anyText(4)), { maxLength: 40 })
      .map((pieces) => pieces.join('')),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc
      .tuple(schema, mutations)
      .map(([spec, changes]) =>
        new TextDecoder().decode(mutate(new TextEncoder().encode(schemaToYaml(spec)), changes)),
      ),
  )

  test(
    'any text reads as a spec that round-trips, or is refused with a SchemaSpecError',
    () => {
      fc.assert(
        fc.property(document, (yaml) => {
          const result = read(yaml)
          if (!(result instanceof SchemaSpecError)) roundTrips(result)
        }),
        fuzz(1000),
      )
    },
    FUZZ_TIMEOUT_MS,
  )

  test(
    'arrays and objects nest up to DEPTH_MAX levels, and one more is refused',
    () => {
      // Arrays only, objects only, or a mix, often right around the limit: each kind must be held to it.
      const depth = fc.oneof(
        fc.integer({ min: 1, max: DEPTH_MAX + 2 }),
        fc.integer({ min: DEPTH_MAX - 2, max: DEPTH_MAX + 2 }),
      )
      const chain = fc
        .tuple(fc.constantFrom(['array'], ['object'], ['array', 'object']), depth)
        .chain(([kinds, levels]) =>
          fc.array(fc.constantFrom(...kinds), { minLength: levels, maxLength: levels }),
        )
      fc.assert(
        fc.property(chain, (kinds) => {
          let inner = '{ type: string }'
          for (const kind of kinds.toReversed()) {
            inner =
              kind === 'array'
                ? `{ type: array, element: ${inner} }`
                : `{ type: object, fields: [{ name: f, ${inner.slice(2)}] }`
          }
          const result = read(`fields: [{ name: top, ${inner.slice(2)}]`)
          if (kinds.length < DEPTH_MAX) roundTrips(result as SchemaSpec)
          else expect(result).toBeInstanceOf(SchemaSpecError)
        }),
        fuzz(200),
      )
    },
    FUZZ_TIMEOUT_MS,
  )
})
