/**
 * Schemas end to end through the app: schemas created with the API, sources attached to them, events
 * sent to the ingest route and read back from the event log; classification failures as counters and
 * system errors; the infer-schema endpoint, alone and saving its draft.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { parseSchemaSpec } from '../../src/schemas/spec.ts'
import { BASE_URL, type TestApp, testApp } from '../helpers.ts'

let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(() => t.close())

async function createSchema(name: string, spec: string) {
  const response = await t.call('POST', '/schemas', { body: { name, spec } })
  expect(response.status).toBe(201)
}

async function createSource(input: Record<string, unknown> = {}): Promise<string> {
  const response = await t.call('POST', '/log-sources/http', {
    body: { integrationLabel: `s-${Math.random()}`, authMethod: 'None', ...input },
  })
  expect(response.status).toBe(201)
  return (await response.json()).integrationId
}

const post = (id: string, body: string) =>
  t.app.handle(new Request(`${BASE_URL}/http/${id}`, { method: 'POST', body }))

async function stored(): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = []
  for await (const record of t.log.read({ order: 'asc' })) {
    events.push(JSON.parse(new TextDecoder().decode(record.payload)))
  }
  return events
}

const LOGIN = `
description: Logins
fields:
  - { name: user, type: string, required: true, indicators: [username] }
  - { name: ip, type: string, indicators: [ip] }
  - { name: at, type: timestamp, timeFormats: [unix_ms], isEventTime: true }
`
const DEPLOY = `
fields:
  - { name: service, type: string, required: true }
  - { name: version, type: string, required: true }
  - { name: ok, type: boolean }
`

describe('classification through the ingest route', () => {
  test('two schemas on one source: each event stored with the log type that parsed it', async () => {
    await createSchema('Custom.Login', LOGIN)
    await createSchema('Custom.Deploy', DEPLOY)
    const id = await createSource({ logTypes: ['Custom.Login', 'Custom.Deploy'] })
    const body = [
      '{"user":"ann","ip":"192.0.2.7","at":1790000000000,"extra":1}',
      '{"service":"api","version":2,"ok":"true"}',
      '{"user":"bob"}',
    ].join('\n')
    expect(await (await post(id, body)).json()).toEqual({ accepted: 3 })
    const [login, deploy, bare] = await stored()
    expect(login).toMatchObject({
      user: 'ann',
      ip: '192.0.2.7',
      at: '2026-09-21T14:13:20.000Z',
      p_log_type: 'Custom.Login',
      p_event_time: '2026-09-21T14:13:20.000Z',
      p_any_usernames: ['ann'],
      p_any_ip_addresses: ['192.0.2.7'],
      p_source_id: id,
    })
    expect(login!.extra).toBeUndefined()
    expect(login!.p_row_id).toMatch(/^[0-9a-f]{32}$/)
    expect(deploy).toMatchObject({ service: 'api', version: '2', ok: true, p_log_type: 'Custom.Deploy' })
    expect(bare).toMatchObject({ user: 'bob', p_log_type: 'Custom.Login' })
    expect(bare!.p_event_time).toBe(new Date(t.clock.now).toISOString())
  })

  test('events no schema parses are stored raw with p_classification_error, counted and raised', async () => {
    await createSchema('Custom.Deploy', DEPLOY)
    const id = await createSource({ logTypes: ['Custom.Deploy'] })
    await post(id, '{"service":"api"}\n{"service":"web","version":"1"}\n{"other":true}')
    const events = await stored()
    expect(events.map((event) => event.p_log_type ?? null)).toEqual([null, 'Custom.Deploy', null])
    expect(events[0]).toMatchObject({
      service: 'api',
      p_classification_error: "Custom.Deploy: required field 'version' is missing",
    })
    expect(t.counters.source(id).classificationFailures).toBe(2)
    t.schemas.flushFailures()
    const errors = await (await t.call('GET', `/system-errors?sourceId=${id}`)).json()
    expect(errors.results).toEqual([
      expect.objectContaining({
        type: 'SOURCE_CLASSIFICATION_FAILURES',
        sourceId: id,
        state: 'open',
        count: 2,
        message: expect.stringContaining("2 events from source 's-"),
      }),
    ])
    await post(id, '{"nope":1}')
    t.schemas.flushFailures()
    const again = await (await t.call('GET', `/system-errors?sourceId=${id}`)).json()
    expect(again.results).toHaveLength(1)
    expect(again.results[0].count).toBe(3)
  })

  test('a request refused before it is stored counts no classification failure', async () => {
    await createSchema('Custom.Deploy', DEPLOY)
    const id = await createSource({ logTypes: ['Custom.Deploy'] })
    expect((await post(id, '{"other":1}\n{"broken"')).status).toBe(400)
    expect(t.counters.source(id).classificationFailures).toBe(0)
    expect(await stored()).toEqual([])
  })

  test('a Lines source classifies text lines with a fastmatch schema', async () => {
    await createSchema(
      'Custom.Access',
      `
parser:
  fastmatch:
    match: ['%{ip} - %{user} [%{time}] "%{method} %{path} %{protocol}" %{status} %{bytes}']
    emptyValues: ['-']
fields:
  - { name: ip, type: string, indicators: [ip] }
  - { name: user, type: string }
  - { name: time, type: timestamp, timeFormats: ['%d/%b/%Y:%H:%M:%S %z'], isEventTime: true }
  - { name: method, type: string }
  - { name: path, type: string }
  - { name: protocol, type: string }
  - { name: status, type: smallint }
  - { name: bytes, type: bigint }
`,
    )
    const id = await createSource({ logTypes: ['Custom.Access'], logStreamType: 'Lines' })
    const line = '198.51.100.2 - - [10/Oct/2026:13:55:36 -0700] "GET /index.html HTTP/1.1" 200 2326'
    expect(await (await post(id, `${line}\nnot an access log line\n`)).json()).toEqual({ accepted: 2 })
    const [parsed, failed] = await stored()
    expect(parsed).toMatchObject({
      ip: '198.51.100.2',
      time: '2026-10-10T20:55:36.000Z',
      method: 'GET',
      status: 200,
      bytes: 2326,
      p_log_type: 'Custom.Access',
      p_event_time: '2026-10-10T20:55:36.000Z',
      p_any_ip_addresses: ['198.51.100.2'],
    })
    expect(parsed!.user).toBeUndefined()
    expect(failed).toMatchObject({
      message: 'not an access log line',
      p_classification_error: 'Custom.Access: the line does not match the parser',
    })
  })

  test('a CSV body with a header line: the header is no event', async () => {
    await createSchema(
      'Custom.Csv',
      `
parser:
  csv: { delimiter: ',', hasHeader: true }
fields:
  - { name: user, type: string, required: true }
  - { name: count, type: int }
`,
    )
    const id = await createSource({ logTypes: ['Custom.Csv'], logStreamType: 'Lines' })
    expect(await (await post(id, 'count,user\n3,ann\n4,bob\n')).json()).toEqual({ accepted: 2 })
    expect((await stored()).map(({ user, count }) => ({ user, count }))).toEqual([
      { user: 'ann', count: 3 },
      { user: 'bob', count: 4 },
    ])
  })

  test('a schema update takes effect for the next request', async () => {
    await createSchema('Custom.Deploy', DEPLOY)
    const id = await createSource({ logTypes: ['Custom.Deploy'] })
    await post(id, '{"service":"a","version":"1","region":"eu"}')
    const updated = await t.call('PUT', '/schemas/Custom.Deploy', {
      body: { spec: `${DEPLOY}  - { name: region, type: string }\n` },
    })
    expect(updated.status).toBe(200)
    await post(id, '{"service":"a","version":"1","region":"eu"}')
    const [before, after] = await stored()
    expect(before!.region).toBeUndefined()
    expect(after!.region).toBe('eu')
  })
})

describe('POST /log-sources/http/{id}/infer-schema', () => {
  const events = [
    '{"id":"e1","at":"2026-11-01T10:00:00Z","user":"ann@example.com","ip":"192.0.2.1","n":1}',
    '{"id":"e2","at":"2026-11-01T10:00:01Z","user":"bob@example.com","ip":"192.0.2.2","n":2.5}',
  ]

  test('infers a draft from the stored events of the source only', async () => {
    const id = await createSource()
    const other = await createSource()
    await post(other, '{"unrelated":true}')
    await post(id, events.join('\n'))
    const response = await t.call('POST', `/log-sources/http/${id}/infer-schema`)
    expect(response.status).toBe(200)
    const { spec, eventsSampled } = await response.json()
    expect(eventsSampled).toBe(2)
    const fields = parseSchemaSpec(spec).fields
    expect(fields.map((field) => [field.name, field.type])).toEqual([
      ['at', 'timestamp'],
      ['id', 'string'],
      ['ip', 'string'],
      ['n', 'float'],
      ['user', 'string'],
    ])
    expect(fields.find((field) => field.name === 'at')!.isEventTime).toBe(true)
    expect(spec).not.toContain('p_')
  })

  test('saveAs creates the schema and attaches it, so the next events are classified', async () => {
    const id = await createSource()
    await post(id, events.join('\n'))
    const response = await t.call('POST', `/log-sources/http/${id}/infer-schema`, {
      body: { saveAs: { name: 'Custom.Inferred' } },
    })
    expect(response.status).toBe(200)
    const answer = await response.json()
    expect(answer.schema).toMatchObject({ name: 'Custom.Inferred', revision: 1, spec: answer.spec })
    expect(answer.source.logTypes).toEqual(['Custom.Inferred'])
    await post(id, events[0]!)
    const last = (await stored()).at(-1)!
    expect(last).toMatchObject({ p_log_type: 'Custom.Inferred', p_event_time: '2026-11-01T10:00:00.000Z' })
  })

  test('409 before any event, 404 for an unknown source, 401 without the key, 400 for a bad body', async () => {
    const id = await createSource()
    const empty = await t.call('POST', `/log-sources/http/${id}/infer-schema`)
    expect(empty.status).toBe(409)
    expect((await empty.json()).error.code).toBe('NO_EVENTS')
    const unknown = await t.call(
      'POST',
      '/log-sources/http/00000000-0000-4000-8000-000000000000/infer-schema',
    )
    expect(unknown.status).toBe(404)
    expect((await t.call('POST', `/log-sources/http/${id}/infer-schema`, { key: null })).status).toBe(401)
    await post(id, events[0]!)
    const bad = await t.call('POST', `/log-sources/http/${id}/infer-schema`, {
      body: { saveAs: { name: 'nope' } },
    })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.message).toContain('name')
  })
})
