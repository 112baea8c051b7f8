/**
 * GET /metrics: traffic driven through the real ingest and search routes shows up in the exposition with
 * the right values; the text passes `promtool check metrics` (Debian's promtool, required: a missing one
 * fails the test); label values with backslashes, quotes and newlines survive a round trip; and only the
 * admin key or the metrics token may read it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { Elysia } from 'elysia'
import { errorMapping } from '../../src/api/errors.ts'
import { eventsApi } from '../../src/api/events.ts'
import { METRICS_CONTENT_TYPE, type MetricsRouteDeps, metricsRoute } from '../../src/api/metrics.ts'
import { SearchCounters } from '../../src/health/counters.ts'
import { EventLoopMonitor } from '../../src/health/event-loop.ts'
import { renderMetrics } from '../../src/health/metrics.ts'
import { silentLogger } from '../../src/logger.ts'
import { BASE_URL, TEST_API_KEY, type TestApp, testApp } from '../helpers.ts'

const PROMTOOL = '/usr/bin/promtool'
const METRICS_TOKEN = 'scrape-token-0123456789'
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'

// ---- a small parser of the text format, strict enough to catch what the writer could get wrong ----

interface ParsedSample {
  name: string
  labels: Record<string, string>
  value: number
}

interface Family {
  type: string
  help: string
  samples: ParsedSample[]
}

/** The samples a family's TYPE line covers: histograms add `_bucket`, `_sum` and `_count`. */
const familyOf = (name: string, families: Map<string, Family>) =>
  families.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '')

function parseExposition(text: string): Map<string, Family> {
  expect(text.endsWith('\n')).toBe(true)
  const families = new Map<string, Family>()
  let current: string | null = null
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
    if (help) {
      const name = help[1]!
      // Each family once, its samples together.
      expect(families.has(name)).toBe(false)
      families.set(name, { type: '', help: unescapeHelp(help[2]!), samples: [] })
      current = name
      continue
    }
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$/.exec(line)
    if (type) {
      expect(type[1]).toBe(current!)
      families.get(type[1]!)!.type = type[2]!
      continue
    }
    const sample = parseSample(line)
    expect(familyOf(sample.name, families)).toBe(current!)
    families.get(current!)!.samples.push(sample)
  }
  return families
}

function parseSample(line: string): ParsedSample {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)
  if (!name) throw new Error(`not a sample: ${line}`)
  let at = name[0].length
  const labels: Record<string, string> = {}
  if (line[at] === '{') {
    at++
    while (line[at] !== '}') {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at))
      if (!label) throw new Error(`bad label at ${at}: ${line}`)
      at += label[0].length
      let value = ''
      for (; line[at] !== '"'; at++) {
        if (at >= line.length) throw new Error(`unterminated label value: ${line}`)
        if (line[at] === '\\') {
          at++
          const escaped = line[at]
          if (escaped === 'n') value += '\n'
          else if (escaped === '\\' || escaped === '"') value += escaped
          else throw new Error(`bad escape \\${escaped}: ${line}`)
        } else value += line[at]
      }
      at++
      labels[label[1]!] = value
      if (line[at] === ',') at++
    }
    at++
  }
  const rest = line.slice(at)
  const value = /^ (\S+)$/.exec(rest)
  if (!value) throw new Error(`bad value: ${line}`)
  const number = value[1] === '+Inf' ? Infinity : value[1] === '-Inf' ? -Infinity : Number(value[1])
  expect(Number.isNaN(number) && value[1] !== 'NaN').toBe(false)
  return { name: name[0], labels, value: number }
}

const unescapeHelp = (text: string) => text.replace(/\\(n|\\)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'))

/** The value of the one sample of `name` whose labels include `labels`. */
function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = families.get(familyOf(name, families))
  if (!family) throw new Error(`no family for ${name}`)
  const matching = family.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )
  expect(matching.length).toBe(1)
  return matching[0]!.value
}

function promtool(text: string): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (run.error)
    throw new Error(`${PROMTOOL} could not run (${run.error.message}); install Debian's prometheus`)
  return { status: run.status, output: `${run.stdout}${run.stderr}` }
}

// ---- the app under test ----

let t: TestApp
let search: SearchCounters
let eventLoop: EventLoopMonitor
let sourceId: string
let metricsApp: ReturnType<typeof buildMetricsApp>

