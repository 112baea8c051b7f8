/**
 * What source health costs ingest: the ingest benchmark's scenario (a) (20-event NDJSON, Bearer, fsync
 * always) against Inlet as it was before source health existed and against the current tree with health
 * on, in the same run. The requirement: the current tree stays within 3% of the base.
 *
 * The base revision (BASE_REV, default `c9fb4f4~1`) is checked out into a temporary git worktree that
 * shares this tree's node_modules; both sides run from their source trees through the same Bun (never
 * dist/inlet, which only one side would have), on the same config file and the same disk. The current
 * side is made to do its health work often: counters flushed and alarms judged every second (the
 * source has the default SOURCE_NO_DATA alarm), and GET /metrics scraped every second by a separate
 * process for the whole run.
 *
 * The two alternate, ROUNDS times each (default 3), in the order base/current, current/base, … so that
 * drift of the machine (thermals, page cache, other load) falls on both alike; each run is a fresh
 * server on a fresh data directory driven by wrk for DURATION seconds. Printed: each run, then the
 * medians of req/s and events/s and the ratio current/base of the medians, with the ratio of each round.
 * Also the server's CPU time per request (from /proc, all threads, the scrapes included): a second view
 * of the same cost, less bound to how the cores were shared with wrk and anything else running, though
 * not free of it (a busy machine costs every request more cache misses and context switches).
 *
 *   bun bench/health.ts      (needs wrk; DURATION=10, ROUNDS=3, BASE_REV=c9fb4f4~1, CONNECTIONS=32)
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { spawn } from 'bun'
import {
  CONNECTIONS,
  cleanUp,
  createSource,
  DURATION_S,
  f,
  line,
  type Server,
  start,
  stop,
  WORK_DIR,
  wrk,
} from './harness.ts'

const BASE_REV = process.env.BASE_REV ?? 'c9fb4f4~1'
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const EVENTS = 20
const REPO = resolve(import.meta.dir, '..')
const BASE_TREE = `/tmp/inlet-base-${process.pid}`
const METRICS_TOKEN = 'bench-metrics-token-000000'
/** The health work made frequent, so that its cost shows. */
const HEALTH_ENV = {
  INLET_HEALTH_ALARM_CHECK_INTERVAL_MS: '1000',
  INLET_HEALTH_COUNTERS_FLUSH_INTERVAL_MS: '1000',
  INLET_HEALTH_METRICS_TOKEN: METRICS_TOKEN,
}

/** Scrapes GET /metrics once a second until FOR_MS has passed; prints how it went and the events counted. */
const SCRAPER = `
const end = Date.now() + Number(process.env.FOR_MS)
let ok = 0, failed = 0, events = 0
while (Date.now() < end) {
  const started = Date.now()
  try {
    const response = await fetch(process.env.METRICS_URL, { headers: { authorization: 'Bearer ' + process.env.METRICS_TOKEN } })
    const text = await response.text()
    if (response.ok) {
      ok++
      events = 0
      for (const m of text.matchAll(/^inlet_ingest_events_total\\{[^}]*\\} (\\d+)/gm)) events += Number(m[1])
    } else failed++
  } catch { failed++ }
  await Bun.sleep(Math.max(0, Math.min(1000 - (Date.now() - started), end - Date.now())))
}
console.log(JSON.stringify({ ok, failed, events }))`

