/**
 * Source health across restarts of the real server: the totals survive a clean stop exactly; after a
 * crash (SIGKILL) the events appended since the last flush are read back from the log, so `eventsTotal`
 * and `lastEventReceivedAtTime` come back, each event counted once whether or not a flush happened
 * before the crash. Also GET /metrics, read with the admin key.
 */
import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { tempDir } from '../helpers.ts'
import { type RunningInlet, startInlet } from './server.ts'

const API_KEY = 'e2e-health-api-key-0001'
const ENV = { INLET_API_KEY: API_KEY }
/** Each test starts servers, some two or three times over. */
const TIMEOUT_MS = 15_000

interface Health {
  isHealthy: boolean
  lastEventReceivedAtTime: string | null
  eventsTotal: number
  bytesTotal: number
  requestsTotal: number
  classificationFailuresTotal: number
  authFailuresTotal: number
  alarms: { type: string; state: string; minutesThreshold: number; stateChangedAt: string }[]
}

type Source = { integrationId: string } & Record<string, string>

async function api(inlet: RunningInlet, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${inlet.url}${path}`, {
    method,
    headers: { 'x-api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

async function createSource(inlet: RunningInlet, label: string, authMethod: string): Promise<Source> {
  const response = await api(inlet, 'POST', '/log-sources/http', { integrationLabel: label, authMethod })
  expect(response.status).toBe(201)
  return (await response.json()) as Source
}

async function healthOf(inlet: RunningInlet, id: string): Promise<Health> {
  const response = await api(inlet, 'GET', `/log-sources/http/${id}/health`)
  expect(response.status).toBe(200)
  return (await response.json()) as Health
}

/** Sends `count` NDJSON events in one request and expects them all accepted; the body's bytes. */
async function sendEvents(inlet: RunningInlet, id: string, count: number, tag: string): Promise<number> {
  const body = Array.from({ length: count }, (_, n) => JSON.stringify({ tag, n })).join('\n')
  const response = await fetch(`${inlet.url}/http/${id}`, { method: 'POST', body })
  expect(response.status).toBe(200)
  expect(await response.json()).toEqual({ accepted: count })
  return Buffer.byteLength(body)
}

/** Polls `read` until `done` holds for what it returned, or `ms` have passed: the last value read. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 3_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await Bun.sleep(25)
  }
}

/**
 * The health of a source once the server restarted after a crash has read the log back: it takes
 * requests while it reads, so a read that comes first may find the totals still short. Polled until the
 * count reaches `events`; whatever it then says is returned, so a count above it is seen, not waited out.
 */
async function recoveredHealth(inlet: RunningInlet, id: string, events: number): Promise<Health> {
  return until(
    () => healthOf(inlet, id),
    (health) => health.eventsTotal >= events,
  )
}

/** The events the registry holds as flushed for a source, read beside the running server (WAL allows it). */
function flushedEvents(dataDir: string, id: string): number | null {
  const db = new Database(join(dataDir, 'registry.db'), { readonly: true })
  try {
    const row = db.query('SELECT events FROM source_counters WHERE source_id = ?').get(id) as {
      events: number
    } | null
    return row?.events ?? null
  } finally {
    db.close()
  }
}

/** A process killed by a signal has no exit code, only a signal code. */
const running = (inlet: RunningInlet) => inlet.process.exitCode === null && inlet.process.signalCode === null

const alarmState = (health: Health) => health.alarms.find((a) => a.type === 'SOURCE_NO_DATA')?.state

describe('source health across restarts', () => {
  test(
    'after SIGTERM and a restart on the same data, every total reads back identical',
    async () => {
      using dir = tempDir('inlet-e2e-health-')
      const first = await startInlet({ env: ENV, dataDir: dir.path })
      let second: RunningInlet | undefined
      try {
        const open = await createSource(first, 'health-open', 'None')
        const bearer = await createSource(first, 'health-bearer', 'Bearer')
        let bytes = 0
        for (const [count, tag] of [
          [3, 'a'],
          [5, 'b'],
          [2, 'c'],
        ] as const) {
          bytes += await sendEvents(first, open.integrationId, count, tag)
        }
        const refused = await fetch(`${first.url}/http/${bearer.integrationId}`, {
          method: 'POST',
          headers: { authorization: 'Bearer not-the-token-at-all' },
          body: '{"n":1}',
        })
        expect(refused.status).toBe(401)
        const accepted = await fetch(`${first.url}/http/${bearer.integrationId}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer.authBearerToken}` },
          body: '{"n":2}',
        })
        expect(accepted.status).toBe(200)

        // The alarm is judged just after the source's first event; the state it left is what a restart finds.
        const openBefore = await until(
          () => healthOf(first, open.integrationId),
          (health) => alarmState(health) === 'OK',
        )
        expect(alarmState(openBefore)).toBe('OK')
        expect(openBefore).toMatchObject({
          eventsTotal: 10,
          bytesTotal: bytes,
          requestsTotal: 3,
          authFailuresTotal: 0,
          classificationFailuresTotal: 0,
        })
        expect(openBefore.lastEventReceivedAtTime).toBeString()
        const bearerBefore = await healthOf(first, bearer.integrationId)
        expect(bearerBefore).toMatchObject({
          eventsTotal: 1,
          bytesTotal: 7,
          requestsTotal: 2,
          authFailuresTotal: 1,
        })

        const stopped = await first.stop()
        expect(stopped.code).toBe(0)
        second = await startInlet({ env: ENV, dataDir: dir.path })
        const openAfter = await healthOf(second, open.integrationId)
        const bearerAfter = await healthOf(second, bearer.integrationId)
        // Alarm states are judged again after the restart; the totals must not move at all.
        const totals = ({ alarms: _alarms, ...rest }: Health) => rest
        expect(totals(openAfter)).toEqual(totals(openBefore))
        expect(totals(bearerAfter)).toEqual(totals(bearerBefore))
        expect(alarmState(openAfter)).toBe('OK')
      } finally {
        if (running(first)) await first.kill()
        if (second && running(second)) await second.stop()
      }
    },
    TIMEOUT_MS,
  )

  test(
    'after SIGKILL before any flush, events and the last event time come back from the log',
    async () => {
      using dir = tempDir('inlet-e2e-health-')
      // No flush before the kill: everything counted in memory is lost with the process.
      const env = { ...ENV, INLET_HEALTH_COUNTERS_FLUSH_INTERVAL_MS: '60000' }
      const first = await startInlet({ env, dataDir: dir.path })
      let second: RunningInlet | undefined
      try {
        const source = await createSource(first, 'health-crash', 'None')
        let sent = 0
        for (const count of [4, 7, 1]) {
          await sendEvents(first, source.integrationId, count, `crash-${count}`)
          sent += count
        }
        const before = await healthOf(first, source.integrationId)
        expect(before.eventsTotal).toBe(sent)
        const lastBefore = Date.parse(before.lastEventReceivedAtTime!)
        // The alarm waits for the source's first event and is judged right after it.
        const judged = await until(
          () => healthOf(first, source.integrationId),
          (h) => alarmState(h) === 'OK',
        )
        expect(alarmState(judged)).toBe('OK')

        // Nothing was flushed: the registry holds no counters for the source when the process dies.
        expect(flushedEvents(dir.path, source.integrationId)).toBeNull()
        await first.kill()
        second = await startInlet({ env, dataDir: dir.path })
        const after = await recoveredHealth(second, source.integrationId, sent)
        expect(after.eventsTotal).toBe(sent)
        // In memory the last event time is taken once the request's events are stored; read back from the
        // log it is the newest event's p_parse_time, stamped before the store, so it may be a few ms
        // earlier, never later. Both name the arrival of the same request.
        const lastAfter = Date.parse(after.lastEventReceivedAtTime!)
        expect(lastAfter).toBeLessThanOrEqual(lastBefore)
        expect(lastBefore - lastAfter).toBeLessThan(1_000)
        // The alarm is judged on the recovered last event, seconds old: far inside its 1440 minutes.
        expect(alarmState(after)).toBe('OK')
        expect(after.isHealthy).toBe(true)
        const alarm = await api(second, 'GET', `/log-source-alarms/${source.integrationId}/SOURCE_NO_DATA`)
        expect(alarm.status).toBe(200)
        expect(await alarm.json()).toMatchObject({ state: 'OK', minutesThreshold: 1440 })

        const { stderr, code } = await second.stop()
        expect(code).toBe(0)
        expect(stderr).toContain('source counters recovered from the event log')
      } finally {
        if (running(first)) await first.kill()
        if (second && running(second)) await second.kill()
      }
    },
    TIMEOUT_MS,
  )

  test(
    'after SIGKILL following a flush, events before and after it are each counted once',
    async () => {
      using dir = tempDir('inlet-e2e-health-')
      const env = { ...ENV, INLET_HEALTH_COUNTERS_FLUSH_INTERVAL_MS: '200' }
      const first = await startInlet({ env, dataDir: dir.path })
      let second: RunningInlet | undefined
      let third: RunningInlet | undefined
      try {
        const source = await createSource(first, 'health-flushed', 'None')
        const batchA = 6
        await sendEvents(first, source.integrationId, batchA, 'a')
        // Batch A is in the registry, with the log seq it covers, before batch B is sent.
        const flushed = await until(
          async () => flushedEvents(dir.path, source.integrationId),
          (events) => events === batchA,
          3_000,
        )
        expect(flushed).toBe(batchA)
        const batchB = 9
        await sendEvents(first, source.integrationId, batchB, 'b')
        await first.kill()

        second = await startInlet({ env, dataDir: dir.path })
        // A flush that caught batch B before the kill is no error either: it is then not read back.
        const after = await recoveredHealth(second, source.integrationId, batchA + batchB)
        expect(after.eventsTotal).toBe(batchA + batchB)
        expect((await second.stop()).code).toBe(0)

        // What was read back is flushed on the clean stop: a third start reads the same count at once.
        third = await startInlet({ env, dataDir: dir.path })
        expect((await healthOf(third, source.integrationId)).eventsTotal).toBe(batchA + batchB)
      } finally {
        if (running(first)) await first.kill()
        if (second && running(second)) await second.kill()
        if (third && running(third)) await third.stop()
      }
    },
    TIMEOUT_MS,
  )
})

describe('GET /metrics on the running server', () => {
  test(
    'the admin key reads the per-source event counter',
    async () => {
      const inlet = await startInlet({ env: ENV })
      try {
        const source = await createSource(inlet, 'health-metrics', 'None')
        await sendEvents(inlet, source.integrationId, 3, 'metrics')
        const response = await api(inlet, 'GET', '/metrics')
        expect(response.status).toBe(200)
        expect(response.headers.get('content-type')).toStartWith('text/plain')
        const text = await response.text()
        expect(text).toContain(`inlet_ingest_events_total{source="${source.integrationId}"} 3`)
        const refused = await fetch(`${inlet.url}/metrics`)
        expect(refused.status).toBe(401)
      } finally {
        await inlet.stop()
      }
    },
    TIMEOUT_MS,
  )
})