/** Search and /metrics over the TestApp's registry, log and counters, with the JSON error mapping. */
function buildMetricsApp(overrides: Partial<MetricsRouteDeps> = {}) {
  const deps: MetricsRouteDeps = {
    counters: t.counters,
    search,
    log: t.log,
    eventLoop,
    alarmStates: () => [{ sourceId, type: 'SOURCE_NO_DATA', state: 'ALARM' }],
    openSystemErrors: () => t.registry.systemErrors.list({ state: 'open' }),
    alertsPending: () => 2,
    apiKey: t.registry.apiKey,
    metricsToken: METRICS_TOKEN,
    version: '9.9.9-test',
    ...overrides,
  }
  return new Elysia({ name: 'metrics-test', normalize: false })
    .use(errorMapping(silentLogger))
    .use(
      eventsApi({
        registry: t.registry,
        log: t.log,
        limits: t.config.search,
        clock: () => t.clock.now,
        searchCounters: search,
      }),
    )
    .use(metricsRoute(deps))
}

const get = (app: { handle(request: Request): Promise<Response> }, path: string, headers = {}) =>
  app.handle(new Request(`${BASE_URL}${path}`, { headers }))

const ingest = (id: string, body: string, headers: Record<string, string> = {}) =>
  t.call('POST', `/http/${id}`, {
    body,
    key: null,
    headers: { 'content-type': 'application/json', ...headers },
  })

beforeAll(async () => {
  t = await testApp()
  search = new SearchCounters()
  eventLoop = new EventLoopMonitor({ intervalMs: 5 })
  eventLoop.start()
  const created = await t.call('POST', '/log-sources/http', {
    body: {
      integrationLabel: 'metrics',
      logTypes: [],
      authMethod: 'Bearer',
      authBearerToken: 'sender-token-0123456789',
    },
  })
  expect(created.status).toBe(201)
  sourceId = ((await created.json()) as { integrationId: string }).integrationId
  metricsApp = buildMetricsApp()
})

afterAll(async () => {
  eventLoop.stop()
  await t.close()
})

