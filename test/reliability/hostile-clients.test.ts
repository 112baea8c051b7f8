/**
 * Hostile clients against the real server (a child process with a 1 s head timeout and a 2 s body
 * timeout), all at once, while a well-behaved client posts small NDJSON requests and times each one:
 *
 * - slowloris on the head (header bytes dripped) and on the body (a declared body dripped);
 * - a thousand idle connections, which the server must close once the head timeout passes;
 * - Content-Length declared longer than sent (the client then waits, or ends its side), and shorter
 *   than sent (the rest is read as a next request, which is no HTTP), cut at an event's end or inside one;
 * - clients that disconnect mid-body;
 * - pipelining: five POSTs written back to back, each answered in order.
 *
 * Checked: every normal request is answered 200 and stored exactly once; of the hostile requests, only
 * complete valid ones are stored, each once; nothing past a declared body is stored; the server is
 * alive at the end and stops cleanly. The normal client's latency is printed; the only bound asserted
 * on it is a generous sanity one, since a shared two-core machine makes timings noisy (bench/hostile.ts
 * runs the same mix longer and compares with the client alone). A complete request followed by bytes
 * that are no HTTP gets its 200 before the 400 for the rest.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type RunningInlet, startInlet } from '../e2e/server.ts'
import {
  createTarget,
  EXTRA_TAG,
  HOSTILE_KINDS,
  type HostileKind,
  hostilePlans,
  openFilesLimit,
  runHostile,
  runNormal,
  storedIds,
  type Tally,
  type Target,
} from './hostile-clients-traffic.ts'
import { dial, percentile, responses, Stop } from './hostile-clients-wire.ts'

const API_KEY = 'hostile-clients-api-key-01'
const HEAD_TIMEOUT_MS = 1000
const BODY_TIMEOUT_MS = 2000
const RUN_MS = 12_000
/** Files this process keeps open besides the idle connections (and the server, which inherits the limit). */
const FILES_SPARE = 300
const IDLE_CONNECTIONS = Math.min(1000, openFilesLimit() - FILES_SPARE)
/** How late past its timeout the server may close a connection on a loaded two-core machine. */
const CLOSE_SLACK_MS = 5000
const LATENCY_SANITY_MS = 1000

const PLANS = hostilePlans(IDLE_CONNECTIONS)

/** Each id in `found` once, and the same ids as `expected`. */
function expectOnce(found: string[], expected: string[]) {
  expect(new Set(found).size).toBe(found.length)
  expect([...found].sort()).toEqual([...expected].sort())
}

