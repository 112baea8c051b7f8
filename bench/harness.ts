/**
 * What the wrk benchmarks share: starting Inlet (dist/inlet when built, else the source tree) or a
 * baseline server on a fresh data directory under the working directory, reading its peak RSS when it
 * stops, driving it with wrk (as fast as it goes, or paced to a rate), and creating sources and schemas
 * through the management API.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Subprocess, spawn } from 'bun'
import { listeningUrl } from './listening.ts'

export const DURATION_S = Number(process.env.DURATION ?? 10)
export const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32)
const API_KEY = 'bench-api-key-0000000000'
// The data directory must be on a real disk: fsync on tmpfs costs nothing and would flatter the log.
export const WORK_DIR = mkdtempSync(join(process.cwd(), '.bench-'))

if (spawnSync('wrk', ['--version']).error) {
  console.error('wrk is not installed. On Debian: apt-get install -y wrk (as root), then run this again.')
  process.exit(1)
}

export const BASELINE = `
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, reusePort: false, maxRequestBodySize: 8 << 20,
  async fetch(request) { await request.arrayBuffer(); return new Response('{"accepted":0}') } })
console.log('listening on http://127.0.0.1:' + server.port)`

export const INLET = existsSync('dist/inlet') ? ['dist/inlet'] : [process.execPath, 'src/main.ts']

export interface Server {
  url: string
  process: Subprocess<'ignore', 'pipe', 'inherit'>
  dataDir: string
}

/** Starts `command` (`$DATA` in it becomes a fresh data directory); `env` adds to the variables it is given. */
export async function start(command: string[], env: Record<string, string> = {}): Promise<Server> {
  const dataDir = mkdtempSync(join(WORK_DIR, 'data-'))
  const child = spawn(
    command.map((part) => part.replace('$DATA', dataDir)),
    {
      stdout: 'pipe',
      stderr: 'inherit',
      env: { PATH: process.env.PATH ?? '', INLET_API_KEY: API_KEY, INLET_LOG_LEVEL: 'warn', ...env },
    },
  )
  const { url, reader } = await listeningUrl(child.stdout)
  void (async () => {
    while (!(await reader.read()).done) {}
  })()
  return { url, process: child, dataDir }
}

export const startInlet = (env: Record<string, string> = {}) =>
  start([...INLET, 'serve', '--listen', '127.0.0.1:0', '--data-dir', '$DATA'], env)

/** The CPU time a process has used so far, user and system, in seconds (Linux `/proc/<pid>/stat`). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces) start at its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the name; in clock ticks (100 Hz).
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** Stops the server; its peak RSS in MB. */
export async function stop(server: Server): Promise<number> {
  const peak = peakRssMb(server.process.pid)
  server.process.kill('SIGTERM')
  await server.process.exited
  return peak
}

/** A live process's peak resident memory (VmHWM) in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

export interface WrkResult {
  rps: number
  /** Requests completed in the run. */
  requests: number
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
export function wrk(
  url: string,
  body: Uint8Array,
  headers: Record<string, string>,
  connections: number,
  rate?: number,
  seconds = DURATION_S,
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
  const run = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], {
    encoding: 'utf8',
  })
  const out = run.stdout
  const ms = (label: string) => {
    const match = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out)
    if (!match) return Number.NaN
    const value = Number(match[1])
    return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value
  }
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    p50: ms('50'),
    p99: ms('99'),
    errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  }
}

/** A request the benchmarks send: its body, the source it goes to, and the headers that source asks for. */
export interface RequestShape {
  name: string
  events: number
  body: Uint8Array<ArrayBuffer>
  source: Record<string, unknown>
  headers: (source: Record<string, string>, body: Uint8Array) => Record<string, string>
}

export async function createSource(server: Server, input: Record<string, unknown>) {
  const response = await fetch(`${server.url}/log-sources/http`, {
    method: 'POST',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ integrationLabel: 'bench', ...input }),
  })
  if (response.status !== 201) throw new Error(`create source: ${response.status} ${await response.text()}`)
  return (await response.json()) as Record<string, string>
}

export const f = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** Creates a schema through the API; `spec` is its YAML. */
export async function createSchema(server: Server, name: string, spec: string) {
  const response = await fetch(`${server.url}/schemas`, {
    method: 'POST',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ name, spec }),
  })
  if (response.status !== 201) throw new Error(`create schema: ${response.status} ${await response.text()}`)
}

/** Removes the working directory; call once, when the benchmark ends. */
export const cleanUp = () => rmSync(WORK_DIR, { recursive: true, force: true })

/** The server's system errors (the schemas benchmark checks that no event failed classification). */
export async function systemErrors(server: Server): Promise<{ type: string; count: number }[]> {
  const response = await fetch(`${server.url}/system-errors`, { headers: { 'x-api-key': API_KEY } })
  return ((await response.json()) as { results: { type: string; count: number }[] }).results
}

/** The ingest benchmarks' event: six fields, about 150 bytes of NDJSON. */
export const line = (i: number) =>
  JSON.stringify({
    time: new Date(1_790_000_000_000 + i * 1000).toISOString(),
    level: i % 7 === 0 ? 'warn' : 'info',
    user: `user${i % 97}@example.com`,
    ip: `10.0.${i % 256}.${(i * 7) % 256}`,
    message: `request ${i} handled`,
    ms: i % 300,
  })
