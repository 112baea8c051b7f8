/**
 * The SOURCE_NO_DATA alarm end to end: the real server (`runServe`, in this process so that its clock can
 * be moved) on loopback with a temporary data directory, a source created and fed over HTTP, the clock
 * moved past the threshold, and a receiver on loopback that gets the firing and then the clearing as
 * Standard Webhooks alerts, checked with the `standardwebhooks` package rather than the sender's code.
 *
 * The server's clock stands still unless a test moves it; real time only bounds the polling.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Webhook } from 'standardwebhooks'
import { runServe } from '../../src/cli/serve.ts'
import { type Answer, type Received, startReceiver, stopReceivers } from '../health/alerts-fixtures.ts'
import { tempDir } from '../helpers.ts'

const API_KEY = 'e2e-alarm-api-key-0001'
const SECRET = `whsec_${randomBytes(32).toString('base64')}`
const MINUTE_MS = 60_000
const THRESHOLD_MINUTES = 15
const LABEL = 'quiet sender'
/** Each test takes a second or two; the polls give up after 5 s each. */
const TEST_TIMEOUT_MS = 15_000

interface Alarmed {
  url: string
  /** The server's wall clock, in ms; moved by the test. */
  clock: { now: number }
  get(path: string): Promise<Record<string, unknown>>
  createSource(): Promise<{ id: string; token: string }>
  sendEvent(source: { id: string; token: string }): Promise<void>
}

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  stopReceivers()
})

/**
 * The receiver checks `webhook-timestamp` against its own (real) clock and refuses anything more than
 * 5 minutes away, and the server stamps each delivery with its own clock, the one the test moves. So the
 * server's clock starts 18 minutes behind the real time: after the 16 minutes that fire the alarm and
 * the minute more spent in ALARM, it is within 2 minutes of the real time, and the signatures are checked
 * by the library in full, the timestamp check included, with nothing stubbed.
 */
async function startAlarmed(receiverUrl: string): Promise<Alarmed> {
  const dir = tempDir('inlet-alarm-e2e-')
  cleanups.push(() => dir[Symbol.dispose]())
  // An empty config file, so that the repository's config/inlet.toml plays no part.
  const configFile = join(dir.path, 'inlet.toml')
  writeFileSync(configFile, '')
  const clock = { now: Date.now() - 18 * MINUTE_MS }
  const lines: string[] = []
  const serving = await runServe({
    configFile,
    flags: { listen: '127.0.0.1:0', data_dir: join(dir.path, 'data') },
    env: {
      INLET_API_KEY: API_KEY,
      INLET_ALERTS_WEBHOOK_URL: receiverUrl,
      INLET_ALERTS_WEBHOOK_SECRET: SECRET,
      INLET_HEALTH_ALARM_CHECK_INTERVAL_MS: '100',
      INLET_LOG_LEVEL: 'error',
      // The server shares this process with the test runner, whose memory is not the server's to watch.
      INLET_INGEST_MEMORY_MAX: String(8 * 1024 ** 3),
    },
    out: (line) => lines.push(line),
    clock: () => clock.now,
  })
  cleanups.push(() => serving.stop())
  const url = lines.map((line) => /listening on (\S+)/.exec(line)?.[1]).find(Boolean)
  if (!url) throw new Error(`no listening line in ${JSON.stringify(lines)}`)
  const admin = { 'x-api-key': API_KEY, 'content-type': 'application/json' }

  return {
    url,
    clock,
    async get(path) {
      const response = await fetch(`${url}${path}`, { headers: admin })
      expect(response.status).toBe(200)
      return (await response.json()) as Record<string, unknown>
    },
    async createSource() {
      const response = await fetch(`${url}/log-sources/http`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({
          integrationLabel: LABEL,
          authMethod: 'Bearer',
          noDataAlarm: { minutesThreshold: THRESHOLD_MINUTES },
        }),
      })
      expect(response.status).toBe(201)
      const source = (await response.json()) as { integrationId: string; authBearerToken: string }
      return { id: source.integrationId, token: source.authBearerToken }
    },
    async sendEvent(source) {
      const response = await fetch(`${url}/http/${source.id}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${source.token}` },
        body: '{"action":"push","n":1}\n',
      })
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ accepted: 1 })
    },
  }
}