describe('GET /metrics', () => {
  let families: Map<string, Family>
  let text: string

  beforeAll(async () => {
    const auth = { authorization: 'Bearer sender-token-0123456789' }
    for (const body of ['{"n":1}', '{"n":2}\n{"n":3}', '[{"n":4},{"n":5},{"n":6}]']) {
      expect((await ingest(sourceId, body, auth)).status).toBe(200)
    }
    expect(
      (await ingest(sourceId, '{"n":7}', { authorization: 'Bearer wrong-token-0123456789' })).status,
    ).toBe(401)
    expect((await ingest(sourceId, '{"n":8}')).status).toBe(401)
    expect((await ingest(UNKNOWN_ID, '{"n":9}')).status).toBe(404)
    expect(
      (await get(metricsApp, `/events?sourceId=${sourceId}`, { 'x-api-key': TEST_API_KEY })).status,
    ).toBe(200)
    expect((await get(metricsApp, '/events/count', { 'x-api-key': TEST_API_KEY })).status).toBe(200)
    expect((await get(metricsApp, '/events?q=%28%28', { 'x-api-key': TEST_API_KEY })).status).toBe(400)
    await Bun.sleep(30)
    const response = await get(metricsApp, '/metrics', { 'x-api-key': TEST_API_KEY })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe(METRICS_CONTENT_TYPE)
    text = await response.text()
    families = parseExposition(text)
  })

  test('passes promtool check metrics, lint included', () => {
    const { status, output } = promtool(text)
    expect(output).toBe('')
    expect(status).toBe(0)
  })

  test('ingest counts match the traffic', () => {
    expect(families.get('inlet_ingest_events_total')!.type).toBe('counter')
    expect(sampleValue(families, 'inlet_ingest_events_total', { source: sourceId })).toBe(6)
    expect(sampleValue(families, 'inlet_ingest_requests_total', { source: sourceId, status: '200' })).toBe(3)
    expect(sampleValue(families, 'inlet_ingest_requests_total', { source: sourceId, status: '401' })).toBe(2)
    expect(sampleValue(families, 'inlet_ingest_requests_total', { source: 'unknown', status: '404' })).toBe(1)
    // The id sent to an unknown source never becomes a label.
    expect(text).not.toContain(UNKNOWN_ID)
    const bytes = '{"n":1}'.length + '{"n":2}\n{"n":3}'.length + '[{"n":4},{"n":5},{"n":6}]'.length
    expect(sampleValue(families, 'inlet_ingest_bytes_total', { source: sourceId })).toBe(bytes)
    expect(sampleValue(families, 'inlet_ingest_auth_failures_total', { reason: 'mismatch' })).toBe(1)
    expect(sampleValue(families, 'inlet_ingest_auth_failures_total', { reason: 'missing' })).toBe(1)
    expect(sampleValue(families, 'inlet_ingest_rejections_total', { code: 'UNAUTHORIZED' })).toBe(2)
    expect(sampleValue(families, 'inlet_ingest_rejections_total', { code: 'NOT_FOUND' })).toBe(1)
    expect(sampleValue(families, 'inlet_ingest_last_event_timestamp_seconds', { source: sourceId })).toBe(
      t.clock.now / 1000,
    )
  })

  test('event log metrics match the log', () => {
    const stats = t.log.stats()
    expect(families.get('inlet_log_fsync_duration_seconds')!.type).toBe('histogram')
    expect(sampleValue(families, 'inlet_log_fsync_duration_seconds_count')).toBe(stats.fsyncs)
    expect(sampleValue(families, 'inlet_log_fsync_duration_seconds_bucket', { le: '+Inf' })).toBe(
      stats.fsyncs,
    )
    expect(sampleValue(families, 'inlet_log_group_commit_records_sum')).toBe(6)
    expect(sampleValue(families, 'inlet_log_records_total')).toBe(6)
    expect(sampleValue(families, 'inlet_log_size_bytes')).toBe(stats.bytes)
    expect(sampleValue(families, 'inlet_log_segments')).toBe(1)
    expect(sampleValue(families, 'inlet_log_queue_bytes')).toBe(0)
    expect(sampleValue(families, 'inlet_log_write_errors_total')).toBe(0)
    // Buckets are cumulative and end with +Inf.
    const buckets = families
      .get('inlet_log_group_commit_records')!
      .samples.filter((s) => s.name.endsWith('_bucket'))
    expect(buckets.at(-1)!.labels.le).toBe('+Inf')
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value)
  })

  test('searches are counted by kind and outcome, with the bytes they read', () => {
    expect(sampleValue(families, 'inlet_search_queries_total', { kind: 'events', outcome: 'ok' })).toBe(1)
    expect(sampleValue(families, 'inlet_search_queries_total', { kind: 'events', outcome: 'error' })).toBe(1)
    expect(sampleValue(families, 'inlet_search_queries_total', { kind: 'count', outcome: 'ok' })).toBe(1)
    expect(sampleValue(families, 'inlet_search_queries_total', { kind: 'count', outcome: 'error' })).toBe(0)
    // Both searches read the whole (small) log: every stored byte at least once.
    expect(sampleValue(families, 'inlet_search_scanned_bytes_total', { kind: 'events' })).toBeGreaterThan(0)
    expect(sampleValue(families, 'inlet_search_scanned_bytes_total', { kind: 'count' })).toBeGreaterThan(0)
  })

  test('health, process and build metrics', () => {
    for (const [state, value] of [
      ['ALARM', 1],
      ['OK', 0],
      ['INSUFFICIENT_DATA', 0],
    ] as const) {
      expect(
        sampleValue(families, 'inlet_source_alarm_state', {
          source: sourceId,
          type: 'SOURCE_NO_DATA',
          state,
        }),
      ).toBe(value)
    }
    expect(families.get('inlet_system_errors_open')!.type).toBe('gauge')
    expect(sampleValue(families, 'inlet_alerts_pending')).toBe(2)
    expect(sampleValue(families, 'inlet_process_resident_memory_bytes')).toBeGreaterThan(1024 * 1024)
    expect(sampleValue(families, 'inlet_process_heap_bytes')).toBeGreaterThan(0)
    const start = sampleValue(families, 'inlet_process_start_time_seconds')
    expect(start).toBeLessThanOrEqual(Date.now() / 1000)
    expect(start).toBeGreaterThan(Date.now() / 1000 - 3600)
    expect(sampleValue(families, 'inlet_process_cpu_seconds_total')).toBeGreaterThan(0)
    expect(sampleValue(families, 'inlet_event_loop_lag_seconds_count')).toBeGreaterThan(0)
    expect(sampleValue(families, 'inlet_event_loop_lag_max_seconds')).toBeGreaterThanOrEqual(0)
    expect(sampleValue(families, 'inlet_build_info', { version: '9.9.9-test' })).toBe(1)
  })

  test('every family has HELP and TYPE; counters end in _total', () => {
    for (const [name, family] of families) {
      expect(family.help).not.toBe('')
      expect(['counter', 'gauge', 'histogram']).toContain(family.type)
      if (family.type === 'counter') expect(name.endsWith('_total')).toBe(true)
    }
  })
})

