/**
 * Run under Deno (`npm run check:deno`): builds the app on node:sqlite and drives the management API
 * and the ingest route through `app.handle`, then appends to and reads back the event log, proving the code outside
 * src/runtime/ is not tied to Bun.
 * Prints one line and exits non-zero on any mismatch.
 */
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import { EVENTLOG_DEFAULTS, openEventLog } from '../../src/eventlog/index.ts'
import { silentLogger } from '../../src/logger.ts'
import { openRegistry } from '../../src/registry/index.ts'
import { lateLogHooks, startServices } from '../../src/services.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'inlet-deno-'))
const key = 'deno-portability-key-1'
try {
  const { config } = loadConfig({ env: {}, flags: { data_dir: dataDir } })
  const registry = await openRegistry({ dataDir, envApiKey: key, logger: silentLogger })
  const logHooks = lateLogHooks()
  const ingestLog = await openEventLog(
    { ...EVENTLOG_DEFAULTS, dir: join(dataDir, 'ingest-log') },
    { logger: silentLogger, health: logHooks },
  )
  const services = startServices({ config, registry, log: ingestLog, logger: silentLogger, logHooks })
  const app = createApp({
    config,
    registry,
    log: ingestLog,
    logger: silentLogger,
    services,
    publicUrl: () => 'http://deno.test',
  })
  const call = (method: string, path: string, body?: unknown) =>
    app.handle(
      new Request(`http://deno.test${path}`, {
        method,
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    )
  // A schema, so the ingested events are classified on this runtime too.
  const schema = await call('POST', '/schemas', {
    name: 'Custom.Deno',
    spec: 'fields:\n  - name: n\n    type: bigint\n    required: true\n',
  })
  const created = await call('POST', '/log-sources/http', {
    integrationLabel: 'deno',
    authMethod: 'HMAC',
    authHeaderKey: 'X-Sig',
    logTypes: ['Custom.Deno'],
  })
  const source = (await created.json()) as { integrationId: string; authSecretValue: string }
  const read = await call('GET', `/log-sources/http/${source.integrationId}`)
  const bad = await call('POST', '/log-sources/http', { integrationLabel: 'deno', authMethod: 'None' })
  const keys = registry.sources.credentials(source.integrationId).keys
  // Ingest: an HMAC-signed gzip NDJSON body, framed, stamped and appended on this runtime.
  const events = new TextEncoder().encode('{"n":1}\n{"n":2}\n')
  const zipped = new Uint8Array(
    await new Response(new Blob([events]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer(),
  )
  const signature = createHmac('sha256', source.authSecretValue).update(zipped).digest('hex')
  const ingested = await app.handle(
    new Request(`http://deno.test/http/${source.integrationId}`, {
      method: 'POST',
      headers: { 'x-sig': signature, 'content-encoding': 'gzip' },
      body: zipped,
    }),
  )
  const accepted = ((await ingested.json()) as { accepted?: number }).accepted
  const inferred = (await (
    await call('POST', `/log-sources/http/${source.integrationId}/infer-schema`)
  ).json()) as {
    eventsSampled?: number
  }
  const classified: string[] = []
  for await (const record of ingestLog.read({ order: 'asc' })) {
    classified.push(JSON.parse(new TextDecoder().decode(record.payload)).p_log_type)
  }
  const health = (await (await call('GET', `/log-sources/http/${source.integrationId}/health`)).json()) as {
    eventsTotal?: number
  }
  const metrics = await (await call('GET', '/metrics')).text()
  await services.close()
  await ingestLog.close()
  registry.close()
  const log = await openEventLog(
    { ...EVENTLOG_DEFAULTS, dir: join(dataDir, 'log') },
    { logger: silentLogger },
  )
  const payload = new TextEncoder().encode('{"hello":"deno"}')
  await log.append([{ payload, eventTimeMs: Date.now(), sourceId: source.integrationId }])
  const stored: string[] = []
  for await (const record of log.read({ order: 'asc' })) stored.push(new TextDecoder().decode(record.payload))
  await log.close()
  const ok =
    created.status === 201 &&
    read.status === 200 &&
    bad.status === 409 &&
    keys[0] === source.authSecretValue &&
    schema.status === 201 &&
    accepted === 2 &&
    classified.join() === 'Custom.Deno,Custom.Deno' &&
    inferred.eventsSampled === 2 &&
    health.eventsTotal === 2 &&
    metrics.includes(`inlet_ingest_events_total{source="${source.integrationId}"} 2`) &&
    stored.join() === '{"hello":"deno"}'
  console.log(
    `deno ${ok ? 'ok' : 'FAILED'}: create ${created.status}, read ${read.status}, duplicate ${bad.status}, ` +
      `ingest ${ingested.status} (${accepted} accepted, classified as ${classified.join()}), ` +
      `inferred from ${inferred.eventsSampled} event(s), health counts ${health.eventsTotal} event(s), ` +
      `log read back ${stored.length} record(s)`,
  )
  if (!ok) throw new Error('portability check failed')
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
