import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { silentLogger } from '../../src/logger.ts'
import { openRegistry, type Registry } from '../../src/registry/index.ts'
import { migrate } from '../../src/registry/migrations.ts'
import {
  createSystemErrorStore,
  MESSAGE_CHARS_MAX,
  RESOLVED_KEPT_MAX,
} from '../../src/registry/system-errors.ts'
import { openDatabase } from '../../src/runtime/sqlite.ts'
import { TEST_API_KEY, tempDir } from '../helpers.ts'

const T0 = Date.parse('2026-11-28T12:00:00Z')
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString()

let dir: ReturnType<typeof tempDir>
let clock: { now: number }
let registry: Registry
beforeEach(async () => {
  dir = tempDir()
  clock = { now: T0 }
  registry = await openRegistry({
    dataDir: dir.path,
    envApiKey: TEST_API_KEY,
    logger: silentLogger,
    clock: () => clock.now,
  })
})
afterEach(() => {
  registry.close()
  dir[Symbol.dispose]()
})

const FAILURES = 'SOURCE_CLASSIFICATION_FAILURES'

describe('raise and resolve', () => {
  test('a repeat while open bumps the count, message and lastSeenAt of the one open error', () => {
    const errors = registry.systemErrors
    const first = errors.raise({ type: FAILURES, sourceId: 'src-1', message: '1 event failed' })
    expect(first.opened).toBe(true)
    expect(first.error).toEqual({
      id: first.error.id,
      type: FAILURES,
      sourceId: 'src-1',
      message: '1 event failed',
      state: 'open',
      count: 1,
      firstSeenAt: at(0),
      lastSeenAt: at(0),
      resolvedAt: null,
    })
    clock.now += 60_000
    const again = errors.raise({ type: FAILURES, sourceId: 'src-1', message: '5 events failed', count: 5 })
    expect(again.opened).toBe(false)
    expect(again.error).toMatchObject({
      id: first.error.id,
      message: '5 events failed',
      count: 6,
      firstSeenAt: at(0),
      lastSeenAt: at(1),
    })
    expect(errors.list()).toHaveLength(1)
  })

  test('errors are told apart by type and source; system-wide ones (no source) too', () => {
    const errors = registry.systemErrors
    errors.raise({ type: FAILURES, sourceId: 'a', message: 'm' })
    errors.raise({ type: FAILURES, sourceId: 'b', message: 'm' })
    errors.raise({ type: 'SOURCE_NO_DATA', sourceId: 'a', message: 'm' })
    expect(errors.raise({ type: 'DISK_LOW', sourceId: null, message: 'm' }).opened).toBe(true)
    expect(errors.raise({ type: 'DISK_LOW', sourceId: null, message: 'm' }).opened).toBe(false)
    expect(errors.list({ state: 'open' })).toHaveLength(4)
    expect(
      errors
        .list({ sourceId: 'a' })
        .map((error) => error.type)
        .sort(),
    ).toEqual([FAILURES, 'SOURCE_NO_DATA'])
  })

  test('resolve closes the open error once; the next raise opens a new one', () => {
    const errors = registry.systemErrors
    const { error } = errors.raise({ type: 'SOURCE_NO_DATA', sourceId: 's', message: 'quiet for 15 minutes' })
    clock.now += 120_000
    const resolved = errors.resolve('SOURCE_NO_DATA', 's')
    expect(resolved).toMatchObject({ id: error.id, state: 'resolved', resolvedAt: at(2), count: 1 })
    expect(errors.resolve('SOURCE_NO_DATA', 's')).toBeNull()
    expect(errors.resolve('SOURCE_NO_DATA', 'other')).toBeNull()
    const reopened = errors.raise({ type: 'SOURCE_NO_DATA', sourceId: 's', message: 'quiet again' })
    expect(reopened.opened).toBe(true)
    expect(reopened.error.id).not.toBe(error.id)
    expect(errors.list().map((e) => [e.id, e.state])).toEqual([
      [reopened.error.id, 'open'],
      [error.id, 'resolved'],
    ])
  })

  test('a long message is cut to a bounded length', () => {
    const { error } = registry.systemErrors.raise({
      type: FAILURES,
      sourceId: 's',
      message: 'x'.repeat(100_000),
    })
    expect(error.message.length).toBe(MESSAGE_CHARS_MAX)
    expect(error.message.endsWith('…')).toBe(true)
  })

  test('a count that is not a positive whole number is a programming error', () => {
    for (const count of [0, -1, 1.5]) {
      expect(() =>
        registry.systemErrors.raise({ type: FAILURES, sourceId: 's', message: 'm', count }),
      ).toThrow(/assertion failed/)
    }
  })
})

describe('list', () => {
  test('open first (latest seen first), then resolved newest first; filters and limit apply', () => {
    const errors = registry.systemErrors
    for (let i = 0; i < 6; i++) {
      clock.now += 60_000
      errors.raise({ type: `T${i}`, sourceId: i % 2 === 0 ? 'even' : 'odd', message: `error ${i}` })
    }
    for (const i of [1, 4, 2]) {
      clock.now += 60_000
      errors.resolve(`T${i}`, i % 2 === 0 ? 'even' : 'odd')
    }
    expect(errors.list().map((e) => e.type)).toEqual(['T5', 'T3', 'T0', 'T2', 'T4', 'T1'])
    expect(errors.list({ state: 'resolved' }).map((e) => e.type)).toEqual(['T2', 'T4', 'T1'])
    expect(errors.list({ state: 'open', sourceId: 'even' }).map((e) => e.type)).toEqual(['T0'])
    expect(errors.list({ limit: 2 }).map((e) => e.type)).toEqual(['T5', 'T3'])
    expect(errors.list({ sourceId: 'none' })).toEqual([])
  })

  test('the default limit is 100 and no more than 1000 are ever returned', async () => {
    const db = await openDatabase(join(dir.path, 'bulk.db'))
    migrate(db)
    const errors = createSystemErrorStore({ db, clock: () => clock.now, writeAlert: () => {} })
    for (let i = 0; i < 1001; i++) errors.raise({ type: 'T', sourceId: `s${i}`, message: 'm' })
    expect(errors.list()).toHaveLength(100)
    expect(errors.list({ limit: 5000 })).toHaveLength(1000)
    db.close()
  })
})

test(`at most ${RESOLVED_KEPT_MAX} resolved errors are kept, the oldest dropped first`, async () => {
  const db = await openDatabase(join(dir.path, 'bounded.db'))
  migrate(db)
  const errors = createSystemErrorStore({ db, clock: () => clock.now, writeAlert: () => {} })
  for (let i = 0; i < RESOLVED_KEPT_MAX + 5; i++) {
    clock.now += 1000
    errors.raise({ type: 'SOURCE_NO_DATA', sourceId: `s${i}`, message: 'quiet' })
    errors.resolve('SOURCE_NO_DATA', `s${i}`)
  }
  errors.raise({ type: 'SOURCE_NO_DATA', sourceId: 'still-open', message: 'quiet' })
  const count = db.prepare<{ n: number }>("SELECT COUNT(*) AS n FROM system_errors WHERE state = 'resolved'")
  expect(count.get()?.n).toBe(RESOLVED_KEPT_MAX)
  const oldest = db.prepare<{ source_id: string }>(
    "SELECT source_id FROM system_errors WHERE state = 'resolved' ORDER BY resolved_at LIMIT 1",
  )
  expect(oldest.get()?.source_id).toBe('s5')
  expect(errors.list({ state: 'open' }).map((error) => error.sourceId)).toEqual(['still-open'])
  db.close()
})
