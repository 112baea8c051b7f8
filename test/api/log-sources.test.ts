import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BASE_URL, TEST_API_KEY, type TestApp, testApp } from '../helpers.ts'

let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(() => t.close())

const create = async (body: Record<string, unknown>) => {
  const response = await t.call('POST', '/log-sources/http', { body })
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}
const count = async () =>
  ((await (await t.call('GET', '/log-sources/http')).json()) as { results: unknown[] }).results.length

describe('API key', () => {
  test('missing or wrong key is 401, before the body is even parsed', async () => {
    for (const key of [null, 'wrong-key-wrong-key']) {
      expect((await t.call('GET', '/log-sources/http', { key })).status).toBe(401)
      const response = await t.call('POST', '/log-sources/http', { key, body: '{not json' })
      expect(response.status).toBe(401)
      expect(((await response.json()) as any).error.code).toBe('UNAUTHORIZED')
    }
    expect(await count()).toBe(0)
  })

  test('healthz and the OpenAPI document need no key', async () => {
    expect(await (await t.call('GET', '/healthz', { key: null })).json()).toEqual({ status: 'ok' })
    const doc = (await (await t.call('GET', '/openapi/json', { key: null })).json()) as any
    expect(Object.keys(doc.paths)).toContain('/log-sources/http/{id}/rotate-secret')
    const create = doc.paths['/log-sources/http'].post.requestBody.content['application/json'].schema
    expect(create.required).toEqual(['integrationLabel', 'authMethod'])
    expect(create.additionalProperties).toBe(false)
  })
})

