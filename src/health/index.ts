/**
 * Source health (docs/reference.md), running: the totals behind `GET /log-sources/http/{id}/health`,
 * the `SOURCE_NO_DATA` alarm job, the life cycle of the system errors the health room owns, and the
 * hooks by which the event log reports that it cannot write.
 *
 * Nothing here runs on the ingest path. The route only counts, in memory (counters.ts); totals are
 * flushed on a timer (totals.ts); alarms are judged by a job that runs once the counts lost in a crash
 * are back, then every `[health] alarm_check_interval_ms`. The one link back from the hot path: a source
 * whose alarm waits for an event (in ALARM or INSUFFICIENT_DATA) is watched, and its next event has it
 * judged again at once, on a timer of its own, so an alarm clears within moments of the event.
 */
import type { Static } from '@sinclair/typebox'
import type { Config } from '../config/schema.ts'
import { AppError } from '../errors.ts'
import type { EventLog } from '../eventlog/index.ts'
import type { Logger } from '../logger.ts'
import { NO_DATA, type NoDataAlarmRecord } from '../registry/health.ts'
import type { Registry } from '../registry/index.ts'
import type { SourceHealth as SourceHealthSchema } from '../registry/model.ts'
import { SOURCE_CLASSIFICATION_FAILURES } from './classification-failures.ts'
import type { IngestCounters } from './counters.ts'
import { minutes, noDataState } from './no-data.ts'
import { Notifier } from './notifier.ts'
import { SourceTotals } from './totals.ts'
import { TrafficLog } from './traffic-log.ts'

export const LOG_WRITE_FAILURE = 'LOG_WRITE_FAILURE'
const MINUTE_MS = 60_000

/** What `GET /log-sources/http/{id}/health` answers; its schema is the API's (registry/model.ts). */
export type SourceHealth = Static<typeof SourceHealthSchema>
export type AlarmSummary = SourceHealth['alarms'][number]

export interface HealthDeps {
  registry: Registry
  log: Pick<EventLog, 'read' | 'stats'>
  counters: IngestCounters
  logger: Logger
  config: Config['health']
  /** True when alerts are configured (`[alerts] webhook_url`). */
  alerting: boolean
  /** Told when an alert was put in the outbox. */
  wakeAlerts?: () => void
  /** Wall clock in ms; the production one is the system clock, so time passed while stopped counts. */
  clock?: () => number
}

export class Health {
  readonly notifier: Notifier
  readonly totals: SourceTotals
  readonly #clock: () => number
  readonly #timers: ReturnType<typeof setInterval>[] = []
  /** Sources whose next event is to have their alarm judged at once. */
  readonly #due = new Set<string>()
  #dueTimer: ReturnType<typeof setTimeout> | undefined
  #started = false
  #closed = false
  /** Set once the totals are complete: alarms are not judged on counts a crash has left short. */
  #ready = false
  readonly #unsubscribe: () => void

  constructor(private readonly deps: HealthDeps) {
    const { registry, logger } = deps
    this.#clock = deps.clock ?? Date.now
    this.notifier = new Notifier({
      systemErrors: registry.systemErrors,
      alerting: deps.alerting,
      wake: () => deps.wakeAlerts?.(),
      clock: this.#clock,
      logger,
    })
    this.totals = new SourceTotals({
      store: registry.health,
      counters: deps.counters,
      log: deps.log,
      logger,
      sourceIds: () => registry.sources.list().map((source) => source.id),
    })
    void this.totals.ready.then(() => {
      this.#ready = true
    })
    this.#unsubscribe = registry.sources.onChange((id) => this.#sourceChanged(id))
  }

