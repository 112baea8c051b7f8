/**
 * Soak: mixed traffic against one server for DURATION seconds, watching for errors, latency drift and
 * memory growth. On a fresh data directory (a real disk, removed at the end), SENDERS concurrent senders
 * post RATE requests a second between them (RATE=0: each as fast as the server answers) to sources of
 * every auth mode (None, Bearer, SharedSecret, Basic, HMAC raw/github/standard-webhooks/stripe/slack) and
 * every stream type (JSON, JsonArray plain and in an envelope, Lines, CloudWatchLogs, Auto), each body
 * in a random Content-Encoding (none, gzip, deflate, br, zstd); now and then a Standard Webhooks delivery
 * is sent twice, as a retrying sender would. Beside them, on a steady cadence:
 * searches (`GET /events` with queries, `GET /events/count`), the rotation of a long-lived source's
 * secret with a grace period (its senders switch at once, while requests signed with the old secret are
 * still in flight), and the life of a throwaway source: create, ingest, replace, rotate with a 2 s grace
 * (old secret accepted, then refused once the grace is over), rotate without grace, delete (404).
 *
 * Every report interval (a minute, or a tenth of a short run): requests by kind and status, unexpected
 * answers (with the first bodies), ingest and search p50/p99 and the server's resident set. At the end:
 * totals; the resident set after warm-up against at the end (the median and the lowest of the
 * once-a-second samples of a tenth of the run, from 20% to 30% and the last tenth: the collector makes
 * single samples swing by tens of MiB, and the lowest shows what it gets back to); and the stored event count (`GET /events/count`) against the events
 * acknowledged.
 *
 *   DURATION=1800 npx bun bench/soak.ts    (default DURATION=60; SENDERS=8, RATE=300, SEARCH_EVERY_MS=1000
 *                                           (0: no searches); INLET_* variables are passed to the server)
 */
import { percentile } from '../test/reliability/hostile-clients-wire.ts'
import { cleanUp, f } from './harness.ts'
import { BENCH_API_KEY, startInletProcess } from './inlet-process.ts'
import {
  AUTH_MODES,
  authHeaders,
  buildBody,
  countStored,
  ENCODING_NAMES,
  ENCODINGS,
  pick,
  SEARCHES,
  type Source,
  STREAM_TYPES,
  secretOf,
} from './traffic.ts'

const DURATION_MS = Number(process.env.DURATION ?? 60) * 1000
const SENDERS = Number(process.env.SENDERS ?? 8)
const RATE = Number(process.env.RATE ?? 300)
const REPORT_MS = Math.min(60_000, DURATION_MS / 10)
const WARM_FROM_MS = DURATION_MS * 0.2
const WARM_TO_MS = DURATION_MS * 0.3
const END_FROM_MS = DURATION_MS * 0.9
const SEARCH_EVERY_MS = Number(process.env.SEARCH_EVERY_MS ?? 1000)
const CHURN_EVERY_MS = 3000
const ROTATE_EVERY_MS = 20_000
/** Standard Webhooks deliveries sent a second time. */
const RETRY_SHARE = 0.05
const UNEXPECTED_KEPT = 5
const RUN = `soak-${Date.now().toString(36)}`

interface Tally {
  statuses: Map<string, number>
  unexpected: number
  firstUnexpected: string[]
  ingestMs: number[]
  searchMs: number[]
  events: number
}
const newTally = (): Tally => ({
  statuses: new Map(),
  unexpected: 0,
  firstUnexpected: [],
  ingestMs: [],
  searchMs: [],
  events: 0,
})

const totals = { ...newTally(), acked: 0, duplicates: 0, unknownRequests: 0, unknownEvents: 0 }
let interval = newTally()

