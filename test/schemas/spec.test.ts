/**
 * Schema YAML: what parseSchemaSpec accepts and how it names what it refuses, the canonical YAML written
 * back (a round trip loses nothing), and Panther's edit rule.
 */
import { describe, expect, spyOn, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkEvolution } from '../../src/schemas/evolve.ts'
import {
  DEPTH_MAX,
  FIELDS_MAX,
  parseSchemaSpec,
  SPEC_BYTES_MAX,
  schemaToYaml,
} from '../../src/schemas/spec.ts'
import { PANTHER_LOGS } from '../helpers.ts'

const PANTHER = PANTHER_LOGS

const refusal = (yaml: string) => {
  try {
    parseSchemaSpec(yaml)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('the spec was accepted')
}

describe('parseSchemaSpec', () => {
  test('reads every key of the model, timeFormat as timeFormats', () => {
    const spec = parseSchemaSpec(`
schema: Custom.Full
description: All of it
referenceURL: https://example.com/docs
version: 0
fieldDiscoveryEnabled: true
fields:
  - name: at
    type: timestamp
    timeFormat: unix_ms
    isEventTime: true
    required: true
    description: When
  - name: tags
    type: array
    indicators: [domain]
    element: { type: string }
  - name: meta
    type: object
    isEmbeddedJSON: true
    fields:
      - { name: kind, type: string, validate: { allow: [a, b] } }
  - { name: raw, type: json }
`)
    expect(spec.fields[0]).toEqual({
      name: 'at',
      type: 'timestamp',
      required: true,
      description: 'When',
      timeFormats: ['unix_ms'],
      isEventTime: true,
    })
    expect(spec.fieldDiscoveryEnabled).toBe(true)
    expect(spec.fields[2]!.fields![0]!.validate).toEqual({ allow: ['a', 'b'] })
  })

  test('errors name the path of the problem', () => {
    expect(refusal('fields:\n  - { name: a, type: strin }')).toStartWith(
      'fields[0].type: must be one of string',
    )
    expect(
      refusal(
        'fields:\n  - { name: a, type: string }\n  - { name: b, type: array, element: { type: nope } }',
      ),
    ).toStartWith('fields[1].element.type: must be one of')
    expect(refusal('fields:\n  - { name: t, type: timestamp }')).toBe(
      'fields[0].timeFormats: a timestamp needs its time formats',
    )
    expect(refusal('fields:\n  - { name: t, type: timestamp, timeFormats: [rfc3339, "%Q"] }')).toStartWith(
      'fields[0].timeFormats[1]:',
    )
    expect(
      refusal('fields:\n  - { name: o, type: object, fields: [{ name: x, type: int, indicators: [ip] }] }'),
    ).toBe('fields[0].fields[0].indicators: applies only to string or array fields')
    expect(refusal('fields:\n  - { name: a, type: string }\n  - { name: A, type: string }')).toBe(
      "fields[1].name: 'A' is already a field of this object",
    )
    expect(refusal('fields:\n  - { name: "a b!", type: string }')).toStartWith('fields[0].name:')
    expect(refusal('version: 1\nfields:\n  - { name: a, type: string }')).toBe('version: must be 0')
    expect(refusal('fields: []')).toBe('fields: must be a non-empty list of fields')
    expect(refusal('fields:\n  - { name: a, type: string, colour: red }')).toStartWith(
      'fields[0].colour: unknown key',
    )
    expect(
      refusal('parser:\n  fastmatch: { match: [] }\nfields:\n  - { name: a, type: string }'),
    ).toStartWith('parser.fastmatch.match')
    expect(refusal('fields: [')).toStartWith('invalid YAML')
    expect(refusal('- a\n- b')).toBe('the spec must be a YAML mapping with `fields`')
  })

  test('a spec past its size, field or depth limit is refused, saying which', () => {
    const big = `fields:\n  - { name: a, type: string, description: "${'x'.repeat(SPEC_BYTES_MAX)}" }`
    expect(refusal(big)).toBe(`the spec is larger than ${SPEC_BYTES_MAX} bytes`)
    const many = `fields:\n${Array.from({ length: FIELDS_MAX + 1 }, (_, i) => `  - { name: f${i}, type: string }`).join('\n')}`
    expect(refusal(many)).toBe(`fields[${FIELDS_MAX}]: more than ${FIELDS_MAX} fields in all`)
    let deep = '{ name: leaf, type: string }'
    for (let level = 0; level < DEPTH_MAX; level++)
      deep = `{ name: o${level}, type: object, fields: [${deep}] }`
    expect(refusal(`fields: [${deep}]`)).toContain(`objects nest deeper than ${DEPTH_MAX} levels`)
  })

  test('arrays of arrays count against the depth limit as objects do', () => {
    const arrays = (levels: number) =>
      `fields: [{ name: a, ${'type: array, element: { '.repeat(levels)}type: string${' }'.repeat(levels)} }]`
    expect(parseSchemaSpec(arrays(DEPTH_MAX - 1)).fields).toHaveLength(1)
    expect(refusal(arrays(DEPTH_MAX))).toContain(`arrays and objects nest deeper than ${DEPTH_MAX} levels`)
    // Thousands of levels were accepted, and writing such a spec back overflowed the stack.
    expect(refusal(arrays(5000))).toContain(`arrays and objects nest deeper than ${DEPTH_MAX} levels`)
  })

  test('YAML nested past what its reader can follow is refused, saying so', () => {
    expect(refusal(`fields: ${'['.repeat(100_000)}`)).toBe('invalid YAML: nested too deeply')
  })

  test("a list as a key is refused without a warning on the server's stderr", () => {
    const warnings = spyOn(process, 'emitWarning')
    try {
      expect(refusal('fields: [{ name: a, type: string, ? [x] : y }]')).toStartWith(
        'fields[0].[ x ]: unknown key',
      )
      expect(warnings).not.toHaveBeenCalled()
    } finally {
      warnings.mockRestore()
    }
  })

  test('YAML aliases are refused, so a small spec cannot expand into a huge one', () => {
    const bomb = 'x: &a [1, 2]\ny: &b [*a, *a]\nfields:\n  - { name: a, type: string }'
    expect(refusal(bomb)).toBe('invalid YAML: aliases (*name) are not allowed')
  })
})

describe('schemaToYaml', () => {
  test('writes keys in the canonical order, and reads back to the same spec', () => {
    const yaml =
      'fields:\n  - { isEventTime: true, timeFormats: [rfc3339], type: timestamp, name: at, required: true }\n'
    const written = schemaToYaml(parseSchemaSpec(yaml))
    expect(written).toBe(
      'version: 0\nfields:\n  - name: at\n    type: timestamp\n    required: true\n    timeFormats:\n      - rfc3339\n    isEventTime: true\n',
    )
    expect(parseSchemaSpec(written)).toEqual(parseSchemaSpec(yaml))
  })

  test('text of only blanks and line breaks reads back as it was', () => {
    // The yaml package wrote " \n" as a block scalar that read back as "\n", and " \n\t\n" as invalid YAML.
    const spec = parseSchemaSpec(
      'fields:\n  - { name: a, type: string, description: " \\n", validate: { deny: [" \\n\\t\\n"] } }',
    )
    expect(spec.fields[0]).toEqual({
      name: 'a',
      type: 'string',
      description: ' \n',
      validate: { deny: [' \n\t\n'] },
    })
    expect(parseSchemaSpec(schemaToYaml(spec))).toEqual(spec)
  })

  test("every one of Panther's schemas round-trips", () => {
    const files = readdirSync(PANTHER, { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.yml') && !file.includes('tests/'),
    )
    expect(files.length).toBe(90)
    for (const file of files) {
      const spec = parseSchemaSpec(readFileSync(join(PANTHER, file), 'utf8'))
      expect(parseSchemaSpec(schemaToYaml(spec))).toEqual(spec)
    }
  })
})

describe("Panther's edit rule", () => {
  const before = parseSchemaSpec(`
fields:
  - { name: a, type: string, description: old }
  - name: o
    type: object
    fields: [{ name: x, type: bigint }]
`)
  const edit = (yaml: string) => () => checkEvolution(before, parseSchemaSpec(yaml))

  test('fields may be added at any depth and descriptions changed', () => {
    expect(
      edit(`
description: now described
fields:
  - { name: a, type: string, description: new }
  - name: o
    type: object
    fields: [{ name: x, type: bigint }, { name: y, type: string }]
  - { name: b, type: json }
`),
    ).not.toThrow()
  })

  test('a field may not be removed, renamed, retyped or read differently', () => {
    expect(edit('fields: [{ name: a, type: string }]')).toThrow(
      "fields: field 'o' may not be removed or renamed",
    )
    expect(
      edit(
        'fields: [{ name: a, type: json }, { name: o, type: object, fields: [{ name: x, type: bigint }] }]',
      ),
    ).toThrow("fields[0].type: field 'a' may not change type (string → json)")
    expect(
      edit(
        'fields: [{ name: a, type: string }, { name: o, type: object, fields: [{ name: z, type: bigint }] }]',
      ),
    ).toThrow("fields[1].fields: field 'x' may not be removed or renamed")
    expect(
      edit(
        'fields: [{ name: a, type: string, indicators: [ip] }, { name: o, type: object, fields: [{ name: x, type: bigint }] }]',
      ),
    ).toThrow("fields[0].indicators: field 'a': indicators may not change")
    expect(
      edit(
        'fields: [{ name: a, type: string, required: true }, { name: o, type: object, fields: [{ name: x, type: bigint }] }]',
      ),
    ).toThrow("fields[0].required: field 'a': required may not change")
  })
})
