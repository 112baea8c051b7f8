/**
 * The inference job over a real event log: drafts per source, resumed from the last seq read, capped at
 * the sample size, and kept up to date in the background for sources without log types only.
 */
import { afterEach, beforeEach, expect, test } from 'bun:test'
import { EVENTLOG_DEFAULTS, type EventLog, openEventLog } from '../../src/eventlog/index.ts'
import { silentLogger } from '../../src/logger.ts'
import type { SourceRecord } from '../../src/registry/sources.ts'
import { InferenceJob } from '../../src/schemas/job.ts'
import { parseSchemaSpec } from '../../src/schemas/spec.ts'
import { tempDir } from '../helpers.ts'

const WAITING = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
const TYPED = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
const OTHER = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc'
const sources = [
  { id: WAITING, label: 'waiting', logTypes: [] },
  { id: TYPED, label: 'typed', logTypes: ['Custom.X'] },
  { id: OTHER, label: 'other', logTypes: [] },
] as unknown as SourceRecord[]

let dir: ReturnType<typeof tempDir>
let log: EventLog
const jobs: InferenceJob[] = []
beforeEach(async () => {
  dir = tempDir()
  log = await openEventLog({ ...EVENTLOG_DEFAULTS, dir: dir.path }, { logger: silentLogger })
})
afterEach(async () => {
  for (const job of jobs.splice(0)) job.close()
  await log.close()
  dir[Symbol.dispose]()
})

function job(options: { sampleEventsMax?: number; intervalMs?: number } = {}) {
  const made = new InferenceJob({
    log,
    sources: {
      list: () => sources,
      get: (id) => {
        const found = sources.find((source) => source.id === id)
        if (!found) throw new Error('no such source')
        return found
      },
    },
    logger: silentLogger,
    sampleEventsMax: options.sampleEventsMax ?? 100,
    intervalMs: options.intervalMs ?? 0,
  })
  jobs.push(made)
  return made
}

async function append(sourceId: string, events: Record<string, unknown>[]) {
  const encoder = new TextEncoder()
  await log.append(
    events.map((event) => ({
      payload: encoder.encode(JSON.stringify({ ...event, p_source_id: sourceId, p_row_id: 'x' })),
      eventTimeMs: 0,
      sourceId,
    })),
  )
}

const fieldNames = (spec: string) => parseSchemaSpec(spec).fields.map((field) => field.name)

test('a draft reads only its source, resumes after the last seq and widens with new events', async () => {
  const inference = job()
  await append(WAITING, [{ a: 1 }])
  await append(TYPED, [{ other: 'x' }])
  const first = await inference.infer(WAITING)
  expect(first.eventsSampled).toBe(1)
  expect(fieldNames(first.spec)).toEqual(['a'])
  await append(WAITING, [{ a: 1.5, b: 'new' }])
  const second = await inference.infer(WAITING)
  expect(second.eventsSampled).toBe(2)
  expect(parseSchemaSpec(second.spec).fields).toEqual([
    { name: 'a', type: 'float', required: true },
    { name: 'b', type: 'string' },
  ])
})

test('a draft stops taking events at the sample size', async () => {
  const inference = job({ sampleEventsMax: 3 })
  await append(WAITING, [{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4, late: true }])
  const draft = await inference.infer(WAITING)
  expect(draft.eventsSampled).toBe(3)
  expect(fieldNames(draft.spec)).toEqual(['a'])
})

test('the background pass visits sources without log types', async () => {
  await append(WAITING, [{ a: 1 }])
  await append(TYPED, [{ b: 1 }])
  const inference = job({ intervalMs: 5 })
  const reads: string[] = []
  const read = log.read.bind(log)
  log.read = (query) => {
    reads.push(...(query.sourceIds ?? []))
    return read(query)
  }
  inference.start()
  for (let i = 0; i < 200 && reads.length === 0; i++) await Bun.sleep(5)
  expect(reads).toContain(WAITING)
  expect(reads).not.toContain(TYPED)
  // Asked for later, the draft is already there: nothing new to read, but the events are counted.
  expect((await inference.infer(WAITING)).eventsSampled).toBe(1)
})

test('a background pass reads the log once for every source waiting, each draft taking only its own events', async () => {
  for (let i = 0; i < 5; i++) {
    await append(WAITING, [{ a: i }])
    await append(OTHER, [{ o: `x${i}` }, { o: `y${i}` }])
    await append(TYPED, [{ b: i }])
  }
  const inference = job({ intervalMs: 5 })
  const reads: (readonly string[] | undefined)[] = []
  const read = log.read.bind(log)
  log.read = (query) => {
    reads.push(query.sourceIds)
    return read(query)
  }
  inference.start()
  for (let i = 0; i < 200 && reads.length === 0; i++) await Bun.sleep(5)
  await Bun.sleep(20)
  expect(reads[0]).toEqual([WAITING, OTHER])
  inference.close()
  expect((await inference.infer(WAITING)).eventsSampled).toBe(5)
  expect((await inference.infer(OTHER)).eventsSampled).toBe(10)
  expect((await inference.infer(OTHER)).spec).toContain('name: o')
})