function git(...args: string[]): string {
  const run = spawnSync('git', ['-C', REPO, ...args], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr.trim()}`)
  return run.stdout.trim()
}

interface Side {
  name: 'base' | 'current'
  command: string[]
  env: Record<string, string>
}

interface Run {
  side: Side['name']
  round: number
  rps: number
  p50: number
  p99: number
  errors: number
  rssMb: number
  /** The server's CPU time (all threads, user and system) per request while wrk ran. */
  cpuMsPerRequest: number
  scrapes?: { ok: number; failed: number; events: number }
}

async function measure(side: Side, round: number, body: Uint8Array): Promise<Run> {
  const server: Server = await start(side.command, side.env)
  try {
    const source = await createSource(server, { authMethod: 'Bearer' })
    const headers = { authorization: `Bearer ${source.authBearerToken}` }
    const scraper =
      side.name === 'current'
        ? spawn([process.execPath, '-e', SCRAPER], {
            stdout: 'pipe',
            stderr: 'inherit',
            env: {
              PATH: process.env.PATH ?? '',
              METRICS_URL: `${server.url}/metrics`,
              METRICS_TOKEN,
              FOR_MS: String(DURATION_S * 1000),
            },
          })
        : null
    // wrk runs synchronously: the scraper is a process of its own so that it keeps going meanwhile.
    const cpuBefore = cpuMs(server.process.pid)
    const result = wrk(`${server.url}/http/${source.integrationId}`, body, headers, CONNECTIONS)
    const cpuMsPerRequest = (cpuMs(server.process.pid) - cpuBefore) / (result.rps * DURATION_S)
    let scrapes: Run['scrapes']
    if (scraper) {
      const out = await new Response(scraper.stdout).text()
      await scraper.exited
      scrapes = JSON.parse(out.trim().split('\n').at(-1) ?? '{}')
    }
    const rssMb = await stop(server)
    return { side: side.name, round, ...result, rssMb, cpuMsPerRequest, scrapes }
  } finally {
    if (server.process.exitCode === null) {
      server.process.kill('SIGKILL')
      await server.process.exited
    }
    rmSync(server.dataDir, { recursive: true, force: true })
  }
}

/** CPU time a process has used so far, from /proc (utime + stime, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

let worktreeAdded = false
/** Takes the worktree away again; the node_modules link goes first, so nothing can follow it. */
function removeWorktree(): void {
  if (!worktreeAdded) return
  worktreeAdded = false
  rmSync(join(BASE_TREE, 'node_modules'), { force: true })
  const removed = spawnSync('git', ['-C', REPO, 'worktree', 'remove', '--force', BASE_TREE], {
    encoding: 'utf8',
  })
  if (removed.status !== 0) console.error(`could not remove the worktree ${BASE_TREE}: ${removed.stderr}`)
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    removeWorktree()
    cleanUp()
    process.exit(130)
  })
}

try {
  const baseCommit = git('rev-parse', '--verify', `${BASE_REV}^{commit}`)
  const currentCommit = git('rev-parse', 'HEAD')
  const dirty = git('diff', '--name-only', 'HEAD', '--', 'src') !== ''
  git('worktree', 'add', '--detach', BASE_TREE, baseCommit)
  worktreeAdded = true
  symlinkSync(join(REPO, 'node_modules'), join(BASE_TREE, 'node_modules'))

  // One config file for both, given with --config, so that neither reads a config/inlet.toml of its own.
  const configFile = join(WORK_DIR, 'inlet.toml')
  writeFileSync(configFile, '[log]\nfsync = "always"\n')
  const serve = (tree: string) => [
    process.execPath,
    join(tree, 'src/main.ts'),
    'serve',
    '--config',
    configFile,
    '--listen',
    '127.0.0.1:0',
    '--data-dir',
    '$DATA',
  ]
  const sides: Side[] = [
    { name: 'base', command: serve(BASE_TREE), env: {} },
    { name: 'current', command: serve(REPO), env: HEALTH_ENV },
  ]
  const body = new TextEncoder().encode(`${Array.from({ length: EVENTS }, (_, i) => line(i)).join('\n')}\n`)

  console.log(
    `scenario (a): ${EVENTS}-event NDJSON (${body.byteLength} bytes), Bearer, fsync always; ` +
      `wrk -t1 -c${CONNECTIONS} -d${DURATION_S}s; bun ${Bun.version}; ${ROUNDS} rounds`,
  )
  console.log(`base:    ${BASE_REV} = ${baseCommit.slice(0, 12)}, from source in ${BASE_TREE}`)
  console.log(
    `current: ${currentCommit.slice(0, 12)}${dirty ? ' + uncommitted changes under src/' : ''}, from ` +
      'source; health on: alarm check and counter flush every 1 s, /metrics scraped every 1 s\n',
  )

  const runs: Run[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? sides : [...sides].reverse()
    for (const side of order) {
      const run = await measure(side, round, body)
      runs.push(run)
      const scraped = run.scrapes
        ? `; /metrics scraped ${run.scrapes.ok}x (${run.scrapes.failed} failed), ` +
          `${f(run.scrapes.events)} events counted at the last`
        : ''
      console.log(
        `round ${round} ${run.side.padEnd(7)} ${f(run.rps).padStart(7)} req/s ` +
          `${f(run.rps * EVENTS).padStart(9)} events/s  p50 ${f(run.p50, 2)} ms  p99 ${f(run.p99, 2)} ms  ` +
          `CPU ${f(run.cpuMsPerRequest * 1000)} µs/req  peak RSS ${f(run.rssMb)} MB${run.errors > 0 ? `  NON-200: ${run.errors}` : ''}${scraped}`,
      )
    }
  }

  const of = (side: Side['name']) => runs.filter((run) => run.side === side)
  const base = median(of('base').map((run) => run.rps))
  const current = median(of('current').map((run) => run.rps))
  const ratio = current / base
  const perRound = Array.from({ length: ROUNDS }, (_, i) => {
    const [b, c] = [of('base')[i]!, of('current')[i]!]
    return `${f((c.rps / b.rps) * 100, 1)}%`
  })
  const cpu = (side: Side['name']) => median(of(side).map((run) => run.cpuMsPerRequest * 1000))
  console.log('\n| side | median req/s | median events/s | median server CPU µs/req |')
  console.log('|---|---|---|---|')
  console.log(`| base (${BASE_REV}) | ${f(base)} | ${f(base * EVENTS)} | ${f(cpu('base'))} |`)
  console.log(`| current, health on | ${f(current)} | ${f(current * EVENTS)} | ${f(cpu('current'))} |`)
  console.log(`\ncurrent/base: ${f(ratio * 100, 1)}% (per round: ${perRound.join(', ')})`)
  console.log(`server CPU per request, current/base: ${f((cpu('current') / cpu('base')) * 100, 1)}%`)
  console.log(ratio >= 0.97 ? 'within 3%: yes' : 'within 3%: NO')
  if (runs.some((run) => run.errors > 0)) console.log('some runs had non-200 answers: see above')
} finally {
  removeWorktree()
  cleanUp()
}