describe('hostile clients', () => {
  let inlet: RunningInlet
  let target: Target

  beforeAll(async () => {
    inlet = await startInlet({
      env: {
        INLET_API_KEY: API_KEY,
        INLET_SERVER_HEAD_TIMEOUT_MS: String(HEAD_TIMEOUT_MS),
        INLET_INGEST_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
        INLET_LOG_LEVEL: 'warn',
      },
    })
    target = await createTarget(inlet.url, API_KEY)
  })

  afterAll(async () => {
    if (inlet.process.exitCode === null) await inlet.stop()
  })

  test('a normal client is served, and only complete valid requests are stored, while every kind attacks', async () => {
    if (IDLE_CONNECTIONS < 1000) {
      console.log(`open-file limit allows only ${IDLE_CONNECTIONS} idle connections instead of 1000`)
    }
    const stop = new Stop()
    const normal = runNormal(target, stop, { intervalMs: 20, eventsPerRequest: 3, idPrefix: 'n' })
    const hostile = Promise.all(HOSTILE_KINDS.map((kind) => runHostile(kind, target, PLANS[kind], stop)))
    await Bun.sleep(RUN_MS)
    stop.stop()
    const [served, tallies] = await Promise.all([normal, hostile])
    const tally = Object.fromEntries(tallies.map((each) => [each.kind, each])) as Record<HostileKind, Tally>

    const latencies = served.samples.map((sample) => sample.ms)
    const p50 = percentile(latencies, 50)
    const p99 = percentile(latencies, 99)
    console.log(
      `normal client: ${latencies.length} requests, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
        `max ${Math.max(...latencies).toFixed(1)} ms`,
    )
    for (const each of tallies) {
      console.log(
        `${each.kind}: ${each.connections} connections (${each.openPeak} at once), ${each.closedByServer} closed by the server, ` +
          `answers ${JSON.stringify(each.statuses)}`,
      )
    }

    // The well-behaved client: every request answered 200, every event stored exactly once.
    expect(served.failures).toEqual([])
    expect(served.acked.length).toBeGreaterThan(0)
    expect(p99).toBeLessThan(LATENCY_SANITY_MS)
    await Bun.sleep(200)
    expectOnce(await storedIds(target, 'normal'), served.acked)

    // Connections that never finish a head are closed by the server once the head timeout passes,
    // with nothing sent back; every idle connection of at least the first wave was closed so.
    for (const kind of ['idle', 'slow-head'] as const) {
      const { statuses, serverCloseMs } = tally[kind]
      expect({
        kind,
        statuses,
        closed: serverCloseMs.length > 0,
        early: serverCloseMs.filter((ms) => ms < HEAD_TIMEOUT_MS - 50),
        late: serverCloseMs.filter((ms) => ms > HEAD_TIMEOUT_MS + CLOSE_SLACK_MS),
      }).toEqual({ kind, statuses: {}, closed: true, early: [], late: [] })
    }
    expect(tally.idle.openPeak).toBeGreaterThanOrEqual(IDLE_CONNECTIONS * 0.9)
    expect(tally.idle.closedByServer).toBeGreaterThanOrEqual(IDLE_CONNECTIONS)
    expect(tally.idle.connectFailures).toBe(0)

    // A body that does not arrive in time is a 408, and the connection is then closed.
    for (const kind of ['slow-body', 'long-length-wait'] as const) {
      const { statuses, closedByServer, serverCloseMs } = tally[kind]
      expect({
        kind,
        answered: Object.keys(statuses),
        closed: closedByServer > 0,
        late: serverCloseMs.filter((ms) => ms > BODY_TIMEOUT_MS + HEAD_TIMEOUT_MS + CLOSE_SLACK_MS),
      }).toEqual({ kind, answered: ['408'], closed: true, late: [] })
    }

    // Nothing of an incomplete, cut or invalid request is stored, nor what followed a declared body.
    for (const tag of ['slow-body', 'long-length-wait', 'long-length-close', 'short-length-mid', 'cut']) {
      expect({ tag, stored: (await storedIds(target, tag)).length }).toEqual({ tag, stored: 0 })
    }
    expect(await storedIds(target, EXTRA_TAG)).toEqual([])
    expect(tally['short-length-mid'].statuses[200]).toBeUndefined()

    // What was complete and valid as declared is stored exactly once.
    expect(tally['short-length'].complete.length).toBeGreaterThan(0)
    expectOnce(await storedIds(target, 'short-length'), tally['short-length'].complete)
    expect(tally.pipeline.problems).toEqual([])
    expect(tally.pipeline.acked.length).toBeGreaterThan(0)
    expectOnce(await storedIds(target, 'pipeline'), tally.pipeline.acked)

    // The server is alive and well.
    expect((await fetch(`${inlet.url}/healthz`)).status).toBe(200)
    expect(inlet.process.exitCode).toBeNull()
  }, 60_000)

  // A request complete as declared, followed on the same connection by bytes that are no HTTP: the
  // first request is stored, and its answer must come before the 400 for the rest (RFC 9112 §9.3.2:
  // responses in the order of the requests). The parser's 400 was written at once and the connection
  // closed, so the 200 of the stored request was never sent, and a sender that retried stored it twice.
  test('a complete request followed by garbage is answered 200 before the 400', async () => {
    const wire = await dial(target.port)
    if (wire === null) throw new Error('could not connect')
    const body = JSON.stringify({ tag: 'garbage-after', id: 'g0' })
    wire.socket.write(
      `POST /http/${target.sourceId} HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n\r\n${body}` +
        'NOT HTTP\r\n\r\n',
    )
    await wire.closed
    expect(await storedIds(target, 'garbage-after')).toEqual(['g0'])
    expect(responses(wire.text).map((answer) => answer.status)).toEqual([200, 400])
  })

  test('the server then drains and exits 0', async () => {
    const { code, stderr } = await inlet.stop()
    expect(stderr).not.toMatch(/panic|uncaught|unhandled/i)
    expect(code).toBe(0)
  })
})
