/**
 * The appliance's counters in the Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). Nothing is kept for it: every value is
 * read at scrape time from what ingest, the event log, search and the health checks already count.
 *
 * The format is written here rather than by prom-client: almost every value is read from existing
 * counters at scrape time, which a client library would need a collect callback per metric for, and
 * prom-client's default process metrics misreport under Bun and Deno (the heap as Bun's reserved address
 * space, an event-loop lag that stays blind to a blocked loop under Deno) and fail promtool's lint. What the
 * format asks is small: HELP and TYPE lines, each family's samples together, label values escaped
 * (backslash, double quote, newline), histograms as cumulative `_bucket{le=…}` plus `_sum` and `_count`.
 *
 * Labels carry only values the appliance chose: source ids from the registry (requests to ids that are
 * no source are counted under `unknown`), error codes, auth failure reasons, log and alarm types. No
 * sender-chosen string becomes a label, so a sender cannot grow the number of series.
 *
 * `GET /metrics` (api/metrics.ts) serves it.
 */
import { assert } from '../errors.ts'
import type { EventLog, EventLogStats } from '../eventlog/index.ts'
import type { HistogramSnapshot } from '../histogram.ts'
import { residentBytes } from '../runtime/memory.ts'
import type { IngestCounters, SearchCounters } from './counters.ts'
import type { EventLoopMonitor } from './event-loop.ts'

