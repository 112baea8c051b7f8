/**
 * A normal client's latency while hostile clients attack (the mix of
 * test/reliability/hostile-clients.test.ts, run longer): slowloris on heads and bodies, a thousand idle
 * connections, lying Content-Lengths, clients that disconnect mid-body, pipelining. One server runs
 * throughout; phase by phase, the normal client (small NDJSON POSTs, one every NORMAL_INTERVAL_MS)
 * runs alone first (the baseline), then beside each hostile kind alone, then beside all of them at once.
 * Printed per phase and overall: the normal client's p50/p99/max latency and its ratio to the baseline,
 * this process's own event-loop lag (so that a slow client is not blamed on the server), the hostile
 * connections' fates, and the server's resident set; at the end its peak (VmHWM) against the peak after
 * the baseline, and a check that every normal event was stored once and no hostile one wrongly.
 *
 *   npx bun bench/hostile.ts   DURATION=15 (seconds per phase), PHASES=baseline,idle,all (default: all
 *                              phases), NORMAL_INTERVAL_MS=20; INLET_* variables are passed to the server
 *                              (INLET_SERVER_HEAD_TIMEOUT_MS, INLET_INGEST_BODY_TIMEOUT_MS, ...)
 *
 * Under the default timeouts (head 10 s, body 30 s) a phase shorter than 30 s ends before any slow body
 * is answered 408; INLET_INGEST_BODY_TIMEOUT_MS=5000 shows those answers in short phases.
 */
import {
  createTarget,
  EXTRA_TAG,
  HOSTILE_KINDS,
  type HostileKind,
  hostilePlans,
  type NormalResult,
  openFilesLimit,
  runHostile,
  runNormal,
  storedIds,
  type Tally,
} from '../test/reliability/hostile-clients-traffic.ts'
import { percentile, Stop } from '../test/reliability/hostile-clients-wire.ts'
import { cleanUp, f } from './harness.ts'
import { BENCH_API_KEY, startInletProcess } from './inlet-process.ts'

const PHASE_MS = Number(process.env.DURATION ?? 15) * 1000
const INTERVAL_MS = Number(process.env.NORMAL_INTERVAL_MS ?? 20)
const ALL_PHASES = ['baseline', ...HOSTILE_KINDS, 'all'] as const
type Phase = (typeof ALL_PHASES)[number]
const asked = process.env.PHASES?.split(',') ?? [...ALL_PHASES]
const unknown = asked.filter((name) => !(ALL_PHASES as readonly string[]).includes(name))
if (unknown.length > 0)
  throw new Error(`unknown phases ${unknown.join(', ')}; known: ${ALL_PHASES.join(', ')}`)
// The baseline always runs, first: every other phase is compared with it.
const PHASES = ALL_PHASES.filter((phase) => phase === 'baseline' || asked.includes(phase))
const IDLE_CONNECTIONS = Math.min(1000, openFilesLimit() - 300)
const PLANS = hostilePlans(IDLE_CONNECTIONS)

/** How late this process's timers fire, sampled every 10 ms: the client's own share of the latency. */
function lagMonitor(): () => number[] {
  const lags: number[] = []
  let expected = performance.now() + 10
  const timer = setInterval(() => {
    const now = performance.now()
    lags.push(Math.max(0, now - expected))
    expected = now + 10
  }, 10)
  return () => {
    clearInterval(timer)
    return lags
  }
}

interface PhaseResult {
  phase: Phase
  normal: NormalResult
  tallies: Tally[]
  lagP99: number
  rssMiB: number
}

const server = await startInletProcess()
const target = await createTarget(server.url, BENCH_API_KEY)
console.log(
  `hostile clients: ${PHASES.length} phases of ${PHASE_MS / 1000} s, normal client every ${INTERVAL_MS} ms, ` +
    `${IDLE_CONNECTIONS} idle connections per wave; server ${server.url} (pid ${server.pid})`,
)
if (IDLE_CONNECTIONS < 1000)
  console.log(`(the open-file limit allows only ${IDLE_CONNECTIONS} idle connections)`)

// Traffic before the baseline, so that it does not pay for the server's (and the client's) warm-up.
const warmUp = new Stop()
const warming = runNormal(target, warmUp, { intervalMs: INTERVAL_MS, eventsPerRequest: 3, idPrefix: 'warm-' })
await Bun.sleep(3000)
warmUp.stop()
const warmedUp = await warming

