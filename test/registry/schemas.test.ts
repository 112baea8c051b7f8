import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { AppError } from '../../src/errors.ts'
import { silentLogger } from '../../src/logger.ts'
import { openRegistry, type Registry } from '../../src/registry/index.ts'
import { SCHEMAS_MAX, type SchemaInput } from '../../src/registry/schemas.ts'
import { TEST_API_KEY, tempDir } from '../helpers.ts'

const SPEC = `description: Events of my app
fields:
  - name: time
    type: timestamp
    timeFormats: [rfc3339]
    isEventTime: true
    required: true
  - name: user
    type: string
    indicators: [username]
  - name: status
    type: int
`

let dir: ReturnType<typeof tempDir>
let clock: { now: number }
let registry: Registry
const open = () =>
  openRegistry({ dataDir: dir.path, envApiKey: TEST_API_KEY, logger: silentLogger, clock: () => clock.now })

beforeEach(async () => {
  dir = tempDir()
  clock = { now: Date.parse('2026-11-28T12:00:00Z') }
  registry = await open()
})
afterEach(() => {
  registry.close()
  dir[Symbol.dispose]()
})

/** The AppError `fn` throws, for asserting its status, field and message. */
function failure(fn: () => unknown): AppError {
  try {
    fn()
  } catch (error) {
    if (error instanceof AppError) return error
    throw error
  }
  throw new Error('expected an AppError')
}

describe('create', () => {
  test('stores the spec as submitted, parsed, at revision 1', () => {
    const created = registry.schemas.create({ name: 'Custom.MyApp', spec: SPEC })
    expect(created).toMatchObject({
      name: 'Custom.MyApp',
      description: 'Events of my app',
      referenceURL: null,
      spec: SPEC,
      isFieldDiscoveryEnabled: false,
      revision: 1,
      createdAt: '2026-11-28T12:00:00.000Z',
      updatedAt: '2026-11-28T12:00:00.000Z',
    })
    expect(created.parsed.fields.map((field) => field.name)).toEqual(['time', 'user', 'status'])
    expect(registry.schemas.get('Custom.MyApp')).toEqual(created)
  })

  test('given settings win over the spec; absent ones fall back to it', () => {
    const spec = `${SPEC}referenceURL: https://example.com/spec\nfieldDiscoveryEnabled: true\n`
    const fromSpec = registry.schemas.create({ name: 'Custom.A', spec })
    expect(fromSpec).toMatchObject({
      referenceURL: 'https://example.com/spec',
      isFieldDiscoveryEnabled: true,
    })
    const given = registry.schemas.create({
      name: 'Custom.B',
      spec,
      description: 'Mine',
      referenceURL: 'https://example.com/mine',
      isFieldDiscoveryEnabled: false,
    })
    expect(given).toMatchObject({ description: 'Mine', referenceURL: 'https://example.com/mine' })
    expect(given.isFieldDiscoveryEnabled).toBe(false)
    expect(given.parsed.fieldDiscoveryEnabled).toBe(false)
    expect(registry.schemas.create({ name: 'Custom.C', spec, description: ' ' }).description).toBe(
      'Events of my app',
    )
  })

  test('a taken name is a 409, in any case', () => {
    registry.schemas.create({ name: 'Custom.MyApp', spec: SPEC })
    for (const name of ['Custom.MyApp', 'Custom.MYAPP', 'Custom.Myapp']) {
      const error = failure(() => registry.schemas.create({ name, spec: SPEC }))
      expect(error.status).toBe(409)
      expect(error.field).toBe('name')
      expect(error.message).toContain("'Custom.MyApp' already exists")
    }
    expect(registry.schemas.list()).toHaveLength(1)
    expect(registry.schemas.find('Custom.MYAPP')).toBeNull()
  })

  test.each([
    [undefined, 'required'],
    ['MyApp', 'must be Custom.'],
    ['Custom.', 'must be Custom.'],
    ['Custom.myApp', 'must be Custom.'],
    ['Custom.My_App', 'must be Custom.'],
    ['Custom.My..App', 'must be Custom.'],
    ['Custom.MyApp.', 'must be Custom.'],
    ['custom.MyApp', 'must be Custom.'],
    [`Custom.${'A'.repeat(122)}`, 'at most 128 characters'],
  ])('name %p is a 400 naming the field', (name, problem) => {
    const error = failure(() => registry.schemas.create({ name, spec: SPEC }))
    expect(error.status).toBe(400)
    expect(error.field).toBe('name')
    expect(error.message).toStartWith('name: ')
    expect(error.message).toContain(problem)
  })

  test('names of 128 characters and several parts are accepted', () => {
    for (const name of ['Custom.Acme.Audit', 'Custom.A1.B2.C3', `Custom.${'A'.repeat(121)}`]) {
      expect(registry.schemas.create({ name, spec: SPEC }).name).toBe(name)
    }
  })

  test.each([
    ['fields:\n  - name: a\n    type: strin\n', /^spec: fields\[0\]\.type: must be one of string, int/],
    ['fields: [\n', /^spec: invalid YAML/],
    ['fields: []\n', /^spec: fields: must be a non-empty list/],
    [`${SPEC}  - name: extra\n    type: timestamp\n`, /^spec: fields\[3\]\.timeFormats: /],
    [`${SPEC}colour: blue\n`, /^spec: colour: unknown key/],
    [`${SPEC}referenceURL: ftp://example.com\n`, /^spec: referenceURL must be an http or https URL/],
  ])('a bad spec is a 400 naming spec and the path inside it (%#)', (spec, message) => {
    const error = failure(() => registry.schemas.create({ name: 'Custom.Bad', spec }))
    expect(error.status).toBe(400)
    expect(error.field).toBe('spec')
    expect(error.message).toMatch(message)
    expect(registry.schemas.find('Custom.Bad')).toBeNull()
  })

  test('a bad referenceURL names its field', () => {
    const error = failure(() =>
      registry.schemas.create({ name: 'Custom.Bad', spec: SPEC, referenceURL: 'not a url' }),
    )
    expect([error.status, error.field]).toEqual([400, 'referenceURL'])
  })
})