export type AlarmStateName = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'
const ALARM_STATES: readonly AlarmStateName[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA']

export interface MetricsDeps {
  counters: IngestCounters
  search: SearchCounters
  log: Pick<EventLog, 'stats'>
  eventLoop: EventLoopMonitor
  /** Alarm state of each source that has one. */
  alarmStates: () => ReadonlyArray<{ sourceId: string; type: string; state: AlarmStateName }>
  /** Open system errors. */
  openSystemErrors: () => ReadonlyArray<{ type: string; sourceId: string | null }>
  /** Undelivered alerts waiting in the outbox. */
  alertsPending: () => number
  version: string
}

export function renderMetrics(deps: MetricsDeps): string {
  const out = new Exposition()
  ingestMetrics(out, deps.counters)
  logMetrics(out, deps.log.stats())
  searchMetrics(out, deps.search)
  healthMetrics(out, deps)
  processMetrics(out, deps)
  return out.text()
}

function ingestMetrics(out: Exposition, counters: IngestCounters): void {
  const sources = [...counters.entries()]
  const requests: Sample[] = []
  for (const [source, counted] of sources) {
    for (const [status, count] of counted.statuses)
      requests.push(sample(count, { source, status: `${status}` }))
  }
  for (const [status, count] of counters.unknownSourceResponses) {
    requests.push(sample(count, { source: 'unknown', status: `${status}` }))
  }
  out.counter(
    'inlet_ingest_requests_total',
    'Ingest requests answered, by source id (unknown: no such source) and HTTP status.',
    requests,
  )
  out.counter(
    'inlet_ingest_events_total',
    'Events accepted and stored, by source.',
    sources.map(([source, counted]) => sample(counted.events, { source })),
  )
  out.counter(
    'inlet_ingest_bytes_total',
    'Request body bytes accepted, as sent (before decompression), by source.',
    sources.map(([source, counted]) => sample(counted.bytes, { source })),
  )
  out.gauge(
    'inlet_ingest_last_event_timestamp_seconds',
    'When the source last had an event accepted, in seconds since the epoch.',
    sources.flatMap(([source, counted]) =>
      counted.lastEventAtMs === null ? [] : [sample(counted.lastEventAtMs / 1000, { source })],
    ),
  )
  out.counter(
    'inlet_ingest_auth_failures_total',
    'Ingest requests that failed their source auth, by reason.',
    mapSamples(counters.authFailureReasons, 'reason'),
  )
  out.counter(
    'inlet_ingest_classification_failures_total',
    'Stored events that matched none of their source log types, by source.',
    sources.map(([source, counted]) => sample(counted.classificationFailures, { source })),
  )
  out.counter(
    'inlet_ingest_rejections_total',
    'Ingest requests refused, by error code (OVERLOADED, RATE_LIMITED, UNAUTHORIZED, ...).',
    mapSamples(counters.rejections, 'code'),
  )
}

function logMetrics(out: Exposition, stats: EventLogStats): void {
  out.histogram('inlet_log_fsync_duration_seconds', 'Event log fdatasync duration.', stats.fsyncSeconds)
  out.histogram(
    'inlet_log_group_commit_records',
    'Records acknowledged per group commit (per fdatasync under fsync=always).',
    stats.commitRecords,
  )
  out.counter('inlet_log_records_total', 'Records acknowledged by the event log.', [sample(stats.records)])
  out.gauge('inlet_log_size_bytes', 'Bytes in the event log segments.', [sample(stats.bytes)])
  out.gauge('inlet_log_segments', 'Event log segment files.', [sample(stats.segments)])
  out.gauge('inlet_log_queue_bytes', 'Bytes appended but not yet durable.', [sample(stats.queueBytes)])
  out.counter('inlet_log_write_errors_total', 'Failed event log writes and fdatasyncs.', [
    sample(stats.writeErrors),
  ])
  out.counter('inlet_log_overloads_total', 'Appends refused because the log queue was full.', [
    sample(stats.overloads),
  ])
  out.counter('inlet_log_corrupt_regions_total', 'Damaged log ranges skipped by reads.', [
    sample(stats.corruptRegions),
  ])
}

function searchMetrics(out: Exposition, search: SearchCounters): void {
  const queries = Object.entries(search.queries).flatMap(([kind, outcomes]) =>
    Object.entries(outcomes).map(([outcome, count]) => sample(count, { kind, outcome })),
  )
  out.counter(
    'inlet_search_queries_total',
    'Searches, by kind (events: GET /events, count: GET /events/count) and outcome (ok, error).',
    queries,
  )
  out.counter(
    'inlet_search_scanned_bytes_total',
    'Event log bytes read by searches, by kind.',
    Object.entries(search.bytesRead).map(([kind, bytes]) => sample(bytes, { kind })),
  )
}

function healthMetrics(out: Exposition, deps: MetricsDeps): void {
  out.gauge(
    'inlet_source_alarm_state',
    'Source alarm state: 1 for the current state, 0 for the others.',
    deps
      .alarmStates()
      .flatMap(({ sourceId, type, state }) =>
        ALARM_STATES.map((candidate) =>
          sample(candidate === state ? 1 : 0, { source: sourceId, type, state: candidate }),
        ),
      ),
  )
  const openByType = new Map<string, number>()
  for (const { type } of deps.openSystemErrors()) openByType.set(type, (openByType.get(type) ?? 0) + 1)
  out.gauge('inlet_system_errors_open', 'Open system errors, by type.', mapSamples(openByType, 'type'))
  out.gauge('inlet_alerts_pending', 'Alerts waiting to be delivered.', [sample(deps.alertsPending())])
}

/** The process's start, fixed once: the time origin of the runtime's clock. */
const START_TIME_SECONDS = performance.timeOrigin / 1000

function processMetrics(out: Exposition, deps: MetricsDeps): void {
  const cpu = process.cpuUsage()
  out.gauge('inlet_process_resident_memory_bytes', 'Resident memory size.', [sample(residentBytes())])
  out.gauge('inlet_process_heap_bytes', 'JavaScript heap in use.', [sample(process.memoryUsage().heapUsed)])
  out.gauge('inlet_process_start_time_seconds', 'Start time of the process since the epoch, in seconds.', [
    sample(START_TIME_SECONDS),
  ])
  out.counter('inlet_process_cpu_seconds_total', 'User and system CPU time spent.', [
    sample((cpu.user + cpu.system) / 1e6),
  ])
  out.histogram('inlet_event_loop_lag_seconds', 'How late a 100 ms timer fired.', deps.eventLoop.lag())
  out.gauge('inlet_event_loop_lag_max_seconds', 'Largest event loop lag since the previous scrape.', [
    sample(deps.eventLoop.takeMaxSeconds()),
  ])
  out.gauge('inlet_build_info', 'The running version, always 1.', [
    sample(1, { version: deps.version, runtime: runtimeName() }),
  ])
}

/** `bun 1.4.5`, `deno 2.9.6` or `node 22.1.0`: which runtime runs the appliance matters when reading its numbers. */
function runtimeName(): string {
  const versions = process.versions as Record<string, string | undefined>
  if (versions.bun) return `bun ${versions.bun}`
  if (versions.deno) return `deno ${versions.deno}`
  return `node ${versions.node ?? 'unknown'}`
}

type Labels = Readonly<Record<string, string>>

interface Sample {
  labels: Labels
  value: number
}

const sample = (value: number, labels: Labels = {}): Sample => ({ value, labels })

const mapSamples = (map: ReadonlyMap<string, number>, label: string): Sample[] =>
  [...map].map(([key, value]) => sample(value, { [label]: key }))

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/**
 * The text format, one family at a time: HELP, TYPE, then all its samples. Names are the code's own
 * constants, so a bad or repeated one is a programmer's error and fails an assertion.
 */
class Exposition {
  readonly #lines: string[] = []
  readonly #families = new Set<string>()

  counter(name: string, help: string, samples: readonly Sample[]): void {
    assert(name.endsWith('_total'), `counter ${name} ends in _total`)
    this.#family(name, 'counter', help)
    for (const { labels, value } of samples) this.#sample(name, labels, value)
  }

  gauge(name: string, help: string, samples: readonly Sample[]): void {
    this.#family(name, 'gauge', help)
    for (const { labels, value } of samples) this.#sample(name, labels, value)
  }

  histogram(name: string, help: string, snapshot: HistogramSnapshot): void {
    this.#family(name, 'histogram', help)
    snapshot.bounds.forEach((bound, i) => {
      this.#sample(`${name}_bucket`, { le: formatValue(bound) }, snapshot.counts[i]!)
    })
    this.#sample(`${name}_bucket`, { le: '+Inf' }, snapshot.count)
    this.#sample(`${name}_sum`, {}, snapshot.sum)
    this.#sample(`${name}_count`, {}, snapshot.count)
  }

  /** The exposition; the format wants every line, the last included, to end in a newline. */
  text(): string {
    return `${this.#lines.join('\n')}\n`
  }

  #family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
    assert(METRIC_NAME.test(name), `metric name ${name} is valid`)
    assert(!this.#families.has(name), `metric family ${name} is written once`)
    this.#families.add(name)
    this.#lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`)
  }

  #sample(name: string, labels: Labels, value: number): void {
    const pairs = Object.entries(labels).map(([label, text]) => {
      assert(LABEL_NAME.test(label) && !label.startsWith('__'), `label name ${label} is valid`)
      return `${label}="${escapeLabelValue(text)}"`
    })
    const set = pairs.length === 0 ? '' : `{${pairs.join(',')}}`
    this.#lines.push(`${name}${set} ${formatValue(value)}`)
  }
}

/** Label values escape backslash, double quote and line feed; nothing else. */
export const escapeLabelValue = (value: string): string =>
  value.replace(/[\\"\n]/g, (char) => (char === '\n' ? '\\n' : `\\${char}`))

/** HELP text escapes backslash and line feed (a double quote stands as it is). */
const escapeHelp = (help: string): string =>
  help.replace(/[\\\n]/g, (char) => (char === '\n' ? '\\n' : '\\\\'))

/** Go's float syntax, which the format uses: `+Inf`, `-Inf` and `NaN` spelled its way. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return `${value}`
}