/** Reads `read` every 20 ms until `done` holds; fails with the last value after `timeoutMs` of real time. */
async function until<T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`)
    await Bun.sleep(20)
  }
}

const alarmState = async (server: Alarmed, id: string) =>
  (await server.get(`/log-source-alarms/${id}/SOURCE_NO_DATA`)).state

interface SystemErrorRow {
  type: string
  sourceId: string | null
  state: 'open' | 'resolved'
  count: number
  resolvedAt: string | null
}

const systemErrors = async (server: Alarmed) =>
  (await server.get('/system-errors')).results as SystemErrorRow[]

const verify = (received: Received) => new Webhook(SECRET).verify(received.body, received.headers)
const iso = (ms: number) => new Date(ms).toISOString()

describe('SOURCE_NO_DATA over HTTP, alert to a receiver', () => {
  test(
    'a source goes quiet past a short threshold and the receiver gets the signed alert',
    async () => {
      const receiver = startReceiver()
      const server = await startAlarmed(receiver.url)
      const source = await server.createSource()
      expect(await server.get(`/log-source-alarms/${source.id}/SOURCE_NO_DATA`)).toMatchObject({
        integrationId: source.id,
        type: 'SOURCE_NO_DATA',
        minutesThreshold: THRESHOLD_MINUTES,
        state: 'INSUFFICIENT_DATA',
      })

      await server.sendEvent(source)
      const firstEventAt = server.clock.now
      await until(
        'the alarm to be OK',
        () => alarmState(server, source.id),
        (state) => state === 'OK',
      )
      expect(receiver.received).toHaveLength(0)

      // Quiet for 16 minutes: the next check (every 100 ms) fires the alarm.
      server.clock.now += 16 * MINUTE_MS
      const firedAt = server.clock.now
      await until(
        'the firing alert',
        () => receiver.received.length,
        (n) => n >= 1,
      )
      const fired = receiver.received[0]!
      expect(verify(fired)).toEqual({
        type: 'SOURCE_NO_DATA',
        state: 'ALARM',
        sourceId: source.id,
        sourceLabel: LABEL,
        minutesThreshold: THRESHOLD_MINUTES,
        lastEventReceivedAtTime: iso(firstEventAt),
        at: iso(firedAt),
        message: expect.stringContaining(`source '${LABEL}' has received no events for 16 minutes`),
      })
      expect(fired.headers['webhook-timestamp']).toBe(String(Math.floor(firedAt / 1000)))
      expect(fired.headers['webhook-id']).toMatch(/^msg_/)
      expect(() =>
        new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(fired.body, fired.headers),
      ).toThrow()

      expect(await alarmState(server, source.id)).toBe('ALARM')
      const opened = (await systemErrors(server)).filter((error) => error.type === 'SOURCE_NO_DATA')
      expect(opened).toEqual([
        expect.objectContaining({ sourceId: source.id, state: 'open', count: 1, resolvedAt: null }),
      ])
      expect(await server.get(`/log-sources/http/${source.id}/health`)).toMatchObject({
        isHealthy: false,
        lastEventReceivedAtTime: iso(firstEventAt),
        eventsTotal: 1,
        alarms: [{ type: 'SOURCE_NO_DATA', state: 'ALARM', minutesThreshold: THRESHOLD_MINUTES }],
      })

      // Quieter still: the alarm stays in ALARM and does not fire again, however many checks run.
      server.clock.now += MINUTE_MS
      await Bun.sleep(600)
      expect(receiver.received).toHaveLength(1)
      expect(await alarmState(server, source.id)).toBe('ALARM')

      // An event clears it: a second signed alert, state OK.
      await server.sendEvent(source)
      const clearedAt = server.clock.now
      await until(
        'the clearing alert',
        () => receiver.received.length,
        (n) => n >= 2,
      )
      const cleared = receiver.received[1]!
      expect(verify(cleared)).toEqual({
        type: 'SOURCE_NO_DATA',
        state: 'OK',
        sourceId: source.id,
        sourceLabel: LABEL,
        minutesThreshold: THRESHOLD_MINUTES,
        lastEventReceivedAtTime: iso(clearedAt),
        at: iso(clearedAt),
        message: expect.stringContaining(`source '${LABEL}' receives events again`),
      })
      expect(cleared.headers['webhook-timestamp']).toBe(String(Math.floor(clearedAt / 1000)))
      expect(cleared.headers['webhook-id']).not.toBe(fired.headers['webhook-id'])

      expect(await alarmState(server, source.id)).toBe('OK')
      const errors = await systemErrors(server)
      expect(errors.filter((error) => error.type === 'SOURCE_NO_DATA')).toEqual([
        expect.objectContaining({
          sourceId: source.id,
          state: 'resolved',
          count: 1,
          resolvedAt: iso(clearedAt),
        }),
      ])
      expect(errors.filter((error) => error.state === 'open')).toEqual([])
      expect(await server.get(`/log-sources/http/${source.id}/health`)).toMatchObject({
        isHealthy: true,
        lastEventReceivedAtTime: iso(clearedAt),
        eventsTotal: 2,
        alarms: [{ type: 'SOURCE_NO_DATA', state: 'OK' }],
      })
      // One episode, one firing and one clearing.
      expect(receiver.received.map((received) => JSON.parse(received.body).state)).toEqual(['ALARM', 'OK'])
    },
    TEST_TIMEOUT_MS,
  )

  test(
    'a receiver that fails the first attempt gets the alert on the retry',
    async () => {
      const answer: Answer = (_received, index) =>
        new Response(index === 0 ? 'busy' : 'ok', { status: index === 0 ? 500 : 200 })
      const receiver = startReceiver(answer)
      const server = await startAlarmed(receiver.url)
      const source = await server.createSource()
      await server.sendEvent(source)
      await until(
        'the alarm to be OK',
        () => alarmState(server, source.id),
        (state) => state === 'OK',
      )

      server.clock.now += 16 * MINUTE_MS
      const firedAt = server.clock.now
      await until(
        'the first attempt',
        () => receiver.received.length,
        (n) => n >= 1,
      )
      const failure = await until(
        'ALERT_DELIVERY_FAILURE to open',
        async () => (await systemErrors(server)).find((error) => error.type === 'ALERT_DELIVERY_FAILURE'),
        (error) => error?.state === 'open',
      )
      expect(failure?.sourceId).toBeNull()

      // The retry waits out a backoff of about a second on the server's clock, which only the test moves.
      await Bun.sleep(50)
      expect(receiver.received).toHaveLength(1)
      server.clock.now += 2000
      await until(
        'the retry',
        () => receiver.received.length,
        (n) => n >= 2,
      )
      const [first, retry] = receiver.received
      expect(retry!.headers['webhook-id']).toBe(first!.headers['webhook-id'])
      expect(retry!.body).toBe(first!.body)
      expect(retry!.headers['webhook-timestamp']).toBe(String(Math.floor(server.clock.now / 1000)))
      expect(verify(retry!)).toMatchObject({
        type: 'SOURCE_NO_DATA',
        state: 'ALARM',
        sourceId: source.id,
        at: iso(firedAt),
      })

      const resolved = await until(
        'ALERT_DELIVERY_FAILURE to be resolved',
        async () => (await systemErrors(server)).find((error) => error.type === 'ALERT_DELIVERY_FAILURE'),
        (error) => error?.state === 'resolved',
      )
      expect(resolved?.resolvedAt).not.toBeNull()
      const open = (await systemErrors(server)).filter((error) => error.state === 'open')
      expect(open).toEqual([expect.objectContaining({ type: 'SOURCE_NO_DATA', sourceId: source.id })])
      await Bun.sleep(100)
      expect(receiver.received).toHaveLength(2)
    },
    TEST_TIMEOUT_MS,
  )
})
