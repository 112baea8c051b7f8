import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { type TestApp, testApp } from '../helpers.ts'

let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(() => t.close())

const list = async (query = '', key?: string | null) => {
  const response = await t.call('GET', `/system-errors${query}`, { key })
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

describe('GET /system-errors', () => {
  test('401 without the key, even with a query it would refuse', async () => {
    expect((await list('', null)).status).toBe(401)
    expect((await list('?limit=zero', 'wrong-key-wrong-key')).status).toBe(401)
  })

  test('open errors first, then resolved ones; filters by state and source; limit', async () => {
    const errors = t.registry.systemErrors
    errors.raise({ type: 'SOURCE_NO_DATA', sourceId: 'a', message: 'no events for 15 minutes' })
    t.clock.now += 60_000
    errors.raise({ type: 'SOURCE_CLASSIFICATION_FAILURES', sourceId: 'b', message: '3 events', count: 3 })
    t.clock.now += 60_000
    errors.resolve('SOURCE_NO_DATA', 'a')
    const all = await list()
    expect(all.status).toBe(200)
    expect(all.body.results).toEqual([
      {
        id: expect.any(Number),
        type: 'SOURCE_CLASSIFICATION_FAILURES',
        sourceId: 'b',
        message: '3 events',
        state: 'open',
        count: 3,
        firstSeenAt: '2026-11-28T12:01:00.000Z',
        lastSeenAt: '2026-11-28T12:01:00.000Z',
        resolvedAt: null,
      },
      expect.objectContaining({
        type: 'SOURCE_NO_DATA',
        state: 'resolved',
        resolvedAt: '2026-11-28T12:02:00.000Z',
      }),
    ])
    expect((await list('?state=resolved')).body.results.map((e: any) => e.sourceId)).toEqual(['a'])
    expect((await list('?state=open&sourceId=a')).body.results).toEqual([])
    expect((await list('?sourceId=a')).body.results).toHaveLength(1)
    expect((await list('?limit=1')).body.results.map((e: any) => e.state)).toEqual(['open'])
  })

  test.each(['?state=closed', '?limit=0', '?limit=1001', '?limit=ten'])('%s is a 400', async (query) => {
    const { status, body } = await list(query)
    expect(status).toBe(400)
    expect(body.error.code).toBe('VALIDATION_ERROR')
  })
})