  /** Starts the flush and alarm timers; the first alarm check runs as soon as the totals are complete. */
  start(): void {
    if (this.#started) return
    this.#started = true
    const every = (ms: number, run: () => void) => {
      const timer = setInterval(() => this.#guard(run), ms)
      ;(timer as { unref?: () => void }).unref?.()
      this.#timers.push(timer)
    }
    every(this.deps.config.counters_flush_interval_ms, () => {
      this.notifier.retry()
      this.totals.flush()
    })
    every(this.deps.config.alarm_check_interval_ms, () => this.check())
    const trafficMs = this.deps.config.traffic_log_interval_ms
    if (trafficMs > 0) {
      const traffic = new TrafficLog({
        counters: this.deps.counters,
        logger: this.deps.logger,
        labelOf: (id) => this.#label(id),
      })
      every(trafficMs, () => traffic.write(trafficMs))
    }
    void this.totals.ready.then(() => this.#guard(() => this.check()))
  }

  /** Judges every alarm and the classification-failure errors now. Does nothing until the totals are complete. */
  check(): void {
    if (!this.#ready || this.#closed) return
    const now = this.#clock()
    for (const alarm of this.deps.registry.health.noDataAlarms()) this.#judge(alarm, now)
    this.#watch()
    this.#resolveQuietClassificationFailures(now)
  }

  /** The health summary of an existing source; `alarm` saves a lookup when the caller has it already. */
  sourceHealth(sourceId: string, alarm = this.deps.registry.health.noDataAlarm(sourceId)): SourceHealth {
    const totals = this.totals.totals(sourceId)
    const alarms = alarm ? [alarmSummary(alarm)] : []
    return {
      isHealthy: !alarms.some((a) => a.state === 'ALARM'),
      lastEventReceivedAtTime: iso(totals.lastEventAtMs),
      eventsTotal: totals.events,
      bytesTotal: totals.bytes,
      requestsTotal: totals.requests,
      classificationFailuresTotal: totals.classificationFailures,
      authFailuresTotal: totals.authFailures,
      alarms,
    }
  }

  /** The summaries of many sources with one read of the alarms. */
  healthOf(sourceIds: readonly string[]): Map<string, SourceHealth> {
    const alarms = new Map(this.deps.registry.health.noDataAlarms().map((a) => [a.sourceId, a]))
    return new Map(sourceIds.map((id) => [id, this.sourceHealth(id, alarms.get(id) ?? null)]))
  }

  /** For `EventLogDeps.health`: the log tells when it starts failing to write and when it writes again. */
  readonly logHooks = {
    writeFailed: (error: unknown) =>
      this.#later(() =>
        this.notifier.raise({
          type: LOG_WRITE_FAILURE,
          sourceId: null,
          message:
            `the event log cannot write (${errorCode(error)}): ingest requests are refused with 503 until it ` +
            'can; check the disk of the data directory',
        }),
      ),
    writesRecovered: () =>
      this.#later(() =>
        this.notifier.resolve(
          LOG_WRITE_FAILURE,
          null,
          'the event log writes again; ingest requests are accepted',
        ),
      ),
  }

  /** Stops the timers and writes the totals a last time. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const timer of this.#timers) clearInterval(timer)
    clearTimeout(this.#dueTimer)
    this.#unsubscribe()
    await this.totals.ready
    this.notifier.retry()
    this.totals.flush()
  }

  #judge(alarm: NoDataAlarmRecord, now: number): void {
    const lastEventAtMs = this.totals.totals(alarm.sourceId).lastEventAtMs
    const next = noDataState(alarm, lastEventAtMs, now)
    if (next === alarm.state) return
    const details = {
      sourceLabel: alarm.sourceLabel,
      minutesThreshold: alarm.minutesThreshold,
      lastEventReceivedAtTime: iso(lastEventAtMs),
    }
    const source = `source '${alarm.sourceLabel}'`
    // The error is written before the state: a crash between the two finds the state as it was, judges
    // again, and finds the error already open (or already resolved), so no alert goes out twice.
    if (next === 'ALARM') {
      const quiet = Math.floor((now - (lastEventAtMs ?? now)) / MINUTE_MS)
      this.notifier.raise(
        {
          type: NO_DATA,
          sourceId: alarm.sourceId,
          message:
            `${source} has received no events for ${minutes(quiet)} (threshold ${minutes(alarm.minutesThreshold)}; ` +
            `last event at ${details.lastEventReceivedAtTime})`,
        },
        details,
      )
    } else if (alarm.state === 'ALARM') {
      const why =
        next === 'OK'
          ? `receives events again (last event at ${details.lastEventReceivedAtTime})`
          : 'has a new alarm'
      this.notifier.resolve(NO_DATA, alarm.sourceId, `${source} ${why}`, details)
    }
    this.deps.registry.health.setAlarmState(alarm.sourceId, next, now)
  }

  /** Sources whose alarm waits for their next event; the counters call back when it comes. */
  #watch(): void {
    const waiting = this.deps.registry.health
      .noDataAlarms()
      .filter((alarm) => alarm.state !== 'OK')
      .map((alarm) => alarm.sourceId)
    this.deps.counters.watchEvents(new Set(waiting), (id) => this.#soon(id))
  }

  /** Judges one source's alarm shortly, off the request that brought its event. */
  #soon(sourceId: string): void {
    this.#due.add(sourceId)
    if (this.#dueTimer !== undefined) return
    this.#dueTimer = setTimeout(() => {
      this.#dueTimer = undefined
      const due = [...this.#due]
      this.#due.clear()
      this.#guard(() => {
        if (!this.#ready || this.#closed) return
        const now = this.#clock()
        for (const id of due) {
          const alarm = this.deps.registry.health.noDataAlarm(id)
          if (alarm) this.#judge(alarm, now)
        }
        this.#watch()
      })
    }, 0)
  }

