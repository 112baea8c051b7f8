/**
 * What schemas cost. In process: classification per event against a 30-field schema, beside storing the
 * same events as received and parsing and serializing them (what classifying through objects would
 * pay at least); and inference events/s.
 * Over HTTP: the ingest benchmark's scenario (b), 500-event gzip NDJSON with HMAC, first with its own
 * events (6 of the schema's fields), then with events holding all 30; each on a source without log
 * types, then on one with the 30-field schema attached.
 *
 *   npx bun bench/schemas.ts      (the HTTP part needs wrk: apt-get install wrk; DURATION=10 by default;
 *                                  PARTS=cpu,http picks parts)
 *
 * Goals: scenario (b) with the schema attached ≥ 120,000 events/s; inference ≥ 50,000 events/s.
 */
import { createHmac } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import type { FramedEvent } from '../src/ingest/framing/index.ts'
import { Stamper } from '../src/ingest/stamp.ts'
import type { SourceRecord } from '../src/registry/sources.ts'
import { createClassification } from '../src/schemas/classify.ts'
import { SchemaInferrer } from '../src/schemas/infer.ts'
import { parseSchemaSpec } from '../src/schemas/spec.ts'

const PARTS = process.env.PARTS?.split(',') ?? ['cpu', 'http']
const EVENTS = 50_000

/** A 30-field event: strings, numbers as numbers and as strings, booleans, timestamps, an object, an array. */
function event(i: number): Record<string, unknown> {
  return {
    id: `evt-${i.toString(36).padStart(8, '0')}`,
    time: new Date(1_790_000_000_000 + i * 1000).toISOString(),
    received: 1_790_000_000 + i,
    level: i % 7 === 0 ? 'warn' : 'info',
    service: `svc-${i % 13}`,
    host: `host-${i % 50}.example.com`,
    user: `user${i % 97}@example.com`,
    ip: `10.0.${i % 256}.${(i * 7) % 256}`,
    server_ip: `192.0.2.${i % 250}`,
    method: ['GET', 'POST', 'PUT'][i % 3],
    path: `/api/v1/items/${i % 1000}`,
    status: 200 + (i % 5),
    bytes: 512 + (i % 4096),
    duration_ms: (i % 1000) / 7,
    retries: String(i % 3),
    cached: i % 2 === 0,
    region: ['eu-west-1', 'us-east-1'][i % 2],
    trace_id: `${i.toString(16).padStart(32, 'a')}`,
    session: `s-${i % 5000}`,
    agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
    referrer: i % 4 === 0 ? 'https://www.example.org/start' : '',
    tenant: `t${i % 20}`,
    version: '2.4.1',
    sampled: i % 10 === 0 ? 'true' : 'false',
    ms: i % 300,
    geo: { country: 'DE', city: 'Berlin', lat: 52.52, lon: 13.405 },
    tags: ['web', `shard-${i % 8}`],
    error: i % 11 === 0 ? 'timeout' : null,
    request_id: `req-${i}`,
    message: `request ${i} handled`,
  }
}

const SPEC = `
fields:
  - { name: id, type: string }
  - { name: time, type: timestamp, timeFormats: [rfc3339], isEventTime: true, required: true }
  - { name: received, type: timestamp, timeFormats: [unix] }
  - { name: level, type: string }
  - { name: service, type: string }
  - { name: host, type: string, indicators: [hostname] }
  - { name: user, type: string, indicators: [email] }
  - { name: ip, type: string, indicators: [ip] }
  - { name: server_ip, type: string, indicators: [ip] }
  - { name: method, type: string }
  - { name: path, type: string }
  - { name: status, type: smallint }
  - { name: bytes, type: bigint }
  - { name: duration_ms, type: float }
  - { name: retries, type: int }
  - { name: cached, type: boolean }
  - { name: region, type: string }
  - { name: trace_id, type: string, indicators: [trace_id] }
  - { name: session, type: string }
  - { name: agent, type: string }
  - { name: referrer, type: string, indicators: [url] }
  - { name: tenant, type: string }
  - { name: version, type: string }
  - { name: sampled, type: boolean }
  - { name: ms, type: bigint }
  - name: geo
    type: object
    fields:
      - { name: country, type: string }
      - { name: city, type: string }
      - { name: lat, type: float }
      - { name: lon, type: float }
  - { name: tags, type: array, element: { type: string } }
  - { name: error, type: string }
  - { name: request_id, type: string }
  - { name: message, type: string }
`

const f = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** Best of three timed runs of `run` over `count` items, as items per second. */
function rate(count: number, run: () => void): number {
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < 3; i++) {
    const start = performance.now()
    run()
    best = Math.min(best, performance.now() - start)
  }
  return (count / best) * 1000
}

