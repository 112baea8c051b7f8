/**
 * Crash under load: the server runs as a child process while senders post to one source of every stream
 * type, with every Content-Encoding and several auth modes, and is killed with SIGKILL at a moment drawn
 * from a fixed seed, then started again on the same data directory, CYCLES times. After each restart the
 * last cycle's requests are checked through `GET /events` and the total through `GET /events/count`; after
 * the last, every stored event is read and the whole ledger checked:
 *
 * - every event of a request answered 2xx is stored exactly once, as it was sent, under its source;
 * - nothing of a request answered otherwise is stored;
 * - a request cut by the kill is stored whole or not at all, and stays as the first restart showed it;
 * - no event is stored that no request sent.
 *
 * Settings (environment): CRASH_LOAD_SEED, CRASH_LOAD_CYCLES (20), CRASH_LOAD_RUN_MS (longest run of a
 * cycle before the kill, 1500; each run lasts between 20 ms and that),
 * CRASH_LOAD_SENDERS_PER_SOURCE (1).
 */
import { expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { type RunningInlet, startInlet } from '../e2e/server.ts'
import { seededRandom, tempDir } from '../helpers.ts'
import { checkStored, countStored, expectedCount, type Window } from './crash-load-check.ts'
import {
  type CycleState,
  createSources,
  type Ledger,
  type SentRequest,
  type Source,
  sendUntilKilled,
} from './crash-load-traffic.ts'

function envCount(name: string, fallback: number, min = 1): number {
  const text = process.env[name]
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}`)
  return value
}

const SEED = envCount('CRASH_LOAD_SEED', 20_261_207)
const CYCLES = envCount('CRASH_LOAD_CYCLES', 20)
/** The shortest run before a kill: soon after the start, while the first requests are in flight. */
const RUN_MS_MIN = 20
const RUN_MS_MAX = envCount('CRASH_LOAD_RUN_MS', 1500, RUN_MS_MIN)
const SENDERS_PER_SOURCE = envCount('CRASH_LOAD_SENDERS_PER_SOURCE', 1)
/** A start, a check and the senders' last answers take about a second a cycle on two cores. */
const TIMEOUT_MS = 30_000 + CYCLES * (RUN_MS_MAX + 3000)
const API_KEY = 'crash-load-api-key-0001'
/**
 * Small segments (the smallest allowed is 1 MiB) so that a run seals many of them and some kills land
 * while a segment is sealed and its summary written.
 */
const SERVER_ENV = { INLET_API_KEY: API_KEY, INLET_LOG_SEGMENT_BYTES_MAX: String(4 * 1024 * 1024) }
const HOUR_MS = 60 * 60 * 1000
const TORN_TAIL = 'truncated a torn or corrupt tail'

const started = Date.now()
/** The senders' CloudWatch times are at most a minute old; the rest are stamped with the time of arrival. */
const searchWindow = (): Window => ({
  from: new Date(started - HOUR_MS).toISOString(),
  to: new Date(Date.now() + HOUR_MS).toISOString(),
})

/** `503 LOG_OVERLOADED x5`: the refusals by status and error code. */
function statuses(requests: SentRequest[]): string {
  const byStatus = new Map<string, number>()
  for (const sent of requests) {
    const key = `${sent.status} ${sent.error}`
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1)
  }
  return [...byStatus].map(([key, n]) => ` ${key} x${n}`).join(',')
}

const count = (requests: SentRequest[], keep: (sent: SentRequest) => boolean) => requests.filter(keep).length

/** Time spent per phase, for the summary: a slow run shows where its time went. */
const phaseMs = { start: 0, load: 0, check: 0 }

async function timed<T>(phase: keyof typeof phaseMs, run: () => Promise<T>): Promise<T> {
  const begun = performance.now()
  try {
    return await run()
  } finally {
    phaseMs[phase] += performance.now() - begun
  }
}

/** After a restart: the last cycle's requests (the newest events), then the total by count. */
async function checkCycle(inlet: RunningInlet, ledger: Ledger, cycle: number): Promise<void> {
  await checkStored(inlet, searchWindow(), ledger, (sent) => sent.cycle === cycle, true)
  await checkCount(inlet, ledger, `after cycle ${cycle}`)
}

/** `GET /events/count` of one source or all against the ledger. */
async function checkCount(inlet: RunningInlet, ledger: Ledger, when: string, source?: Source) {
  const stored = await countStored(inlet, searchWindow(), source?.id)
  const expected = expectedCount(ledger, source?.id)
  if (stored !== expected) {
    const of = source ? ` of ${source.spec.name}` : ''
    ledger.failures.push(`${when}: ${stored} events${of} stored, ${expected} expected`)
  }
}

/**
 * Runs the senders against `inlet` for `runMs`, then kills it with SIGKILL and waits for every sender's
 * last request to be answered or cut. `tornTail`: whether this server, as it started, cut a torn tail
 * off the log the previous kill left (it says so on stderr).
 */
async function loadAndKill(
  inlet: RunningInlet,
  sources: Source[],
  ledger: Ledger,
  cycle: number,
  runMs: number,
): Promise<{ tornTail: boolean }> {
  const state: CycleState = { cycle, url: inlet.url, killed: false }
  const senders = sources.flatMap((source, s) =>
    Array.from({ length: SENDERS_PER_SOURCE }, (_, k) => {
      // Seeded per cycle and sender, so a cycle's bodies do not depend on how far earlier ones got.
      const random = seededRandom(SEED + 1 + cycle * 1000 + s * SENDERS_PER_SOURCE + k)
      return sendUntilKilled(source, random, ledger, state)
    }),
  )
  await Bun.sleep(runMs)
  // No request is sent once this is set, so each one of the cycle is answered or cut by the kill.
  state.killed = true
  const { stderr } = await inlet.kill()
  await Promise.all(senders)
  return { tornTail: stderr.includes(TORN_TAIL) }
}

test(
  `acknowledged events are stored exactly once through ${CYCLES} SIGKILLs under load`,
  async () => {
    const killAfter = seededRandom(SEED)
    const runsMs = Array.from({ length: CYCLES }, () => RUN_MS_MIN + killAfter(RUN_MS_MAX - RUN_MS_MIN + 1))
    console.log(
      `crash-load: seed ${SEED} (CRASH_LOAD_SEED), ${CYCLES} cycles, ${SENDERS_PER_SOURCE} sender(s) ` +
        `per source, SIGKILL after (ms) ${runsMs.join(' ')}`,
    )
    using dir = tempDir('inlet-crash-load-')
    const ledger: Ledger = { requests: [], failures: [] }
    // The first failures are enough to go on; a broken server can produce thousands.
    const expectNoFailures = (after: string) =>
      expect({
        after,
        seed: SEED,
        failures: ledger.failures.slice(0, 40),
        count: ledger.failures.length,
      }).toEqual({ after, seed: SEED, failures: [], count: 0 })
    const start = () => timed('start', () => startInlet({ dataDir: dir.path, env: SERVER_ENV }))
    let inlet: RunningInlet | undefined = await start()
    let tornTails = 0
    let checkedEvents = 0
    let segments = 0
    try {
      const sources = await createSources(inlet)
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const runMs = runsMs[cycle]!
        const running = inlet
        const { tornTail } = await timed('load', () => loadAndKill(running, sources, ledger, cycle, runMs))
        if (tornTail) tornTails++
        inlet = await start()
        await timed('check', () => checkCycle(inlet!, ledger, cycle))
        expectNoFailures(`cycle ${cycle}, killed after ${runMs} ms`)
      }
      // Every event the server holds, against the whole ledger.
      checkedEvents = await timed('check', () =>
        checkStored(inlet!, searchWindow(), ledger, () => true, false),
      )
      // The sourceId filter, which segment summaries prune by, against the same ledger.
      for (const source of sources) await checkCount(inlet, ledger, 'at the end', source)
      expectNoFailures('the last restart')
      // After all those crashes, a clean stop still drains and exits 0.
      const last = inlet.process
      last.kill('SIGTERM')
      const [code, stderr] = await Promise.all([last.exited, new Response(last.stderr).text()])
      expect(code).toBe(0)
      if (stderr.includes(TORN_TAIL)) tornTails++
      segments = readdirSync(join(dir.path, 'log')).filter((name) => name.endsWith('.seg')).length
    } finally {
      // Whatever failed, no server outlives the test; a signal to one that has exited does nothing.
      inlet?.process.kill('SIGKILL')
    }

    const requests = ledger.requests
    const cut = requests.filter((sent) => sent.outcome === 'cut')
    const refused = requests.filter((sent) => sent.outcome === 'refused')
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
    console.log(
      `crash-load: ${CYCLES} cycles, ${count(requests, (sent) => sent.outcome === 'acked')} requests acknowledged, ` +
        `${checkedEvents} acknowledged events checked exactly once, ` +
        `${refused.length} refused${statuses(refused)}, ${cut.length} cut by kills ` +
        `(${count(cut, (sent) => sent.stored === true)} stored whole, ` +
        `${count(cut, (sent) => sent.stored === false)} not stored), ` +
        `torn log tails recovered at ${tornTails} starts, ${segments} log segments; ` +
        `${seconds(Date.now() - started)} (starts ${seconds(phaseMs.start)}, load ${seconds(phaseMs.load)}, ` +
        `checks ${seconds(phaseMs.check)})`,
    )
  },
  TIMEOUT_MS,
)