  #sourceChanged(id: string): void {
    this.#guard(() => {
      if (!this.#exists(id)) {
        this.totals.forget(id)
        for (const error of this.deps.registry.systemErrors.list({ state: 'open', sourceId: id })) {
          this.notifier.resolve(error.type, id, `source ${id} was deleted`)
        }
        this.#watch()
        return
      }
      const alarm = this.deps.registry.health.noDataAlarm(id)
      if (alarm === null) {
        this.notifier.resolve(NO_DATA, id, `the SOURCE_NO_DATA alarm of source ${id} was turned off`)
      } else if (this.#ready) this.#judge(alarm, this.#clock())
      if (this.#ready) this.#watch()
    })
  }

  #resolveQuietClassificationFailures(now: number): void {
    const quietMs = this.deps.config.classification_failures_quiet_minutes * MINUTE_MS
    const open = this.deps.registry.systemErrors.list({ state: 'open', limit: 1000 })
    for (const error of open) {
      if (error.type !== SOURCE_CLASSIFICATION_FAILURES || now - Date.parse(error.lastSeenAt) < quietMs)
        continue
      const quiet = minutes(this.deps.config.classification_failures_quiet_minutes)
      this.notifier.resolve(error.type, error.sourceId, `no classification failures for ${quiet}`)
    }
  }

  #label(id: string): string | null {
    try {
      return this.deps.registry.sources.get(id).label
    } catch {
      return null
    }
  }

  #exists(id: string): boolean {
    try {
      this.deps.registry.sources.get(id)
      return true
    } catch (error) {
      if (error instanceof AppError && error.status === 404) return false
      throw error
    }
  }

  #later(run: () => void): void {
    const timer = setTimeout(() => this.#guard(run), 0)
    ;(timer as { unref?: () => void }).unref?.()
  }

  /** A failing job run is logged, never thrown out of a timer. */
  #guard(run: () => void): void {
    try {
      run()
    } catch (error) {
      this.deps.logger.error('health job failed', { error: String(error) })
    }
  }
}

const alarmSummary = (alarm: NoDataAlarmRecord): AlarmSummary => ({
  type: NO_DATA,
  state: alarm.state,
  minutesThreshold: alarm.minutesThreshold,
  stateChangedAt: alarm.stateChangedAt,
})

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

const errorCode = (error: unknown) =>
  (error as { cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code ?? String(error)
