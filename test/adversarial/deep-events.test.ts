/**
 * Deeply nested events. Ingest refuses events nested deeper than `[ingest] event_depth_max`, but a log
 * may hold such events from before that limit existed: one event of 30,000 nested arrays once made every
 * field comparison of every search whose window held it answer 500 (a stack overflow). Here they are
 * stored as the ingest path stored them then, and every reader must get past them.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Stamper } from '../../src/ingest/stamp.ts'
import { type TestApp, testApp } from '../helpers.ts'

const encoder = new TextEncoder()
const nestedArrays = (depth: number) => `{"a":${'['.repeat(depth)}1${']'.repeat(depth)},"tag":"deep"}`
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`

describe('events nested far deeper than the limit, already in the log', () => {
  let t: TestApp
  let sourceId: string

  beforeAll(async () => {
    t = await testApp()
    const created = await t.call('POST', '/log-sources/http', {
      body: { integrationLabel: 'deep', authMethod: 'None' },
    })
    sourceId = ((await created.json()) as { integrationId: string }).integrationId
    const stamper = new Stamper({
      sourceId,
      sourceLabel: 'deep',
      parseTimeMs: t.clock.now,
      bodyBytes: 1,
    })
    const stored = [nestedArrays(30_000), nestedObjects(30_000), '{"a":1,"b":{"c":2},"tag":"plain"}']
    await t.log.append(
      stored.map((text) =>
        stamper.stamp({
          value: JSON.parse(text),
          json: encoder.encode(text),
          reservedKeys: false,
          timeMs: null,
        }),
      ),
    )
  })
  afterAll(() => t.close())

  const search = async (q: string) => {
    const response = await t.call('GET', `/events?q=${encodeURIComponent(q)}`)
    expect({ q, status: response.status }).toEqual({ q, status: 200 })
    return ((await response.json()) as { results: { tag?: string }[] }).results.map((event) => event.tag)
  }

  test('every kind of field comparison answers, and finds the events it should', async () => {
    expect(await search('a = 1')).toEqual(['plain'])
    expect(await search('a > 0')).toEqual(['plain'])
    expect(await search('a IN (1, 2)')).toEqual(['plain'])
    expect(await search('a CONTAINS "1"')).toEqual(['plain'])
    expect(await search('b.c = 2')).toEqual(['plain'])
    expect(await search('a.a.a.a = 1')).toEqual([])
    expect(await search('a EXISTS')).toEqual(['plain', undefined, 'deep'])
    expect(await search('a != 1')).toEqual([undefined, 'deep'])
    expect(await search('NOT a = 1')).toEqual([undefined, 'deep'])
    expect(await search('tag = deep OR a = 1')).toEqual(['plain', 'deep'])
  })

  test('counting answers too', async () => {
    const response = await t.call('GET', `/events/count?q=${encodeURIComponent('a = 1')}&interval=1h`)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { count: number }).count).toBe(1)
  })

  test('inferring a schema from them answers', async () => {
    const response = await t.call('POST', `/log-sources/http/${sourceId}/infer-schema`, { body: {} })
    expect(response.status).toBe(200)
    const { spec, eventsSampled } = (await response.json()) as { spec: string; eventsSampled: number }
    expect(eventsSampled).toBe(3)
    expect(spec).toContain('name: a')
  })
})

test('embedded JSON nested too deep fails its schema instead of the request', async () => {
  const t = await testApp()
  try {
    const schema = await t.call('POST', '/schemas', {
      body: {
        name: 'Custom.Wrapped',
        spec: 'fields: [{ name: inner, type: object, isEmbeddedJSON: true, required: true, fields: [{ name: a, type: json }] }]',
      },
    })
    expect(schema.status).toBe(201)
    const created = await t.call('POST', '/log-sources/http', {
      body: { integrationLabel: 'wrapped', authMethod: 'None', logTypes: ['Custom.Wrapped'] },
    })
    const { integrationId } = (await created.json()) as { integrationId: string }
    // 100,000 levels inside a string: the event itself is two levels deep, so ingest takes it.
    const body = JSON.stringify({ inner: nestedObjects(100_000) })
    const response = await t.call('POST', `/http/${integrationId}`, { body, key: null })
    expect(response.status).toBe(200)
    t.clock.now = Date.now()
    const found = await t.call('GET', `/events?sourceId=${integrationId}&from=2000-01-01T00:00:00Z`)
    const [event] = ((await found.json()) as { results: Record<string, unknown>[] }).results
    expect(event?.p_classification_error).toBeString()
    expect(event?.p_log_type).toBeUndefined()
  } finally {
    await t.close()
  }
})