test(`the registry holds at most ${SCHEMAS_MAX} schemas`, () => {
  const spec = 'fields:\n  - name: a\n    type: string\n'
  for (let i = 0; i < SCHEMAS_MAX; i++) registry.schemas.create({ name: `Custom.S${i}`, spec })
  const error = failure(() => registry.schemas.create({ name: 'Custom.OneMore', spec }))
  expect([error.status, error.code]).toEqual([409, 'LIMIT_REACHED'])
  expect(registry.schemas.list()).toHaveLength(SCHEMAS_MAX)
})

describe('list and find', () => {
  test('list is sorted by name; find answers null, get 404, for an unknown name', () => {
    for (const name of ['Custom.Zeta', 'Custom.Alpha', 'Custom.Alpha.Audit']) {
      registry.schemas.create({ name, spec: SPEC })
    }
    expect(registry.schemas.list().map((schema) => schema.name)).toEqual([
      'Custom.Alpha',
      'Custom.Alpha.Audit',
      'Custom.Zeta',
    ])
    expect(registry.schemas.find('Custom.Nope')).toBeNull()
    const error = failure(() => registry.schemas.get('Custom.Nope'))
    expect([error.status, error.message]).toEqual([404, "no schema named 'Custom.Nope'"])
  })
})

describe('update', () => {
  const update = (spec: string, input: Partial<SchemaInput> = {}) =>
    registry.schemas.update('Custom.MyApp', { spec, ...input })
  beforeEach(() => {
    registry.schemas.create({ name: 'Custom.MyApp', spec: SPEC })
    clock.now += 60_000
  })

  test('adding a field and changing descriptions are allowed; the revision goes up', () => {
    const added = update(
      `${SPEC}  - name: detail\n    type: object\n    fields:\n      - name: code\n        type: string\n`,
    )
    expect(added.revision).toBe(2)
    expect(added.updatedAt).toBe('2026-11-28T12:01:00.000Z')
    expect(added.createdAt).toBe('2026-11-28T12:00:00.000Z')
    expect(added.parsed.fields.map((field) => field.name)).toEqual(['time', 'user', 'status', 'detail'])
    const described = update(
      `${added.spec.replace('Events of my app', 'All events')}        description: the error code\n`,
    )
    expect(described).toMatchObject({ revision: 3, description: 'All events' })
    expect(registry.schemas.get('Custom.MyApp').revision).toBe(3)
  })

  test.each([
    [
      'removing a field',
      SPEC.replace('  - name: status\n    type: int\n', ''),
      /^spec: fields: field 'status' may not be removed/,
    ],
    [
      'renaming a field',
      SPEC.replace('name: status', 'name: state'),
      /^spec: fields: field 'status' may not be removed or renamed/,
    ],
    [
      'retyping a field',
      SPEC.replace('type: int', 'type: string'),
      /^spec: fields\[2\]\.type: field 'status' may not change type \(int → string\)/,
    ],
    [
      'changing required',
      SPEC.replace('required: true', 'required: false'),
      /^spec: fields\[0\]\.required: /,
    ],
  ])('%s is a 400 naming the path; nothing changes', (_, spec, message) => {
    const error = failure(() => update(spec))
    expect([error.status, error.field]).toEqual([400, 'spec'])
    expect(error.message).toMatch(message)
    expect(registry.schemas.get('Custom.MyApp')).toMatchObject({ revision: 1, spec: SPEC })
  })

  test('an unknown schema is a 404; a different name in the body is a 400; a bad spec is a 400', () => {
    expect(failure(() => registry.schemas.update('Custom.Nope', { spec: SPEC })).status).toBe(404)
    const renamed = failure(() => update(SPEC, { name: 'Custom.Other' }))
    expect([renamed.status, renamed.field]).toEqual([400, 'name'])
    expect(failure(() => update('fields: 3\n')).field).toBe('spec')
    expect(update(SPEC, { name: 'Custom.MyApp' }).revision).toBe(2)
  })

  test('settings not given fall back to the new spec, not to the old record', () => {
    update(SPEC, { description: 'Set by hand', isFieldDiscoveryEnabled: true })
    const replaced = update(SPEC)
    expect(replaced).toMatchObject({ description: 'Events of my app', isFieldDiscoveryEnabled: false })
  })
})