const results: PhaseResult[] = []
let baselinePeakMiB = 0
for (const phase of PHASES) {
  const kinds: HostileKind[] = phase === 'all' ? [...HOSTILE_KINDS] : phase === 'baseline' ? [] : [phase]
  const stop = new Stop()
  const lags = lagMonitor()
  const normal = runNormal(target, stop, {
    intervalMs: INTERVAL_MS,
    eventsPerRequest: 3,
    idPrefix: `${phase}-`,
  })
  const hostile = Promise.all(kinds.map((kind) => runHostile(kind, target, PLANS[kind], stop)))
  await Bun.sleep(PHASE_MS)
  stop.stop()
  const result: PhaseResult = {
    phase,
    normal: await normal,
    tallies: await hostile,
    lagP99: percentile(lags(), 99),
    rssMiB: server.memory().rssMiB,
  }
  results.push(result)
  if (phase === 'baseline') baselinePeakMiB = server.memory().peakMiB
  report(result)
  await Bun.sleep(1000)
}

function report({ phase, normal, tallies, lagP99, rssMiB }: PhaseResult) {
  const ms = normal.samples.map((sample) => sample.ms)
  console.log(
    `${phase.padEnd(18)} ${f(ms.length).padStart(6)} requests  ${f(normal.failures.length)} failed  ` +
      `p50 ${f(percentile(ms, 50), 1)} ms  p99 ${f(percentile(ms, 99), 1)} ms (${ratio(ms, 99)})  ` +
      `max ${f(Math.max(...ms), 1)} ms  client lag p99 ${f(lagP99, 1)} ms  server RSS ${f(rssMiB)} MiB`,
  )
  for (const failure of normal.failures.slice(0, 3)) console.log(`    failed: ${failure}`)
  for (const tally of tallies) {
    const closeMs = tally.serverCloseMs
    console.log(
      `    ${tally.kind}: ${f(tally.connections)} connections (${f(tally.openPeak)} at once, ` +
        `${f(tally.connectFailures)} refused), ${f(tally.closedByServer)} closed by the server ` +
        `(${closeMs.length ? `after ${f(Math.min(...closeMs))}..${f(Math.max(...closeMs))} ms` : 'none'}), answers ${JSON.stringify(tally.statuses)}` +
        (tally.problems.length > 0 ? `, problems: ${tally.problems.slice(0, 2).join('; ')}` : ''),
    )
  }
}

function ratio(ms: number[], p: number): string {
  const baseline = results[0]!.normal.samples.map((sample) => sample.ms)
  return `${f(percentile(ms, p) / percentile(baseline, p), 2)}x baseline`
}

const attacked = results.filter((result) => result.phase !== 'baseline')
const overall = attacked.flatMap((result) => result.normal.samples.map((sample) => sample.ms))
const peakMiB = server.memory().peakMiB
console.log(
  `\noverall under attack: ${f(overall.length)} requests, p50 ${f(percentile(overall, 50), 1)} ms ` +
    `(${ratio(overall, 50)}), p99 ${f(percentile(overall, 99), 1)} ms (${ratio(overall, 99)}), ` +
    `max ${f(Math.max(...overall), 1)} ms`,
)
console.log(
  `server peak RSS: ${f(baselinePeakMiB)} MiB after the baseline, ${f(peakMiB)} MiB at the end ` +
    `(${f(peakMiB / baselinePeakMiB, 2)}x)`,
)
await checkStored()
const { code, stderr } = await server.stop()
const lines = stderr.split('\n').filter(Boolean)
console.log(
  `server exit code ${code}; ${lines.length} lines on stderr${lines.length ? `, first: ${lines[0]}` : ''}`,
)
cleanUp()

/** Every normal event stored once; of the hostile kinds, only what was complete and valid. */
async function checkStored() {
  const problems: string[] = []
  const expectOnce = async (tag: string, expected: string[]) => {
    const found = await storedIds(target, tag)
    const distinct = new Set(found)
    const missing = expected.filter((id) => !distinct.has(id)).length
    if (distinct.size !== found.length || missing > 0 || found.length !== expected.length) {
      problems.push(`${tag}: ${found.length} stored (${distinct.size} distinct), ${expected.length} expected`)
    }
  }
  await expectOnce('normal', [...warmedUp.acked, ...results.flatMap((result) => result.normal.acked)])
  const tallied = results.flatMap((result) => result.tallies)
  const of = (kind: HostileKind, field: 'complete' | 'acked') =>
    tallied.filter((tally) => tally.kind === kind).flatMap((tally) => tally[field])
  await expectOnce('short-length', of('short-length', 'complete'))
  await expectOnce('pipeline', of('pipeline', 'acked'))
  for (const tag of [
    'slow-body',
    'long-length-wait',
    'long-length-close',
    'short-length-mid',
    'cut',
    EXTRA_TAG,
  ]) {
    await expectOnce(tag, [])
  }
  console.log(problems.length === 0 ? 'stored: as expected' : `stored: ${problems.join('; ')}`)
}
