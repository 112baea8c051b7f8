/**
 * Inlet as a child process for the benchmarks that run it a long while under their own settings
 * (hostile.ts, soak.ts): a fresh data directory under the working directory (a real disk, as harness.ts
 * explains), every INLET_* variable of the benchmark's environment passed on (so
 * `INLET_SERVER_HEAD_TIMEOUT_MS=1000 npx bun bench/hostile.ts` tunes the server), its stderr kept, and
 * its memory read from /proc.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Subprocess, spawn } from 'bun'
import { cleanUp, INLET, WORK_DIR } from './harness.ts'
import { listeningUrl } from './listening.ts'

export const BENCH_API_KEY = 'bench-api-key-0000000000'

export interface InletProcess {
  url: string
  pid: number
  dataDir: string
  process: Subprocess<'ignore', 'pipe', 'pipe'>
  /** The server's resident set now and at its peak, in MiB. */
  memory(): { rssMiB: number; peakMiB: number }
  /** SIGTERM; the exit code and what the server wrote to stderr. */
  stop(): Promise<{ code: number | null; stderr: string }>
}

export async function startInletProcess(): Promise<InletProcess> {
  const dataDir = mkdtempSync(join(WORK_DIR, 'data-'))
  // INLET_BIN names the binary the end-to-end tests run; the server would refuse it as an unknown setting.
  const passed = Object.entries(process.env).filter(
    ([name]) => name.startsWith('INLET_') && name !== 'INLET_BIN',
  )
  const child = spawn([...INLET, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PATH: process.env.PATH ?? '',
      INLET_LOG_LEVEL: 'warn',
      ...Object.fromEntries(passed),
      INLET_API_KEY: BENCH_API_KEY,
    },
  })
  // Both pipes are drained all along, so the server never blocks writing to a full one.
  const stderr = new Response(child.stderr).text()
  // A server that does not start ends the benchmark: its working directory goes with it.
  const { url, reader } = await listeningUrl(child.stdout).catch(async (error) => {
    cleanUp()
    throw new Error(`${error.message}\n${await stderr}`)
  })
  void (async () => {
    while (!(await reader.read()).done) {}
  })()
  return {
    url,
    pid: child.pid,
    dataDir,
    process: child,
    memory: () => memoryOf(child.pid),
    async stop() {
      child.kill('SIGTERM')
      const code = await child.exited
      return { code, stderr: await stderr }
    },
  }
}

/** A process's resident set now (VmRSS) and at its peak (VmHWM), in MiB, from /proc (Linux). */
function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 }
}