describe('change notices and persistence', () => {
  test('onChange is told each create and update, until unsubscribed', () => {
    const heard: string[] = []
    const stop = registry.schemas.onChange((name) => heard.push(name))
    registry.schemas.create({ name: 'Custom.MyApp', spec: SPEC })
    registry.schemas.update('Custom.MyApp', { spec: SPEC })
    expect(() => registry.schemas.create({ name: 'Custom.MyApp', spec: SPEC })).toThrow()
    stop()
    registry.schemas.create({ name: 'Custom.Other', spec: SPEC })
    expect(heard).toEqual(['Custom.MyApp', 'Custom.MyApp'])
  })

  test('schemas survive a restart, parsed again from their YAML', async () => {
    registry.schemas.create({ name: 'Custom.MyApp', spec: SPEC, isFieldDiscoveryEnabled: true })
    const updated = registry.schemas.update('Custom.MyApp', {
      spec: `${SPEC}  - name: extra\n    type: string\n`,
      isFieldDiscoveryEnabled: true,
      referenceURL: 'https://example.com/doc',
    })
    registry.close()
    registry = await open()
    const reopened = registry.schemas.get('Custom.MyApp')
    expect(reopened).toEqual(updated)
    expect(reopened.parsed.fieldDiscoveryEnabled).toBe(true)
    expect(registry.schemas.list()).toEqual([updated])
  })
})
