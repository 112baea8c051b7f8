/**
 * Runs the real server as a child process on port 0 with a temporary data directory (or the caller's,
 * to restart a server on the data it left): the source tree through Bun by default, or the compiled
 * binary when INLET_BIN names one (CI's smoke test).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Subprocess, spawn } from 'bun'
import { EVENTLOG_DEFAULTS, openEventLog } from '../../src/eventlog/index.ts'
import { silentLogger } from '../../src/logger.ts'
import { tempDir } from '../helpers.ts'

export const INLET_COMMAND = process.env.INLET_BIN
  ? [process.env.INLET_BIN]
  : [process.execPath, 'src/main.ts']

export interface RunningInlet {
  url: string
  dataDir: string
  apiKey: string
  process: Subprocess<'ignore', 'pipe', 'pipe'>
  stdout: string[]
  /** SIGTERM, then the exit code, everything written to stderr and the events the log holds. */
  stop(): Promise<{ code: number | null; stderr: string; events: Record<string, unknown>[] }>
  /** SIGKILL, as a crash or power cut would end it; the data directory is left as the server left it. */
  kill(): Promise<{ stderr: string }>
}

/**
 * Starts a server. With `dataDir` it serves that directory and never removes it: the caller owns it and
 * may start a server on it again. Pass INLET_API_KEY in `env` then, since the key file is written
 * only on the first start.
 */
export async function startInlet(
  options: { args?: string[]; env?: Record<string, string>; dataDir?: string } = {},
): Promise<RunningInlet> {
  const dir = options.dataDir ? { path: options.dataDir, [Symbol.dispose]: () => {} } : tempDir('inlet-e2e-')
  const child = spawn(
    [...INLET_COMMAND, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dir.path, ...(options.args ?? [])],
    {
      // Two ingest workers beside the log writer, as on any machine with two cores or more.
      env: { PATH: process.env.PATH ?? '', INLET_SERVER_WORKERS: '2', ...options.env },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    },
  )
  const stdout: string[] = []
  const reader = child.stdout.getReader()
  const decoder = new TextDecoder()
  let buffered = ''
  const deadline = Date.now() + 15_000
  // A server that hangs before printing anything would leave the read below waiting forever.
  const hung = setTimeout(() => child.kill('SIGKILL'), 15_000)
  let url: string | undefined
  while (!url && Date.now() < deadline) {
    const { done, value } = await reader.read()
    if (done) break
    buffered += decoder.decode(value, { stream: true })
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    stdout.push(...lines)
    url = stdout.map((line) => /listening on (\S+)/.exec(line)?.[1]).find(Boolean)
  }
  clearTimeout(hung)
  if (!url) {
    child.kill()
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()])
    dir[Symbol.dispose]()
    throw new Error(`server did not start (exit ${code}): ${stdout.join('\n')}\n${stderr}`)
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      stdout.push(...decoder.decode(value).split('\n').filter(Boolean))
    }
  })()
  // The key file is written before the server listens; the printed line may arrive in a later chunk.
  const apiKey = options.env?.INLET_API_KEY ?? readFileSync(join(dir.path, 'api-key'), 'utf8').trim()
  return {
    url,
    dataDir: dir.path,
    apiKey,
    process: child,
    stdout,
    async stop() {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      const code = await child.exited
      clearTimeout(timer)
      const stderr = await new Response(child.stderr).text()
      const events = await readEvents(join(dir.path, 'log'))
      dir[Symbol.dispose]()
      return { code, stderr, events }
    },
    async kill() {
      child.kill('SIGKILL')
      await child.exited
      return { stderr: await new Response(child.stderr).text() }
    },
  }
}

/** Every event in a stopped server's log, oldest first; none when it never opened one. */
async function readEvents(dir: string): Promise<Record<string, unknown>[]> {
  if (!existsSync(dir)) return []
  const log = await openEventLog({ ...EVENTLOG_DEFAULTS, dir }, { logger: silentLogger })
  const events: Record<string, unknown>[] = []
  try {
    for await (const record of log.read({ order: 'asc' })) {
      events.push(JSON.parse(new TextDecoder().decode(record.payload)))
    }
  } finally {
    await log.close()
  }
  return events
}

/** A self-signed certificate for 127.0.0.1 made by openssl in `dir`: the PEM files' paths. */
export function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ])
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`)
  return { cert, key }
}

/** Runs one CLI command to completion. */
export async function runCli(args: string[], env: Record<string, string> = {}, stdin?: string) {
  const child = spawn([...INLET_COMMAND, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdin: stdin === undefined ? 'ignore' : new Blob([stdin]),
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { code, stdout, stderr }
}