function cpu(): void {
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  const texts = Array.from({ length: EVENTS }, (_, i) => encoder.encode(JSON.stringify(event(i))))
  const spec = parseSchemaSpec(SPEC)
  const { classifierFor } = createClassification({
    schemas: {
      find: () => ({ parsed: spec, isFieldDiscoveryEnabled: false, revision: 1 }),
      onChange: () => () => {},
    },
    onFailures: () => {
      throw new Error('the benchmark events must all classify')
    },
  })
  const source = { id: '00000000-0000-4000-8000-000000000000', label: 'bench', logTypes: ['Custom.Bench'] }
  // As the framer hands events over: their validated bytes, parsed only if something asks for the value.
  const framed = (bytes: Uint8Array): FramedEvent => ({
    get value() {
      return JSON.parse(decoder.decode(bytes))
    },
    json: bytes,
    reservedKeys: false,
    timeMs: null,
  })
  const stamper = () =>
    new Stamper({ sourceId: source.id, sourceLabel: 'bench', parseTimeMs: Date.now(), bodyBytes: 1 << 20 })

  const asReceived = rate(EVENTS, () => {
    const stamp = stamper()
    for (const bytes of texts) stamp.stamp(framed(bytes))
  })
  const parseAndStore = rate(EVENTS, () => {
    const stamp = stamper()
    for (const bytes of texts) stamp.stamp({ ...framed(bytes), value: framed(bytes).value, json: null })
  })
  const classified = rate(EVENTS, () => {
    const classifier = classifierFor(source as SourceRecord)!
    const stamp = stamper()
    for (const bytes of texts) stamp.stamp(classifier.classify(framed(bytes))!)
    classifier.finish()
  })
  const samples = texts.map((bytes) => JSON.parse(decoder.decode(bytes)) as Record<string, unknown>)
  const inference = rate(EVENTS, () => {
    const inferrer = new SchemaInferrer()
    for (const sample of samples) inferrer.add(sample)
    inferrer.toSpec()
  })

  console.log(`in process, ${f(EVENTS)} events of ${f(texts[0]!.byteLength)} bytes, 30 fields:\n`)
  console.log('| step | events/s | µs/event | vs stored as received |')
  console.log('|---|---|---|---|')
  const row = (name: string, perSecond: number) =>
    console.log(`| ${name} | ${f(perSecond)} | ${f(1e6 / perSecond, 2)} | ${f(asReceived / perSecond, 2)}× |`)
  row('stored as received (stamp spliced onto the bytes)', asReceived)
  row('JSON.parse, then serialized and stamped', parseAndStore)
  row('classified (transcoded) and stamped', classified)
  row('inference (SchemaInferrer.add)', inference)
  console.log(
    `\nclassification: ${f(1e6 / classified - 1e6 / asReceived, 2)} µs/event over storing as received`,
  )
  console.log(`inference: ${f(inference)} events/s (goal ≥ 50,000)\n`)
}

async function http(): Promise<void> {
  // Imported here: the harness checks for wrk and makes its working directory as it loads.
  const { cleanUp, createSchema, createSource, DURATION_S, line, startInlet, stop, systemErrors, wrk } =
    await import('./harness.ts')
  const classificationFailures = async (server: Parameters<typeof systemErrors>[0]) =>
    (await systemErrors(server))
      .filter((error) => error.type === 'SOURCE_CLASSIFICATION_FAILURES')
      .reduce((sum, error) => sum + error.count, 0)
  const gzipped = (make: (i: number) => string) =>
    new Uint8Array(gzipSync(`${Array.from({ length: 500 }, (_, i) => make(i)).join('\n')}\n`))
  const bodies = [
    { name: '(b) as in bench/ingest.ts, 6-field events', body: gzipped(line) },
    { name: '(b) with 30-field events', body: gzipped((i) => JSON.stringify(event(i))) },
  ]
  const hmacSource = { authMethod: 'HMAC', authHeaderKey: 'X-Signature', authHmacAlg: 'sha256' }
  const headers = (source: Record<string, string>, body: Uint8Array) => ({
    'x-signature': `sha256=${createHmac('sha256', source.authSecretValue!).update(body).digest('hex')}`,
    'content-encoding': 'gzip',
  })
  try {
    console.log(`over HTTP: 500-event gzip NDJSON, HMAC sha256; wrk -t1 -c32 -d${DURATION_S}s\n`)
    console.log(
      '| body | source | req/s | events/s | p50 / p99 ms | peak RSS MB | non-200 | vs no log types |',
    )
    console.log('|---|---|---|---|---|---|---|---|')
    for (const { name, body } of bodies) {
      let plain = 0
      for (const withSchema of [false, true]) {
        const inlet = await startInlet()
        if (withSchema) await createSchema(inlet, 'Custom.Bench', SPEC)
        const source = await createSource(inlet, {
          ...hmacSource,
          logTypes: withSchema ? ['Custom.Bench'] : [],
        })
        const result = wrk(`${inlet.url}/http/${source.integrationId}`, body, headers(source, body), 32)
        const failures = await classificationFailures(inlet)
        const rss = await stop(inlet)
        if (failures > 0)
          throw new Error(`${failures} events failed classification: the benchmark measures nothing`)
        const events = result.rps * 500
        if (!withSchema) plain = events
        console.log(
          `| ${name} | ${withSchema ? '30-field schema attached' : 'no log types'} | ${f(result.rps)} | ${f(events)} | ` +
            `${f(result.p50, 2)} / ${f(result.p99, 2)} | ${f(rss)} | ${result.errors} | ${f((events / plain) * 100)}% |`,
        )
      }
    }
    console.log('\ngoal: scenario (b) with the 30-field schema attached ≥ 120,000 events/s')
  } finally {
    cleanUp()
  }
}

if (PARTS.includes('cpu')) cpu()
if (PARTS.includes('http')) await http()
