/**
 * GET /events and GET /events/count through the app: events sent to the ingest route and found again,
 * the parameters and their errors, pages and cursors, the histogram.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { BASE_URL, type TestApp, testApp } from '../helpers.ts'

let t: TestApp
let a: string
let b: string
beforeEach(async () => {
  t = await testApp()
  t.registry.schemas.create({
    name: 'Custom.Login',
    spec: 'fields:\n  - { name: user, type: string, required: true }\n  - { name: at, type: timestamp, timeFormats: [rfc3339], isEventTime: true }\n',
  })
  a = t.registry.sources.create({ integrationLabel: 'a', authMethod: 'None', logTypes: ['Custom.Login'] })
    .source.id
  b = t.registry.sources.create({ integrationLabel: 'b', authMethod: 'None' }).source.id
  const now = new Date(t.clock.now)
  const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * 3_600_000).toISOString()
  await post(a, [
    { user: 'ann', at: at(1), note: 'first' },
    { user: 'bob', at: at(2) },
    { user: 'old', at: at(30) },
  ])
  await post(b, [
    { status: 500, path: '/api', msg: 'Connection reset' },
    { status: 200, path: '/' },
  ])
})
afterEach(() => t.close())

function post(id: string, events: object[]) {
  const body = events.map((event) => JSON.stringify(event)).join('\n')
  return t.app.handle(new Request(`${BASE_URL}/http/${id}`, { method: 'POST', body }))
}

const search = async (query: string) => {
  const response = await t.call('GET', `/events${query}`)
  return { status: response.status, body: await response.json() }
}

describe('GET /events', () => {
  test('newest first within the last 24 hours by default, as stored', async () => {
    const { status, body } = await search('')
    expect(status).toBe(200)
    expect(body.nextCursor).toBeNull()
    expect(body.results.map((event: Record<string, unknown>) => event.user ?? event.status)).toEqual([
      200,
      500,
      'bob',
      'ann',
    ])
    expect(body.results[3]).toMatchObject({ p_log_type: 'Custom.Login', p_source_label: 'a', user: 'ann' })
  })

  test('sourceId, logType, from, to and q narrow the results', async () => {
    const ids = (body: { results: Record<string, unknown>[] }) => body.results.map((event) => event.p_row_id)
    expect((await search(`?sourceId=${b}`)).body.results).toHaveLength(2)
    expect((await search('?logType=Custom.Login')).body.results).toHaveLength(2)
    const from = new Date(t.clock.now - 48 * 3_600_000).toISOString()
    expect((await search(`?logType=Custom.Login&from=${from}`)).body.results).toHaveLength(3)
    const to = new Date(t.clock.now - 90 * 60_000).toISOString()
    expect(
      (await search(`?logType=Custom.Login&to=${to}`)).body.results.map((e: { user: string }) => e.user),
    ).toEqual(['bob'])
    expect((await search(`?q=${encodeURIComponent('status >= 500')}`)).body.results).toHaveLength(1)
    expect((await search(`?q=${encodeURIComponent('connection RESET')}`)).body.results).toHaveLength(1)
    const both = await search(`?q=${encodeURIComponent('user = ann OR path = "/"')}`)
    expect(ids(both.body)).toHaveLength(2)
  })

  test('a time of day needs its offset from UTC; a date alone is midnight UTC', async () => {
    for (const field of ['from', 'to']) {
      const refused = await search(`?${field}=2026-11-28T00:00:00`)
      expect(refused.status).toBe(400)
      expect(refused.body.error.field).toBe(field)
      expect(refused.body.message).toContain('offset from UTC')
    }
    expect((await search('?from=2026-11-27T00:00:00%2B01:00')).status).toBe(200)
    expect((await search('?from=2026-11-27')).status).toBe(200)
  })

  test('from and to take now and a time ago, as the CLI does', async () => {
    const users = async (query: string) =>
      (await search(`?logType=Custom.Login${query}`)).body.results.map((e: { user: string }) => e.user)
    expect(await users('&from=-90m&to=now')).toEqual(['ann'])
    expect((await users('&from=-2d&to=-90m')).sort()).toEqual(['bob', 'old'])
    expect((await users('&from=-1w')).sort()).toEqual(['ann', 'bob', 'old'])
    const refused = await search('?from=-15x')
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain('a time ago such as -15m')
  })

  test('a sourceId in upper case finds the same events', async () => {
    expect((await search(`?sourceId=${b.toUpperCase()}`)).body.results).toHaveLength(2)
  })

  test('pages follow nextCursor to the end, each event once', async () => {
    const first = await search('?limit=3')
    expect(first.body.results).toHaveLength(3)
    expect(first.body.nextCursor).toBeString()
    const second = await search(`?limit=3&cursor=${first.body.nextCursor}`)
    expect(second.body.results).toHaveLength(1)
    const seen = [...first.body.results, ...second.body.results].map((event) => event.p_row_id)
    expect(new Set(seen).size).toBe(4)
  })

  test('bad parameters are 400 naming the problem; no key is 401; a deleted source is still searched', async () => {
    const badQuery = await search(`?q=${encodeURIComponent('user = ')}`)
    expect(badQuery.status).toBe(400)
    expect(badQuery.body.error.code).toBe('INVALID_QUERY')
    expect(badQuery.body.message).toMatch(/position \d+/)
    expect((await search('?from=yesterday')).body.message).toStartWith('from:')
    expect((await search('?from=2026-11-28T00:00:00Z&to=2026-11-27T00:00:00Z')).status).toBe(400)
    expect((await search('?cursor=nonsense')).body.message).toStartWith('cursor:')
    for (const limit of ['10001', '0', 'abc', '1.5', '']) {
      const refused = await search(`?limit=${limit}`)
      expect(refused.status).toBe(400)
      expect(refused.body.error.field).toBe('limit')
      expect(refused.body.message).toBe('limit: must be a whole number from 1 to 10000')
    }
    expect((await search('?sourceId=not-an-id')).body.message).toStartWith('sourceId:')
    // A deleted source's events stay searchable until retention removes them.
    t.registry.sources.remove(b)
    expect((await search(`?sourceId=${b}`)).body.results).toHaveLength(2)
    expect((await t.call('GET', '/events', { key: null })).status).toBe(401)
  })
})

describe('GET /events/count', () => {
  test('counts matching events with a zero-filled histogram over the range', async () => {
    const from = new Date(t.clock.now - 3 * 3_600_000).toISOString()
    const to = new Date(t.clock.now).toISOString()
    const { status, body } = await search(`/count?logType=Custom.Login&from=${from}&to=${to}&interval=1h`)
    expect(status).toBe(200)
    expect(body.count).toBe(2)
    expect(body.partial).toBe(false)
    expect(body.buckets).toHaveLength(4)
    expect(body.buckets.map((bucket: { count: number }) => bucket.count)).toEqual([0, 1, 1, 0])
    expect(body.buckets[0].time).toBe('2026-11-28T09:00:00.000Z')
  })

  test('an interval too fine for the range is 400', async () => {
    const from = '2020-01-01T00:00:00Z'
    const { status, body } = await search(`/count?from=${from}&interval=1m`)
    expect(status).toBe(400)
    expect(body.message).toStartWith('interval:')
  })
})
