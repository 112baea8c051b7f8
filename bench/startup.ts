/**
 * Cold start: time from spawning the server to its first 200 from /healthz, for the compiled binary
 * and the source tree, beside a baseline in the same run: a bare Bun.serve answering 200, started the
 * same way. Prints median and p90 over RUNS starts each, and the ratio to the baseline.
 *
 *   npx bun bench/startup.ts            (build dist/inlet first: npm run build)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'bun'
import { listeningUrl } from './listening.ts'

const RUNS = Number(process.env.RUNS ?? 15)
const BASELINE = `const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('{"status":"ok"}') });
console.log('listening on http://127.0.0.1:' + s.port)`

async function startOnce(command: string[]): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'inlet-bench-'))
  const started = performance.now()
  const child = spawn(
    command.map((part) => part.replace('$DATA', dataDir)),
    {
      stdout: 'pipe',
      stderr: 'ignore',
      env: { PATH: process.env.PATH ?? '', INLET_API_KEY: 'bench-api-key-000000' },
    },
  )
  try {
    const { url } = await listeningUrl(child.stdout)
    for (let attempt = 0; attempt < 1000; attempt++) {
      const response = await fetch(`${url}/healthz`).catch(() => null)
      if (response?.status === 200) return performance.now() - started
    }
    throw new Error('healthz never answered')
  } finally {
    child.kill('SIGKILL')
    await child.exited
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function measure(name: string, command: string[]) {
  await startOnce(command) // warm the page cache
  const times: number[] = []
  for (let run = 0; run < RUNS; run++) times.push(await startOnce(command))
  times.sort((a, b) => a - b)
  return { name, median: times[Math.floor(times.length / 2)]!, p90: times[Math.floor(times.length * 0.9)]! }
}

const serveArgs = ['serve', '--listen', '127.0.0.1:0', '--data-dir', '$DATA']
const rows = [await measure('baseline: bare Bun.serve', [process.execPath, '-e', BASELINE])]
if (existsSync('dist/inlet')) rows.push(await measure('dist/inlet (binary)', ['dist/inlet', ...serveArgs]))
else console.log('dist/inlet not built; run npm run build to include it')
rows.push(await measure('bun src/main.ts', [process.execPath, 'src/main.ts', ...serveArgs]))

const base = rows[0]!.median
console.log(`cold start to first /healthz 200, ${RUNS} runs each`)
console.log('scenario                      median ms    p90 ms   × baseline')
for (const row of rows) {
  console.log(
    `${row.name.padEnd(28)} ${row.median.toFixed(1).padStart(9)} ${row.p90.toFixed(1).padStart(9)} ${(row.median / base).toFixed(2).padStart(11)}`,
  )
}
if (existsSync('dist/inlet'))
  console.log(`binary size: ${(Bun.file('dist/inlet').size / 1024 / 1024).toFixed(1)} MiB`)