describe('escaping', () => {
  test('label values with backslash, double quote and newline round-trip', () => {
    const odd = 'C:\\logs\\"quoted"\nsecond line \\n'
    const text = renderMetrics({
      counters: t.counters,
      search,
      log: t.log,
      eventLoop,
      alarmStates: () => [{ sourceId: 'plain', type: odd, state: 'OK' }],
      openSystemErrors: () => [
        { type: odd, sourceId: null },
        { type: odd, sourceId: 'x' },
      ],
      alertsPending: () => 0,
      version: `v"1\\2\n`,
    })
    const families = parseExposition(text)
    expect(sampleValue(families, 'inlet_source_alarm_state', { type: odd, state: 'OK' })).toBe(1)
    expect(sampleValue(families, 'inlet_system_errors_open', { type: odd })).toBe(2)
    expect(sampleValue(families, 'inlet_build_info', { version: `v"1\\2\n` })).toBe(1)
    // No raw newline inside a label: every line is a comment or a whole sample.
    for (const line of text.trimEnd().split('\n'))
      expect(line.startsWith('#') || /^[a-z_]+[{ ]/.test(line)).toBe(true)
    const { status, output } = promtool(text)
    expect(output).toBe('')
    expect(status).toBe(0)
  })
})

describe('auth', () => {
  const status = async (headers: Record<string, string>, app = metricsApp, path = '/metrics') =>
    (await get(app, path, headers)).status

  test('no credentials: 401 with the JSON error', async () => {
    const response = await get(metricsApp, '/metrics')
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="inlet"')
    const body = (await response.json()) as { error: { code: string } }
    expect(body.error.code).toBe('UNAUTHORIZED')
  })

  test('the admin key, as X-API-Key or as a Bearer token: 200', async () => {
    expect(await status({ 'x-api-key': TEST_API_KEY })).toBe(200)
    expect(await status({ authorization: `Bearer ${TEST_API_KEY}` })).toBe(200)
  })

  test('the metrics token as a Bearer token: 200; wrong or misplaced: 401', async () => {
    expect(await status({ authorization: `Bearer ${METRICS_TOKEN}` })).toBe(200)
    expect(await status({ authorization: `bearer ${METRICS_TOKEN}` })).toBe(200)
    expect(await status({ authorization: `Bearer ${METRICS_TOKEN}x` })).toBe(401)
    expect(await status({ authorization: 'Bearer ' })).toBe(401)
    expect(await status({ authorization: `Basic ${METRICS_TOKEN}` })).toBe(401)
    expect(await status({ 'x-api-key': METRICS_TOKEN })).toBe(401)
    expect(await status({ 'x-api-key': 'wrong-key-0123456789' })).toBe(401)
  })

  test('the metrics token opens nothing but /metrics', async () => {
    expect(await status({ 'x-api-key': METRICS_TOKEN }, metricsApp, '/events')).toBe(401)
    expect(await status({ authorization: `Bearer ${METRICS_TOKEN}` }, metricsApp, '/events')).toBe(401)
  })

  test('with no metrics token configured, an empty Bearer token opens nothing', async () => {
    const app = buildMetricsApp({ metricsToken: '' })
    expect(await status({ authorization: 'Bearer ' }, app)).toBe(401)
    expect(await status({ authorization: `Bearer ${METRICS_TOKEN}` }, app)).toBe(401)
    expect(await status({ authorization: `Bearer ${TEST_API_KEY}` }, app)).toBe(200)
  })
})
