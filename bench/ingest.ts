/**
 * Ingest throughput and latency, against a baseline measured in the same run: a bare Bun.serve that
 * reads the whole body and answers 200. Each scenario starts a fresh Inlet (dist/inlet when built, else
 * the source tree) and a fresh baseline, drives each with wrk, and reads its peak RSS (VmHWM) after.
 *
 *   (a) 20-event NDJSON (~2 KB), Bearer, fsync always
 *   (b) 500-event gzip NDJSON, HMAC sha256, fsync always
 *   (c) a 1 MiB JSON array, Bearer, fsync always
 *
 * Then p50/p99 latency at half of Inlet's peak rate: wrk again, each connection pausing between requests
 * so that together they offer half the rate just measured.
 *
 *   npx bun bench/ingest.ts        (needs wrk: apt-get install wrk; DURATION=10 by default, in seconds;
 *                                   SCENARIOS=a,b picks scenarios)
 */
import { spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { type Subprocess, spawn } from 'bun'
import { listeningUrl } from './listening.ts'

const DURATION_S = Number(process.env.DURATION ?? 10)
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32)
const API_KEY = 'bench-api-key-0000000000'
// The data directory must be on a real disk: fsync on tmpfs costs nothing and would flatter the log.
const WORK_DIR = mkdtempSync(join(process.cwd(), '.bench-ingest-'))

if (spawnSync('wrk', ['--version']).error) {
  console.error('wrk is not installed. On Debian: apt-get install -y wrk (as root), then run this again.')
  process.exit(1)
}

const BASELINE = `
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, reusePort: false, maxRequestBodySize: 8 << 20,
  async fetch(request) { await request.arrayBuffer(); return new Response('{"accepted":0}') } })
console.log('listening on http://127.0.0.1:' + server.port)`

const INLET = existsSync('dist/inlet') ? ['dist/inlet'] : [process.execPath, 'src/main.ts']

interface Server {
  url: string
  process: Subprocess<'ignore', 'pipe', 'inherit'>
  dataDir: string
}

async function start(command: string[]): Promise<Server> {
  const dataDir = mkdtempSync(join(WORK_DIR, 'data-'))
  const child = spawn(
    command.map((part) => part.replace('$DATA', dataDir)),
    {
      stdout: 'pipe',
      stderr: 'inherit',
      env: { PATH: process.env.PATH ?? '', INLET_API_KEY: API_KEY, INLET_LOG_LEVEL: 'warn' },
    },
  )
  const { url, reader } = await listeningUrl(child.stdout)
  void (async () => {
    while (!(await reader.read()).done) {}
  })()
  return { url, process: child, dataDir }
}

const startInlet = () => start([...INLET, 'serve', '--listen', '127.0.0.1:0', '--data-dir', '$DATA'])

async function stop(server: Server): Promise<number> {
  const status = readFileSync(`/proc/${server.process.pid}/status`, 'utf8')
  const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
  server.process.kill('SIGTERM')
  await server.process.exited
  return peakKiB / 1024
}

interface Scenario {
  name: string
  /** wrk connections; 1 MiB bodies use fewer, as senders of large batches do. */
  connections: number
  events: number
  body: Uint8Array<ArrayBuffer>
  source: Record<string, unknown>
  headers: (source: Record<string, string>, body: Uint8Array) => Record<string, string>
}

const line = (i: number) =>
  JSON.stringify({
    time: new Date(1_790_000_000_000 + i * 1000).toISOString(),
    level: i % 7 === 0 ? 'warn' : 'info',
    user: `user${i % 97}@example.com`,
    ip: `10.0.${i % 256}.${(i * 7) % 256}`,
    message: `request ${i} handled`,
    ms: i % 300,
  })
const ndjson = (count: number) => `${Array.from({ length: count }, (_, i) => line(i)).join('\n')}\n`
const bearer = (source: Record<string, string>) => ({ authorization: `Bearer ${source.authBearerToken}` })

function oneMibArray(): Uint8Array<ArrayBuffer> {
  const events: string[] = []
  let bytes = 2
  for (let i = 0; bytes + line(i).length + 1 < 1_040_000; i++) {
    events.push(line(i))
    bytes += line(i).length + 1
  }
  return new TextEncoder().encode(`[${events.join(',')}]`) as Uint8Array<ArrayBuffer>
}
const arrayBody = oneMibArray()

const scenarios: Scenario[] = [
  {
    name: '(a) 20-event NDJSON, Bearer',
    connections: CONNECTIONS,
    events: 20,
    body: new TextEncoder().encode(ndjson(20)) as Uint8Array<ArrayBuffer>,
    source: { authMethod: 'Bearer' },
    headers: bearer,
  },
  {
    name: '(b) 500-event gzip NDJSON, HMAC sha256',
    connections: CONNECTIONS,
    events: 500,
    body: new Uint8Array(gzipSync(ndjson(500))),
    source: { authMethod: 'HMAC', authHeaderKey: 'X-Signature', authHmacAlg: 'sha256' },
    headers: (source, body) => ({
      'x-signature': `sha256=${createHmac('sha256', source.authSecretValue!).update(body).digest('hex')}`,
      'content-encoding': 'gzip',
    }),
  },
  {
    name: '(c) 1 MiB JSON array, Bearer',
    connections: Number(process.env.LARGE_CONNECTIONS ?? 8),
    events: JSON.parse(new TextDecoder().decode(arrayBody)).length,
    body: arrayBody,
    source: { authMethod: 'Bearer' },
    headers: bearer,
  },
]

