/**
 * Peak memory under hostile mixes (test/reliability/memory-mixes.ts): each mix runs against a fresh
 * Inlet on its default configuration for DURATION seconds (default 10), and the server's peak RSS
 * (VmHWM) is printed beside `[ingest] memory_max` and beside the peak of a bare Bun server that reads
 * the same requests' bodies, started in the same run.
 *
 *   npx bun bench/memory.ts        (MIXES=name,… picks mixes by a word of their name)
 */
import {
  bomb,
  makeBodies,
  mixes,
  peakRssMiB,
  runMix,
  showStatuses,
} from '../test/reliability/memory-mixes.ts'
import { BASELINE, cleanUp, createSource, DURATION_S, f, start, startInlet, stop } from './harness.ts'

const MEMORY_MAX_MIB = 300
const bodies = await makeBodies()
const chosen = process.env.MIXES?.split(',')
const all = Object.entries(mixes(bodies)).filter(
  ([name]) => !chosen || chosen.some((word) => name.includes(word)),
)

const baseline = await start([process.execPath, '-e', BASELINE])
await runMix(baseline.url, [bomb(bodies.events.gzip, 'gzip')], 2)
console.log(`bare Bun server reading bodies: peak RSS ${f(peakRssMiB(baseline.process.pid), 1)} MiB`)
await stop(baseline)

console.log(`\n${'mix'.padEnd(48)} ${'peak RSS MiB'.padStart(13)}  of memory_max  answers`)
for (const [name, senders] of all) {
  const server = await startInlet()
  const source = await createSource(server, { authMethod: 'None' })
  const idle = peakRssMiB(server.process.pid)
  const result = await runMix(`${server.url}/http/${source.integrationId}`, senders, DURATION_S)
  const peak = await stop(server)
  const share = `${f((peak / MEMORY_MAX_MIB) * 100)}%`
  console.log(
    `${name.padEnd(48)} ${f(peak, 1).padStart(13)}  ${share.padStart(12)}  ${showStatuses(result.statuses)} (idle ${f(idle, 1)})`,
  )
}
cleanUp()
