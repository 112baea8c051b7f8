import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { type TestApp, testApp } from '../helpers.ts'

let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(() => t.close())

const SPEC = `description: Audit events
fields:
  - name: time
    type: timestamp
    timeFormats: [rfc3339]
    isEventTime: true
  - name: actor
    type: string
    indicators: [username]
`

const send = async (method: string, path: string, body?: unknown, key?: string | null) => {
  const response = await t.call(method, path, { body, key })
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

describe('API key', () => {
  test('every route is 401 without the key, before a body is parsed', async () => {
    for (const key of [null, 'wrong-key-wrong-key']) {
      expect((await send('GET', '/schemas', undefined, key)).status).toBe(401)
      expect((await send('GET', '/schemas/Custom.App', undefined, key)).status).toBe(401)
      expect((await send('POST', '/schemas', '{not json', key)).status).toBe(401)
      expect((await send('PUT', '/schemas/Custom.App', '{not json', key)).status).toBe(401)
    }
    expect((await send('GET', '/schemas')).body).toEqual({ results: [] })
  })

  test('the routes are in the OpenAPI document, with unknown fields refused', async () => {
    const doc = (await (await t.call('GET', '/openapi/json', { key: null })).json()) as any
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/schemas', '/schemas/{name}']))
    const body = doc.paths['/schemas'].post.requestBody.content['application/json'].schema
    expect(body.required).toEqual(['spec'])
    expect(body.additionalProperties).toBe(false)
    expect(doc.paths['/schemas'].post.tags).toEqual(['schemas'])
  })
})

describe('create, read, list', () => {
  test('POST is 201 with the schema; GET and the list show the same', async () => {
    const created = await send('POST', '/schemas', {
      name: 'Custom.Acme.Audit',
      spec: SPEC,
      referenceURL: 'https://acme.example/audit',
    })
    expect(created.status).toBe(201)
    expect(created.body).toEqual({
      name: 'Custom.Acme.Audit',
      description: 'Audit events',
      referenceURL: 'https://acme.example/audit',
      spec: SPEC,
      isFieldDiscoveryEnabled: false,
      revision: 1,
      isManaged: false,
      createdAt: '2026-11-28T12:00:00.000Z',
      updatedAt: '2026-11-28T12:00:00.000Z',
    })
    expect(await send('GET', '/schemas/Custom.Acme.Audit')).toEqual({ status: 200, body: created.body })
    expect((await send('GET', '/schemas/Custom%2EAcme%2EAudit')).body).toEqual(created.body)
    expect((await send('GET', '/schemas')).body).toEqual({ results: [created.body] })
  })

  test('a schema without a description or reference URL has neither key', async () => {
    const { body } = await send('POST', '/schemas', {
      name: 'Custom.Bare',
      spec: 'fields:\n  - name: a\n    type: string\n',
    })
    expect(Object.keys(body)).not.toContain('description')
    expect(Object.keys(body)).not.toContain('referenceURL')
  })

  test('an unknown name is 404; one taken in any case is 409', async () => {
    expect((await send('GET', '/schemas/Custom.Nope')).status).toBe(404)
    expect((await send('POST', '/schemas', { name: 'Custom.App', spec: SPEC })).status).toBe(201)
    const again = await send('POST', '/schemas', { name: 'Custom.APP', spec: SPEC })
    expect(again.status).toBe(409)
    expect(again.body.error).toMatchObject({ code: 'CONFLICT', field: 'name' })
    expect((await send('GET', '/schemas/Custom.APP')).status).toBe(404)
  })

  const invalid: [string, unknown, string | undefined, RegExp][] = [
    ['malformed JSON', '{"name": "Custom.X",', undefined, /not valid JSON/],
    ['an unknown field', { name: 'Custom.X', spec: SPEC, colour: 'blue' }, 'colour', /unknown field/],
    ['no spec', { name: 'Custom.X' }, 'spec', /spec/],
    ['no name', { spec: SPEC }, 'name', /^name: required/],
    ['a bad name', { name: 'Custom.x', spec: SPEC }, 'name', /^name: 'Custom.x' must be Custom\./],
    [
      'a bad field type',
      { name: 'Custom.X', spec: SPEC.replace('type: string', 'type: text') },
      'spec',
      /^spec: fields\[1\]\.type: must be one of string, /,
    ],
    [
      'a bad indicator',
      { name: 'Custom.X', spec: SPEC.replace('[username]', '[nickname]') },
      'spec',
      /^spec: fields\[1\]\.indicators\[0\]: must be one of /,
    ],
    [
      'a wrong type',
      { name: 'Custom.X', spec: SPEC, isFieldDiscoveryEnabled: 'yes' },
      'isFieldDiscoveryEnabled',
      /./,
    ],
  ]
  test.each(invalid)('%s is a 400 naming the field; nothing stored', async (_, body, field, message) => {
    const response = await send('POST', '/schemas', body)
    expect(response.status).toBe(400)
    expect(response.body.message).toMatch(message)
    expect(response.body.error.field).toBe(field)
    expect((await send('GET', '/schemas')).body.results).toEqual([])
  })
})

describe('update', () => {
  beforeEach(async () => {
    expect((await send('POST', '/schemas', { name: 'Custom.Acme.Audit', spec: SPEC })).status).toBe(201)
    t.clock.now += 60_000
  })

  test('adding a field is allowed, the revision goes up, and a GET body can be sent back', async () => {
    const spec = `${SPEC}  - name: action\n    type: string\n`
    const updated = await send('PUT', '/schemas/Custom.Acme.Audit', { name: 'Custom.Acme.Audit', spec })
    expect(updated.status).toBe(200)
    expect(updated.body).toMatchObject({ spec, revision: 2, updatedAt: '2026-11-28T12:01:00.000Z' })
    const sentBack = await send('PUT', '/schemas/Custom.Acme.Audit', {
      ...updated.body,
      description: 'Edited',
    })
    expect(sentBack.body).toMatchObject({ revision: 3, description: 'Edited' })
    expect((await send('GET', '/schemas/Custom.Acme.Audit')).body).toEqual(sentBack.body)
  })

  test('removing or retyping a field is a 400 naming the path; nothing changes', async () => {
    const removed = await send('PUT', '/schemas/Custom.Acme.Audit', {
      spec: SPEC.slice(0, SPEC.indexOf('  - name: actor')),
    })
    expect(removed.status).toBe(400)
    expect(removed.body.message).toBe("spec: fields: field 'actor' may not be removed or renamed")
    const retyped = await send('PUT', '/schemas/Custom.Acme.Audit', {
      spec: SPEC.replace('type: string', 'type: json').replace('    indicators: [username]\n', ''),
    })
    expect(retyped.status).toBe(400)
    expect(retyped.body.message).toMatch(/^spec: fields\[1\]\.type: field 'actor' may not change type/)
    expect((await send('GET', '/schemas/Custom.Acme.Audit')).body.revision).toBe(1)
  })

  test('an unknown schema is 404; a different name in the body is 400', async () => {
    expect((await send('PUT', '/schemas/Custom.Nope', { spec: SPEC })).status).toBe(404)
    const renamed = await send('PUT', '/schemas/Custom.Acme.Audit', { name: 'Custom.Other', spec: SPEC })
    expect(renamed.status).toBe(400)
    expect(renamed.body.error.field).toBe('name')
  })
})

test('a source can name a schema once it exists', async () => {
  const source = { integrationLabel: 'audit', authMethod: 'None', logTypes: ['Custom.Acme.Audit'] }
  expect((await send('POST', '/log-sources/http', source)).status).toBe(400)
  await send('POST', '/schemas', { name: 'Custom.Acme.Audit', spec: SPEC })
  const created = await send('POST', '/log-sources/http', source)
  expect(created.status).toBe(201)
  expect(created.body.logTypes).toEqual(['Custom.Acme.Audit'])
})

test('DELETE removes a schema no source uses; while one does, 409 names it; unknown is 404', async () => {
  await send('POST', '/schemas', { name: 'Custom.Acme.Audit', spec: SPEC })
  const source = await send('POST', '/log-sources/http', {
    integrationLabel: 'audit <prod>',
    authMethod: 'None',
    logTypes: ['Custom.Acme.Audit'],
  })
  const refused = await t.call('DELETE', '/schemas/Custom.Acme.Audit')
  expect(refused.status).toBe(409)
  expect(((await refused.json()) as { message: string }).message).toContain("source 'audit <prod>'")
  expect((await send('GET', '/schemas/Custom.Acme.Audit')).status).toBe(200)

  await send('PUT', `/log-sources/http/${source.body.integrationId}`, {
    integrationLabel: 'audit <prod>',
    authMethod: 'None',
    logTypes: [],
  })
  const removed = await t.call('DELETE', '/schemas/Custom.Acme.Audit')
  expect(removed.status).toBe(204)
  expect((await send('GET', '/schemas/Custom.Acme.Audit')).status).toBe(404)
  expect((await t.call('DELETE', '/schemas/Custom.Acme.Audit')).status).toBe(404)
  expect((await t.call('DELETE', '/schemas/Custom.Acme.Audit', { key: null })).status).toBe(401)
  // The name is free again, and a source can take it up once it exists again.
  expect((await send('POST', '/schemas', { name: 'Custom.Acme.Audit', spec: SPEC })).status).toBe(201)
})
