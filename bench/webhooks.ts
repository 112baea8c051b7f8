/**
 * Requests of the size webhooks send, per request: Inlet against its peers in the same run. For each
 * request shape, wrk (`-t1 -c32`) drives, one after the other on fresh processes:
 *
 * - a bare Bun.serve that reads the body and answers 200 (the HTTP layer's own cost);
 * - Fluent Bit's `in_http` into `out_null` (no fsync), when FLUENT_BIT names a fluent-bit binary, and
 *   again with FLUENT_BIT_WORKERS HTTP workers (default 2); only for the shapes it takes (JSON bodies
 *   without auth);
 * - Inlet with fsync before every 200 (its default) on one thread (`[server] workers = 1`) and on two
 *   ingest workers beside the log writer (`workers = 2`), and on one thread with `fsync = "interval"`.
 *
 * Every server is warmed up first (WARMUP seconds of the same load, default 3): the JIT needs a few
 * seconds, and a cold run reads up to 40% low.
 *
 * For each it prints requests a second, CPU-µs a request (the process's user + system CPU time over the
 * requests answered: with every core busy, req/s stops telling the costs apart) and peak RSS; for Inlet
 * also p50 / p99 at half its peak rate. Shapes:
 *
 *   1   one event, ~750 B JSON, no auth
 *   gh  one event, GitHub-signed (X-Hub-Signature-256)
 *   20a a 20-event JSON array, no auth
 *   20n 20-event NDJSON, Bearer
 *   500 500-event gzip NDJSON, HMAC sha256
 *
 *   FLUENT_BIT=/path/to/fluent-bit npx bun bench/webhooks.ts     (needs wrk; DURATION=6 s by default;
 *                                                                  SHAPES=1,gh picks shapes)
 */
import { createHmac } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import {
  BASELINE,
  CONNECTIONS,
  cleanUp,
  cpuSeconds,
  createSource,
  DURATION_S,
  f,
  INLET,
  line,
  peakRssMb,
  type RequestShape,
  type Server,
  start,
  startInlet,
  stop,
  WORK_DIR,
  type WrkResult,
  wrk,
} from './harness.ts'

interface Shape extends RequestShape {
  key: string
  /** Fluent Bit's in_http takes it (a JSON body, no auth). */
  fluentBit: boolean
}

const encode = (text: string) => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>