function note(kind: string, status: number | 'error', unexpected: string | null) {
  for (const tally of [interval, totals]) {
    const key = `${kind} ${status}`
    tally.statuses.set(key, (tally.statuses.get(key) ?? 0) + 1)
    if (unexpected === null) continue
    tally.unexpected++
    if (tally.firstUnexpected.length < UNEXPECTED_KEPT) tally.firstUnexpected.push(`${key}: ${unexpected}`)
  }
}

const server = await startInletProcess()
const began = performance.now()
let done = false

/** One request; an answer other than `expected` is noted as unexpected. Null when none came. */
async function call(kind: string, expected: number, path: string, init: RequestInit = {}) {
  const sentAt = performance.now()
  try {
    const response = await fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(60_000) })
    const text = await response.text()
    if (kind === 'ingest') interval.ingestMs.push(performance.now() - sentAt)
    if (kind === 'search') interval.searchMs.push(performance.now() - sentAt)
    note(kind, response.status, response.status === expected ? null : text.slice(0, 300))
    return { status: response.status, text }
  } catch (error) {
    note(kind, 'error', String(error))
    return null
  }
}

const admin = (method: string, path: string, expected: number, body?: unknown) =>
  call('admin', expected, path, {
    method,
    headers: { 'x-api-key': BENCH_API_KEY, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

const sourceInput = (source: Pick<Source, 'label' | 'auth' | 'stream'>) => ({
  integrationLabel: source.label,
  ...source.auth.input,
  ...source.stream.input,
})

async function createSource(label: string, auth: Source['auth'], stream: Source['stream']) {
  const answer = await admin('POST', '/log-sources/http', 201, sourceInput({ label, auth, stream }))
  if (answer?.status !== 201) throw new Error(`create ${label}: ${answer?.status} ${answer?.text}`)
  const created = JSON.parse(answer.text) as Record<string, unknown>
  return { id: String(created.integrationId), label, auth, stream, secret: secretOf(created) }
}

let seq = 0
/** Mostly small bodies, now and then one of hundreds of events. */
const eventCount = () =>
  Math.random() < 0.02 ? 200 + Math.floor(Math.random() * 800) : 1 + Math.floor(Math.random() * 20)

/** Posts one body to `source` signed with `secret`; counts what a 200 acknowledged. */
async function ingest(source: Source, expected: number, secret = source.secret) {
  const count = eventCount()
  const text = buildBody(source.stream.name, RUN, seq, count)
  seq += count
  const encoding = pick(ENCODING_NAMES)
  const body = ENCODINGS[encoding]!(new TextEncoder().encode(text))
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...authHeaders(source, secret, body),
  }
  if (encoding !== 'identity') headers['content-encoding'] = encoding
  const init = { method: 'POST', headers, body }
  const answer = await call('ingest', expected, `/http/${source.id}`, init)
  if (answer === null) {
    totals.unknownRequests++
    totals.unknownEvents += count
  }
  if (answer?.status !== 200) return
  const { accepted } = JSON.parse(answer.text) as { accepted: number }
  totals.acked += accepted
  interval.events += accepted
  if (accepted !== count)
    note('ingest-count', 200, `accepted ${accepted} of ${count} (${source.stream.name})`)
  if (source.auth.name === 'hmac-standard-webhooks' && Math.random() < RETRY_SHARE) {
    const again = await call('ingest-retry', 200, `/http/${source.id}`, init)
    if (again?.status !== 200) return
    const retried = JSON.parse(again.text) as { accepted: number; duplicate?: boolean }
    if (retried.duplicate === true && retried.accepted === 0) totals.duplicates += count
    else {
      totals.acked += retried.accepted
      note('ingest-retry', 200, `a retried delivery was not recognised: ${again.text}`)
    }
  }
}

/**
 * One sender: posts to a random long-lived source, RATE / SENDERS times a second (the senders offset
 * from each other), or back to back with RATE=0. A sender that falls behind does not burst to catch up.
 */
async function sender(index: number) {
  const gapMs = RATE > 0 ? (SENDERS * 1000) / RATE : 0
  let nextAt = performance.now() + (index * gapMs) / SENDERS
  while (!stopped()) {
    await sleep(nextAt - performance.now())
    nextAt = Math.max(nextAt + gapMs, performance.now())
    if (!stopped()) await ingest(pick(permanent), 200)
  }
}

const stopped = () => done || performance.now() - began >= DURATION_MS
const sleep = (ms: number) => Bun.sleep(Math.max(0, Math.min(ms, DURATION_MS - (performance.now() - began))))

/** Runs `step` every `everyMs` until the end of the run. */
async function every(everyMs: number, step: (round: number) => Promise<void>) {
  for (let round = 0; !stopped(); round++) {
    const startedAt = performance.now()
    await step(round)
    await sleep(everyMs - (performance.now() - startedAt))
  }
}

/** Each search's latencies over the whole run. */
const searchMs = new Map<string, number[]>(SEARCHES.map((search) => [search.name, []]))

async function search(round: number) {
  const { name, path, query, lastMinute } = SEARCHES[round % SEARCHES.length]!
  const params = new URLSearchParams(query)
  if (lastMinute) params.set('from', new Date(Date.now() - 60_000).toISOString())
  const sentAt = performance.now()
  await call('search', 200, `${path}?${params}`, { headers: { 'x-api-key': BENCH_API_KEY } })
  searchMs.get(name)!.push(performance.now() - sentAt)
}

/** A throwaway source's whole life, with the answer each step must get. */
async function churn(round: number) {
  const source: Source = await createSource(`soak-tmp-${round}`, pick(AUTH_MODES), pick(STREAM_TYPES))
  await ingest(source, 200)
  source.stream = pick(STREAM_TYPES)
  source.label = `${source.label}-replaced`
  await admin('PUT', `/log-sources/http/${source.id}`, 200, sourceInput(source))
  await ingest(source, 200)
  if (source.auth.name !== 'none') {
    const old = source.secret
    source.secret = await rotate(source, 2)
    await ingest(source, 200)
    await ingest(source, 200, old)
    await Bun.sleep(2500)
    await ingest(source, 401, old)
    const previous = source.secret
    source.secret = await rotate(source, 0)
    await ingest(source, 401, previous)
    await ingest(source, 200)
  }
  await admin('DELETE', `/log-sources/http/${source.id}`, 204)
  await ingest(source, 404)
}

/** Rotates `source`'s secret; the new one. */
async function rotate(source: Source, graceSeconds: number): Promise<string> {
  const answer = await admin('POST', `/log-sources/http/${source.id}/rotate-secret`, 200, { graceSeconds })
  return answer?.status === 200 ? secretOf(JSON.parse(answer.text)) : source.secret
}

const ms = (values: number[], p: number) => (values.length === 0 ? '-' : `${f(percentile(values, p), 1)} ms`)

function report() {
  const elapsedS = (performance.now() - began) / 1000
  const statuses = [...interval.statuses].map(([key, n]) => `${key}: ${f(n)}`).join(', ')
  const { rssMiB } = server.memory()
  console.log(
    `[${f(elapsedS).padStart(5)} s] ingest p50 ${ms(interval.ingestMs, 50)}, p99 ${ms(interval.ingestMs, 99)}, ` +
      `${f(interval.events)} events stored; search p50 ${ms(interval.searchMs, 50)}, ` +
      `p99 ${ms(interval.searchMs, 99)}; ` +
      `server RSS ${f(rssMiB)} MiB; unexpected ${interval.unexpected}\n    ${statuses}`,
  )
  for (const line of interval.firstUnexpected) console.log(`    unexpected ${line}`)
  interval = newTally()
}

const permanent: Source[] = []
for (const auth of AUTH_MODES) {
  for (const stream of STREAM_TYPES)
    permanent.push(await createSource(`soak-${auth.name}-${stream.name}`, auth, stream))
}
const startedAtMs = Date.now()
console.log(
  `soak: ${DURATION_MS / 1000} s, ${SENDERS} senders (${RATE > 0 ? `${RATE} requests/s` : 'unpaced'}) over ` +
    `${permanent.length} sources, reports every ` +
    `${REPORT_MS / 1000} s; server ${server.url} (pid ${server.pid}), data in ${server.dataDir}`,
)

const rssSamples: { atMs: number; rssMiB: number }[] = []
const sampler = setInterval(() => {
  rssSamples.push({ atMs: performance.now() - began, rssMiB: server.memory().rssMiB })
}, 1000)
/** The median and the lowest (the floor the collector gets back to) of the samples in [fromMs, toMs]. */
function rssBetween(fromMs: number, toMs: number) {
  const values = rssSamples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs).map((s) => s.rssMiB)
  return { median: percentile(values, 50), floor: Math.min(...values) }
}
const reporter = setInterval(report, REPORT_MS)
const rotatable = permanent.filter((source) => source.auth.name !== 'none')
await Promise.all([
  ...Array.from({ length: SENDERS }, (_, index) => sender(index)),
  SEARCH_EVERY_MS > 0 ? every(SEARCH_EVERY_MS, search) : undefined,
  every(CHURN_EVERY_MS, churn),
  every(ROTATE_EVERY_MS, async (round) => {
    const source = rotatable[round % rotatable.length]!
    source.secret = await rotate(source, 60)
  }),
])
done = true
clearInterval(reporter)
clearInterval(sampler)
if (interval.statuses.size > 0) report()

const warmRss = rssBetween(WARM_FROM_MS, WARM_TO_MS)
const endRss = rssBetween(END_FROM_MS, DURATION_MS)
const growth = (from: number, to: number) => `${f((100 * (to - from)) / from, 1)}%`
const stored = await countStored(server.url, BENCH_API_KEY, startedAtMs - 3_600_000, Date.now() + 3_600_000)
const { peakMiB } = server.memory()
const { code, stderr } = await server.stop()

console.log('\nsummary')
for (const [key, n] of [...totals.statuses].sort()) console.log(`  ${key}: ${f(n)}`)
for (const [name, values] of searchMs) {
  console.log(`  search ${name}: p50 ${ms(values, 50)}, p99 ${ms(values, 99)}, max ${ms(values, 100)}`)
}
console.log(`  unexpected answers: ${totals.unexpected}`)
for (const line of totals.firstUnexpected) console.log(`    ${line}`)
console.log(
  `  server RSS after warm-up (${f(WARM_FROM_MS / 1000)}..${f(WARM_TO_MS / 1000)} s) and at the end ` +
    `(${f(END_FROM_MS / 1000)}..${f(DURATION_MS / 1000)} s): median ${f(warmRss.median)} -> ` +
    `${f(endRss.median)} MiB (${growth(warmRss.median, endRss.median)}; goal < 10%), floor ${f(warmRss.floor)} -> ` +
    `${f(endRss.floor)} MiB (${growth(warmRss.floor, endRss.floor)}); peak ${f(peakMiB)} MiB`,
)
console.log(
  `  events acknowledged ${f(totals.acked)}, stored (GET /events/count) ${f(stored)}: ` +
    (stored === totals.acked ? 'equal' : `differ by ${f(stored - totals.acked)}`) +
    (totals.duplicates > 0
      ? `; ${f(totals.duplicates)} events of retried deliveries answered as duplicates`
      : '') +
    (totals.unknownRequests > 0
      ? `; ${totals.unknownRequests} requests (${f(totals.unknownEvents)} events) got no answer and may be stored`
      : ''),
)
const warnings = stderr.split('\n').filter(Boolean)
console.log(`  server exit code ${code}; ${warnings.length} lines on stderr`)
for (const line of warnings.slice(0, 5)) console.log(`    ${line}`)
cleanUp()
