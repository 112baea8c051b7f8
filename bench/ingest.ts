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
import { createHmac } from 'node:crypto'
import { rmSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import {
  BASELINE,
  CONNECTIONS,
  cleanUp,
  createSource,
  DURATION_S,
  f,
  INLET,
  line,
  type RequestShape,
  start,
  startInlet,
  stop,
  wrk,
} from './harness.ts'

interface Scenario extends RequestShape {
  /** wrk connections; 1 MiB bodies use fewer, as senders of large batches do. */
  connections: number
}

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
  cleanUp()
}