describe('create', () => {
  test.each([
    [{ authMethod: 'SharedSecret', authHeaderKey: 'X-Token' }, 'authSecretValue'],
    [{ authMethod: 'HMAC', authHeaderKey: 'X-Signature' }, 'authSecretValue'],
    [{ authMethod: 'Bearer' }, 'authBearerToken'],
    [{ authMethod: 'Basic', authUsername: 'shipper' }, 'authPassword'],
  ])('%o generates a secret, returned once', async (fields, secretField) => {
    const { status, body } = await create({ integrationLabel: 'src', ...fields })
    expect(status).toBe(201)
    expect(Buffer.from(body[secretField], 'base64url').length).toBeGreaterThanOrEqual(32)
    expect(body.url).toBe(`${BASE_URL}/http/${body.integrationId}`)
    expect(body.logStreamType).toBe('Auto')
    expect(body.noDataAlarm).toEqual({ minutesThreshold: 1440 })
    const read = (await (await t.call('GET', `/log-sources/http/${body.integrationId}`)).json()) as any
    expect(read[secretField]).toBeUndefined()
    expect(read.integrationLabel).toBe('src')
    const listed = (await (await t.call('GET', '/log-sources/http')).json()) as any
    expect(JSON.stringify(listed)).not.toContain(body[secretField])
  })

  test('HMAC schemes fill in their header and keep a supplied secret usable for signing', async () => {
    const github = await create({
      integrationLabel: 'gh',
      authMethod: 'HMAC',
      authHmacScheme: 'github',
      authSecretValue: 'my-github-secret',
    })
    expect(github.body.authHeaderKey).toBe('X-Hub-Signature-256')
    expect(t.registry.sources.credentials(github.body.integrationId).keys).toEqual(['my-github-secret'])
    const hooks = await create({
      integrationLabel: 'sw',
      authMethod: 'HMAC',
      authHmacScheme: 'standard-webhooks',
    })
    expect(hooks.body.authSecretValue).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/)
    expect(hooks.body.authHeaderKey).toBe('webhook-signature')
  })

  test('None needs nothing; options and alarm are kept', async () => {
    t.registry.schemas.create({
      name: 'Custom.CloudTrail',
      spec: 'fields:\n  - name: eventName\n    type: string\n',
    })
    const { status, body } = await create({
      integrationLabel: 'cloudtrail',
      authMethod: 'None',
      logStreamType: 'JsonArray',
      logStreamTypeOptions: { jsonArrayEnvelopeField: 'Records' },
      logTypes: ['Custom.CloudTrail'],
      noDataAlarm: null,
    })
    expect(status).toBe(201)
    expect(body).toMatchObject({
      logTypes: ['Custom.CloudTrail'],
      logStreamTypeOptions: { jsonArrayEnvelopeField: 'Records' },
      noDataAlarm: null,
    })
  })

  const invalid: [string, unknown, number, string | undefined][] = [
    ['malformed JSON', '{"integrationLabel": "x",', 400, undefined],
    ['not an object', '[1,2]', 400, undefined],
    ['unknown field', { integrationLabel: 'x', authMethod: 'None', colour: 'blue' }, 400, 'colour'],
    ['wrong type', { integrationLabel: 42, authMethod: 'None' }, 400, 'integrationLabel'],
    ['missing label', { authMethod: 'None' }, 400, 'integrationLabel'],
    ['blank label', { integrationLabel: '   ', authMethod: 'None' }, 400, 'integrationLabel'],
    ['missing authMethod', { integrationLabel: 'x' }, 400, 'authMethod'],
    ['unknown authMethod', { integrationLabel: 'x', authMethod: 'Magic' }, 400, 'authMethod'],
    ['HMAC without authHeaderKey', { integrationLabel: 'x', authMethod: 'HMAC' }, 400, 'authHeaderKey'],
    [
      'SharedSecret without authHeaderKey',
      { integrationLabel: 'x', authMethod: 'SharedSecret' },
      400,
      'authHeaderKey',
    ],
    ['Basic without authUsername', { integrationLabel: 'x', authMethod: 'Basic' }, 400, 'authUsername'],
    [
      'Basic user with a colon',
      { integrationLabel: 'x', authMethod: 'Basic', authUsername: 'a:b' },
      400,
      'authUsername',
    ],
    [
      'a field of another method',
      { integrationLabel: 'x', authMethod: 'Bearer', authHeaderKey: 'X-A' },
      400,
      'authHeaderKey',
    ],
    [
      'a secret of another method',
      {
        integrationLabel: 'x',
        authMethod: 'SharedSecret',
        authHeaderKey: 'X-A',
        authBearerToken: 'abcdefghij',
      },
      400,
      'authBearerToken',
    ],
    [
      'a secret on a source without auth',
      { integrationLabel: 'x', authMethod: 'None', authSecretValue: 'abcdefghij' },
      400,
      'authSecretValue',
    ],
    [
      'a header name that is no token',
      { integrationLabel: 'x', authMethod: 'SharedSecret', authHeaderKey: 'X A' },
      400,
      'authHeaderKey',
    ],
    [
      'a short secret',
      { integrationLabel: 'x', authMethod: 'Bearer', authBearerToken: 'short' },
      400,
      'authBearerToken',
    ],
    [
      'a bad whsec secret',
      {
        integrationLabel: 'x',
        authMethod: 'HMAC',
        authHmacScheme: 'standard-webhooks',
        authSecretValue: 'not-a-whsec-secret',
      },
      400,
      'authSecretValue',
    ],
    [
      'an algorithm the scheme does not use',
      { integrationLabel: 'x', authMethod: 'HMAC', authHmacScheme: 'stripe', authHmacAlg: 'sha512' },
      400,
      'authHmacAlg',
    ],
    [
      'envelope on a non-array stream',
      {
        integrationLabel: 'x',
        authMethod: 'None',
        logStreamType: 'Lines',
        logStreamTypeOptions: { jsonArrayEnvelopeField: 'Records' },
      },
      400,
      'logStreamTypeOptions.jsonArrayEnvelopeField',
    ],
    [
      'a bad log type name',
      { integrationLabel: 'x', authMethod: 'None', logTypes: ['not a name'] },
      400,
      'logTypes.0',
    ],
    [
      'an alarm out of range',
      { integrationLabel: 'x', authMethod: 'None', noDataAlarm: { minutesThreshold: 5 } },
      400,
      'noDataAlarm.minutesThreshold',
    ],
  ]
  test.each(invalid)('%s → %d naming the field, nothing stored', async (_, body, status, field) => {
    const response = await t.call('POST', '/log-sources/http', { body })
    expect(response.status).toBe(status)
    const error = (await response.json()) as any
    expect(typeof error.message).toBe('string')
    expect(error.error.code).toMatch(/^(VALIDATION_ERROR|MALFORMED_JSON)$/)
    if (field !== undefined) {
      expect(error.error.field).toBe(field)
      expect(error.message).toContain(field.split('.')[0])
    }
    expect(await count()).toBe(0)
  })

  test('log types must name existing schemas, each once, on create and on replace', async () => {
    t.registry.schemas.create({ name: 'Custom.App', spec: 'fields:\n  - name: msg\n    type: string\n' })
    const unknown = await create({
      integrationLabel: 'x',
      authMethod: 'None',
      logTypes: ['Custom.App', 'Custom.Nope'],
    })
    expect(unknown.status).toBe(400)
    expect(unknown.body.message).toBe(
      "logTypes: unknown log type 'Custom.Nope' (create it with POST /schemas first)",
    )
    expect(unknown.body.error.field).toBe('logTypes')
    const wrongCase = await create({ integrationLabel: 'x', authMethod: 'None', logTypes: ['Custom.app'] })
    expect(wrongCase.body.error.field).toBe('logTypes')
    const twice = await create({
      integrationLabel: 'x',
      authMethod: 'None',
      logTypes: ['Custom.App', 'Custom.App'],
    })
    expect(twice.status).toBe(400)
    expect(twice.body.error.field).toBe('logTypes')
    expect(() =>
      t.registry.sources.create({
        integrationLabel: 'x',
        authMethod: 'None',
        logTypes: ['Custom.App', 'Custom.App'],
      }),
    ).toThrow("logTypes: 'Custom.App' is listed more than once")
    expect(await count()).toBe(0)

    const { status, body } = await create({
      integrationLabel: 'x',
      authMethod: 'None',
      logTypes: ['Custom.App'],
    })
    expect(status).toBe(201)
    const path = `/log-sources/http/${body.integrationId}`
    const replaced = await t.call('PUT', path, {
      body: { integrationLabel: 'x', authMethod: 'None', logTypes: ['Custom.Nope'] },
    })
    expect(replaced.status).toBe(400)
    expect(((await replaced.json()) as any).error.field).toBe('logTypes')
    expect(t.registry.sources.get(body.integrationId).logTypes).toEqual(['Custom.App'])
  })

  test('an integrationId in a create body is a 400 naming it: the server sets ids', async () => {
    const { status, body } = await create({
      integrationId: '00000000-0000-4000-8000-000000000000',
      integrationLabel: 'x',
      authMethod: 'None',
    })
    expect(status).toBe(400)
    expect(body.error.field).toBe('integrationId')
    expect(await count()).toBe(0)
  })

  test('a duplicate label is 409, whatever its case', async () => {
    expect((await create({ integrationLabel: 'Okta', authMethod: 'None' })).status).toBe(201)
    const again = await create({ integrationLabel: 'okta', authMethod: 'Bearer' })
    expect(again.status).toBe(409)
    expect(again.body.error.field).toBe('integrationLabel')
    expect(await count()).toBe(1)
  })

  test('a deeply nested body is refused at once with a 400 on every body route, nothing stored', async () => {
    const { body: source } = await create({ integrationLabel: 'kept', authMethod: 'Bearer' })
    const id = source.integrationId
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`
    const routes: [string, string][] = [
      ['POST', '/log-sources/http'],
      ['PUT', `/log-sources/http/${id}`],
      ['POST', `/log-sources/http/${id}/rotate-secret`],
      ['POST', `/log-sources/http/${id}/infer-schema`],
      ['POST', '/schemas'],
    ]
    for (const [method, path] of routes) {
      const response = await t.call(method, path, { body: deep })
      expect({ path, status: response.status }).toEqual({ path, status: 400 })
      expect(((await response.json()) as any).message).toBe(
        'request body nests objects and arrays deeper than 64 levels (at character 320)',
      )
    }
    expect(await count()).toBe(1)
    expect(t.registry.sources.credentials(id).hashes).toHaveLength(1)
  })

  test('an oversized body is 413', async () => {
    const response = await t.call('POST', '/log-sources/http', {
      body: { integrationLabel: 'x'.repeat(2_000_000), authMethod: 'None' },
    })
    expect(response.status).toBe(413)
  })

  test('a body that never finishes is 408 after api.body_timeout_ms, and nothing is created', async () => {
    await t.close()
    t = await testApp({ env: { INLET_API_BODY_TIMEOUT_MS: '100' } })
    const stalled = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode('{"integrationLabel":')),
    })
    const response = await t.app.handle(
      new Request(`${BASE_URL}/log-sources/http`, {
        method: 'POST',
        headers: { 'x-api-key': TEST_API_KEY, 'content-type': 'application/json' },
        body: stalled,
      }),
    )
    expect(response.status).toBe(408)
    expect(await count()).toBe(0)
  })
})

describe('read, replace, delete', () => {
  test('unknown ids are 404', async () => {
    const id = '00000000-0000-4000-8000-000000000000'
    expect((await t.call('GET', `/log-sources/http/${id}`)).status).toBe(404)
    expect(
      (
        await t.call('PUT', `/log-sources/http/${id}`, {
          body: { integrationLabel: 'x', authMethod: 'None' },
        })
      ).status,
    ).toBe(404)
    expect((await t.call('DELETE', `/log-sources/http/${id}`)).status).toBe(404)
    expect((await t.call('POST', `/log-sources/http/${id}/rotate-secret`)).status).toBe(404)
  })

  test('replace keeps the secret unless given, and a GET body can be sent back', async () => {
    const { body: created } = await create({ integrationLabel: 'app', authMethod: 'Bearer' })
    const id = created.integrationId
    const before = t.registry.sources.credentials(id).hashes
    t.clock.now += 1000
    const got = (await (await t.call('GET', `/log-sources/http/${id}`)).json()) as any
    const response = await t.call('PUT', `/log-sources/http/${id}`, {
      body: { ...got, integrationLabel: 'app-renamed' },
    })
    expect(response.status).toBe(200)
    const replaced = (await response.json()) as any
    expect(replaced.integrationLabel).toBe('app-renamed')
    expect(replaced.authBearerToken).toBeUndefined()
    expect(replaced.lastModified > replaced.createdAt).toBe(true)
    expect(t.registry.sources.credentials(id).hashes).toEqual(before)
  })

  test('replace with another method issues a new secret', async () => {
    const { body: created } = await create({ integrationLabel: 'app', authMethod: 'Bearer' })
    const response = await t.call('PUT', `/log-sources/http/${created.integrationId}`, {
      body: { integrationLabel: 'app', authMethod: 'SharedSecret', authHeaderKey: 'X-Key' },
    })
    const replaced = (await response.json()) as any
    expect(replaced.authSecretValue).toBeString()
    const credentials = t.registry.sources.credentials(created.integrationId)
    expect(credentials.hashes).toHaveLength(1)
  })

  test('replace refuses a duplicate label and a mismatched id, changing nothing', async () => {
    await create({ integrationLabel: 'one', authMethod: 'None' })
    const { body: two } = await create({ integrationLabel: 'two', authMethod: 'None' })
    const clash = await t.call('PUT', `/log-sources/http/${two.integrationId}`, {
      body: { integrationLabel: 'ONE', authMethod: 'None' },
    })
    expect(clash.status).toBe(409)
    const mismatch = await t.call('PUT', `/log-sources/http/${two.integrationId}`, {
      body: {
        integrationId: '00000000-0000-4000-8000-000000000000',
        integrationLabel: 'three',
        authMethod: 'None',
      },
    })
    expect(mismatch.status).toBe(400)
    const read = (await (await t.call('GET', `/log-sources/http/${two.integrationId}`)).json()) as any
    expect(read.integrationLabel).toBe('two')
  })

  test('an id is found whatever the case of its hex digits, as on the ingest path', async () => {
    const { body } = await create({ integrationLabel: 'Case', authMethod: 'Bearer' })
    const upper = String(body.integrationId).toUpperCase()
    expect((await t.call('GET', `/log-sources/http/${upper}`)).status).toBe(200)
    const replaced = await t.call('PUT', `/log-sources/http/${upper}`, {
      body: { integrationId: upper, integrationLabel: 'Case', authMethod: 'Bearer' },
    })
    expect(replaced.status).toBe(200)
    expect(((await replaced.json()) as any).integrationId).toBe(body.integrationId)
    expect((await t.call('POST', `/log-sources/http/${upper}/rotate-secret`)).status).toBe(200)
    const ingest = await t.app.handle(
      new Request(`${BASE_URL}/http/${upper}`, { method: 'POST', body: '{"a":1}' }),
    )
    expect(ingest.status).toBe(401)
    expect((await t.call('DELETE', `/log-sources/http/${upper}`)).status).toBe(204)
    expect(await count()).toBe(0)
  })

  test('delete is 204, then the source is gone', async () => {
    const { body } = await create({ integrationLabel: 'gone', authMethod: 'None' })
    const response = await t.call('DELETE', `/log-sources/http/${body.integrationId}`)
    expect(response.status).toBe(204)
    expect((await t.call('GET', `/log-sources/http/${body.integrationId}`)).status).toBe(404)
  })
})

describe('rotate-secret', () => {
  test('the old secret stays valid for the grace period only', async () => {
    const { body } = await create({
      integrationLabel: 'rot',
      authMethod: 'SharedSecret',
      authHeaderKey: 'X-Key',
      authSecretValue: 'old-secret-value',
    })
    const id = body.integrationId
    const response = await t.call('POST', `/log-sources/http/${id}/rotate-secret`, {
      body: { graceSeconds: 60 },
    })
    expect(response.status).toBe(200)
    const rotated = (await response.json()) as any
    expect(rotated.authSecretValue).not.toBe('old-secret-value')
    expect(rotated.previousSecretExpiresAt).toBe(new Date(t.clock.now + 60_000).toISOString())
    const box = (secret: string) =>
      t.registry.sources.credentials(id).hashes.some((hash) => sameHash(secret, hash))
    expect(box('old-secret-value')).toBe(true)
    expect(box(rotated.authSecretValue)).toBe(true)
    t.clock.now += 61_000
    expect(box('old-secret-value')).toBe(false)
    expect(box(rotated.authSecretValue)).toBe(true)
  })

  test('without grace the old secret stops at once; a sender-issued secret can be given', async () => {
    const { body } = await create({
      integrationLabel: 'hk',
      authMethod: 'HMAC',
      authHeaderKey: 'X-Sig',
      authSecretValue: 'first-hmac-key',
    })
    const response = await t.call('POST', `/log-sources/http/${body.integrationId}/rotate-secret`, {
      body: { authSecretValue: 'second-hmac-key' },
    })
    expect(((await response.json()) as any).authSecretValue).toBe('second-hmac-key')
    expect(t.registry.sources.credentials(body.integrationId).keys).toEqual(['second-hmac-key'])
  })

  test('a source without a secret cannot rotate; unknown fields are refused', async () => {
    const { body } = await create({ integrationLabel: 'open', authMethod: 'None' })
    expect((await t.call('POST', `/log-sources/http/${body.integrationId}/rotate-secret`)).status).toBe(400)
    const { body: bearer } = await create({ integrationLabel: 'b', authMethod: 'Bearer' })
    const response = await t.call('POST', `/log-sources/http/${bearer.integrationId}/rotate-secret`, {
      body: { graceSeconds: -1 },
    })
    expect(response.status).toBe(400)
  })
})

test('a dump of the database reveals no secret', async () => {
  const secrets = [
    (
      await create({
        integrationLabel: 'a',
        authMethod: 'SharedSecret',
        authHeaderKey: 'X-K',
        authSecretValue: 'plain-shared-secret-1',
      })
    ).body.authSecretValue,
    (
      await create({
        integrationLabel: 'b',
        authMethod: 'HMAC',
        authHeaderKey: 'X-S',
        authSecretValue: 'plain-hmac-key-2',
      })
    ).body.authSecretValue,
    (await create({ integrationLabel: 'c', authMethod: 'Bearer' })).body.authBearerToken,
    (
      await create({
        integrationLabel: 'd',
        authMethod: 'Basic',
        authUsername: 'u',
        authPassword: 'plain-password-3',
      })
    ).body.authPassword,
    'test-api-key-0123456789',
  ]
  const dump = readdirSync(t.dataDir)
    .filter((name) => name.startsWith('registry.db'))
    .map((name) => readFileSync(join(t.dataDir, name)).toString('latin1'))
    .join('')
  expect(dump).toContain('X-K')
  for (const secret of secrets) expect(dump).not.toContain(secret)
})

const sameHash = (secret: string, hash: Uint8Array) => t.registry.secretBox.matches(secret, hash)