interface WrkResult {
  rps: number
  p50: number
  p99: number
  errors: number
}

/**
 * wrk against `url`, as fast as it goes; or, given `rate`, paced: each connection waits its share of the
 * rate between requests (wrk's `delay` hook), so the server sees `rate` requests a second at most. The
 * pauses are random (uniform, with the mean the rate asks for): equal pauses would keep the connections
 * in step and send their requests in bursts, measuring the bursts' queueing instead of the rate's.
 */
function wrk(
  url: string,
  body: Uint8Array,
  headers: Record<string, string>,
  connections: number,
  rate?: number,
): WrkResult {
  const bodyFile = join(WORK_DIR, 'body.bin')
  writeFileSync(bodyFile, body)
  const script = join(WORK_DIR, 'post.lua')
  writeFileSync(
    script,
    `wrk.method = "POST"
local f = io.open("${bodyFile}", "rb"); wrk.body = f:read("*a"); f:close()
${Object.entries(headers)
  .map(([name, value]) => `wrk.headers["${name}"] = "${value}"`)
  .join('\n')}
${rate === undefined ? '' : `function delay() return math.random() * ${(2000 * connections) / rate} end`}
`,
  )
  const run = spawnSync(
    'wrk',
    ['-t1', `-c${connections}`, `-d${DURATION_S}s`, '--latency', '-s', script, url],
    { encoding: 'utf8' },
  )
  const out = run.stdout
  const ms = (label: string) => {
    const match = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out)
    if (!match) return Number.NaN
    const value = Number(match[1])
    return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value
  }
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50: ms('50'),
    p99: ms('99'),
    errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  }
}

async function createSource(server: Server, input: Record<string, unknown>) {
  const response = await fetch(`${server.url}/log-sources/http`, {
    method: 'POST',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ integrationLabel: 'bench', ...input }),
  })
  if (response.status !== 201) throw new Error(`create source: ${response.status} ${await response.text()}`)
  return (await response.json()) as Record<string, string>
}

const f = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

try {
  console.log(`inlet: ${INLET.join(' ')}; wrk -t1 -d${DURATION_S}s; fsync always\n`)
  const rows: string[] = []
  // SCENARIOS=a,c runs only those.
  const only = process.env.SCENARIOS?.split(',')
  for (const scenario of scenarios.filter((s) => !only || only.includes(s.name[1]!))) {
    const base = await start([process.execPath, '-e', BASELINE])
    const baseline = wrk(
      `${base.url}/`,
      scenario.body,
      { 'content-type': 'application/octet-stream' },
      scenario.connections,
    )
    const baselineRss = await stop(base)

    const inlet = await startInlet()
    const source = await createSource(inlet, scenario.source)
    const target = `${inlet.url}/http/${source.integrationId}`
    const headers = scenario.headers(source, scenario.body)
    const result = wrk(target, scenario.body, headers, scenario.connections)
    const half = Math.max(1, Math.floor(result.rps / 2))
    const paced = wrk(target, scenario.body, headers, scenario.connections, half)
    const inletRss = await stop(inlet)
    rmSync(inlet.dataDir, { recursive: true, force: true })

    rows.push(
      `| ${scenario.name}, c${scenario.connections} | ${f(result.rps)} | ${f(result.rps * scenario.events)} | ${f(result.p50, 2)} / ${f(result.p99, 2)} | ` +
        `${f(paced.rps)}: ${f(paced.p50, 2)} / ${f(paced.p99, 2)} | ${f(inletRss)} | ${f(baseline.rps)} | ` +
        `${f(baseline.p50, 2)} / ${f(baseline.p99, 2)} | ${f(baselineRss)} | **${f((result.rps / baseline.rps) * 100)}%** |`,
    )
    if (result.errors > 0 || paced.errors > 0) {
      rows.push(
        `|   ↳ non-200 answers: ${result.errors} under wrk, ${paced.errors} paced | | | | | | | | | |`,
      )
    }
  }
  console.log(
    '| scenario | inlet req/s | inlet events/s | inlet p50 / p99 ms | at half rate (req/s): p50 / p99 ms | inlet peak RSS MB | baseline req/s | baseline p50 / p99 ms | baseline peak RSS MB | req/s ratio |',
  )
  console.log('|---|---|---|---|---|---|---|---|---|---|')
  for (const row of rows) console.log(row)
} finally {
  rmSync(WORK_DIR, { recursive: true, force: true })
}