/** A GitHub `push`-like delivery of about 750 bytes. */
const webhook = JSON.stringify({
  ref: 'refs/heads/main',
  before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
  after: '0000000000000000000000000000000000000000',
  repository: { id: 186853002, full_name: 'octo-org/octo-repo', private: true, default_branch: 'main' },
  pusher: { name: 'octocat', email: 'octocat@github.com' },
  sender: { login: 'octocat', id: 21031067, type: 'User', site_admin: false },
  head_commit: {
    id: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
    message: 'Update README.md',
    timestamp: '2026-11-28T12:00:00-08:00',
    author: { name: 'Octo Cat', email: 'octocat@github.com', username: 'octocat' },
    added: [],
    removed: [],
    modified: ['README.md'],
  },
  installation: { id: 2311213, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMjMxMTIxMw==' },
})
const json = { 'content-type': 'application/json' }
const ndjson = (count: number) => `${Array.from({ length: count }, (_, i) => line(i)).join('\n')}\n`

const shapes: Shape[] = [
  {
    key: '1',
    name: '1 event, ~750 B JSON, no auth',
    events: 1,
    body: encode(webhook),
    source: { authMethod: 'None' },
    headers: () => json,
    fluentBit: true,
  },
  {
    key: 'gh',
    name: '1 event, GitHub-signed',
    events: 1,
    body: encode(webhook),
    source: { authMethod: 'HMAC', authHmacScheme: 'github' },
    headers: (source, body) => ({
      ...json,
      'x-github-event': 'push',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': `sha256=${createHmac('sha256', source.authSecretValue!).update(body).digest('hex')}`,
    }),
    fluentBit: false,
  },
  {
    key: '20a',
    name: '20-event JSON array, no auth',
    events: 20,
    body: encode(`[${Array.from({ length: 20 }, (_, i) => line(i)).join(',')}]`),
    source: { authMethod: 'None' },
    headers: () => json,
    fluentBit: true,
  },
  {
    key: '20n',
    name: '20-event NDJSON, Bearer',
    events: 20,
    body: encode(ndjson(20)),
    source: { authMethod: 'Bearer' },
    headers: (source) => ({ authorization: `Bearer ${source.authBearerToken}` }),
    fluentBit: false,
  },
  {
    key: '500',
    name: '500-event gzip NDJSON, HMAC',
    events: 500,
    body: new Uint8Array(gzipSync(ndjson(500))),
    source: { authMethod: 'HMAC', authHeaderKey: 'X-Signature', authHmacAlg: 'sha256' },
    headers: (source, body) => ({
      'x-signature': `sha256=${createHmac('sha256', source.authSecretValue!).update(body).digest('hex')}`,
      'content-encoding': 'gzip',
    }),
    fluentBit: false,
  },
]

interface Measured {
  result: WrkResult
  cpuUsPerRequest: number
  rssMb: number
  paced?: WrkResult
}

/**
 * wrk against the process `pid` serves, with the CPU it spent and its peak RSS; `paced` also runs at half
 * the peak rate.
 */
function measure(
  pid: number,
  url: string,
  body: Uint8Array,
  headers: Record<string, string>,
  paced = false,
): Measured {
  if (WARMUP_S > 0) wrk(url, body, headers, CONNECTIONS, undefined, WARMUP_S)
  const before = cpuSeconds(pid)
  const result = wrk(url, body, headers, CONNECTIONS)
  const cpuUsPerRequest = ((cpuSeconds(pid) - before) * 1e6) / Math.max(1, result.requests)
  const half = paced
    ? wrk(url, body, headers, CONNECTIONS, Math.max(1, Math.floor(result.rps / 2)))
    : undefined
  return { result, cpuUsPerRequest, rssMb: peakRssMb(pid), paced: half }
}

/** A free loopback port (Fluent Bit cannot be told to take any and report it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

async function startFluentBit(binary: string, workers: number): Promise<{ server: Server; pid: number }> {
  const port = await freePort()
  const pidFile = join(WORK_DIR, 'fluent-bit.pid')
  const args = [binary, '-q', '-i', 'http', '-p', `port=${port}`, '-p', 'listen=127.0.0.1']
  if (workers > 1) args.push('-p', `http_server.workers=${workers}`)
  args.push('-o', 'null', '-m', '*')
  // Fluent Bit prints no "listening on" line; a wrapper prints it once the port answers.
  const wrapper = `
    const child = Bun.spawn(${JSON.stringify(args)}, { stdout: 'ignore', stderr: 'inherit' })
    process.on('SIGTERM', () => { child.kill('SIGTERM'); child.exited.then(() => process.exit(0)) })
    for (let i = 0; i < 100; i++) {
      try { await fetch('http://127.0.0.1:${port}/', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }); break }
      catch { await Bun.sleep(50) }
    }
    await Bun.write(${JSON.stringify(pidFile)}, String(child.pid))
    console.log('listening on http://127.0.0.1:${port}')`
  const server = await start([process.execPath, '-e', wrapper])
  return { server, pid: Number(readFileSync(pidFile, 'utf8')) }
}

const WARMUP_S = Number(process.env.WARMUP ?? 3)
/** The bare server checks nothing; its requests carry headers of the same size, made with any secret. */
const ANY_SECRETS = { authSecretValue: 'bench-secret', authBearerToken: 'bench-token-0123456789abcdef' }
const fluentBit = process.env.FLUENT_BIT
const fluentBitWorkers = Number(process.env.FLUENT_BIT_WORKERS ?? 2)
const cell = (m: Measured | undefined) =>
  m ? `${f(m.result.rps)} (${f(m.cpuUsPerRequest)} µs, ${f(m.rssMb)} MB)` : '—'

try {
  console.log(
    `inlet: ${INLET.join(' ')}; wrk -t1 -c${CONNECTIONS} -d${DURATION_S}s; fluent-bit: ${fluentBit ?? 'not run (set FLUENT_BIT)'}\n`,
  )
  const only = process.env.SHAPES?.split(',')
  const rows: string[] = []
  for (const shape of shapes.filter((s) => !only || only.includes(s.key))) {
    const bare = await start([process.execPath, '-e', BASELINE])
    const baseline = measure(
      bare.process.pid,
      `${bare.url}/`,
      shape.body,
      shape.headers(ANY_SECRETS, shape.body),
    )
    await stop(bare)

    let fluent: Measured | undefined
    let fluentN: Measured | undefined
    if (fluentBit && shape.fluentBit) {
      for (const workers of [1, fluentBitWorkers]) {
        const { server, pid } = await startFluentBit(fluentBit, workers)
        // The wrapper's pid is not Fluent Bit's: CPU time and memory are read from the child's.
        const measured = measure(pid, `${server.url}/app.log`, shape.body, json)
        await stop(server)
        if (workers === 1) fluent = measured
        else fluentN = measured
      }
    }

    const results: Measured[] = []
    const configs: Record<string, string>[] = [
      { INLET_SERVER_WORKERS: '1' },
      { INLET_SERVER_WORKERS: '2' },
      { INLET_SERVER_WORKERS: '1', INLET_LOG_FSYNC: 'interval' },
    ]
    for (const env of configs) {
      const inlet = await startInlet(env)
      const source = await createSource(inlet, shape.source)
      const target = `${inlet.url}/http/${source.integrationId}`
      results.push(measure(inlet.process.pid, target, shape.body, shape.headers(source, shape.body), true))
      await stop(inlet)
      rmSync(inlet.dataDir, { recursive: true, force: true })
    }
    const [one, two, interval] = results as [Measured, Measured, Measured]
    const best = one.result.rps >= two.result.rps ? one : two
    const ratio = fluent ? `${f(best.result.rps / fluent.result.rps, 2)}×` : '—'
    const halfRate = (m: Measured) => `${f(m.paced!.rps)}: ${f(m.paced!.p50, 2)} / ${f(m.paced!.p99, 2)}`
    rows.push(
      `| ${shape.name} | ${cell(baseline)} | ${cell(fluent)} | ${cell(fluentN)} | ${cell(one)} | ${cell(two)} | ` +
        `${halfRate(one)} | ${halfRate(two)} | ${cell(interval)} | ${ratio} |`,
    )
    const errors = results.map((m) => m.result.errors + (m.paced?.errors ?? 0))
    if (errors.some((n) => n > 0))
      rows.push(`|   ↳ non-2xx answers: ${errors.join(', ')} | | | | | | | | | |`)
  }
  console.log('req/s (CPU-µs a request, peak RSS)\n')
  console.log(
    `| request | bare Bun.serve | Fluent Bit in_http→null | Fluent Bit, ${fluentBitWorkers} workers | Inlet, 1 thread | Inlet, 2 workers | 1 thread at half rate (req/s): p50 / p99 ms | 2 workers at half rate | Inlet, 1 thread, fsync interval | best Inlet / Fluent Bit |`,
  )
  console.log('|---|---|---|---|---|---|---|---|---|---|')
  for (const row of rows) console.log(row)
} finally {
  cleanUp()
}
