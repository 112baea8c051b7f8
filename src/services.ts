/**
 * The running parts built once per server from the open stores: the ingest counters, source health
 * and its jobs, alert delivery, classification and inference, the search counters and the event-loop
 * monitor. `inlet serve`, the tests and the Deno check build them here alike, so what they test is what
 * runs. `close` stops the jobs and writes what they hold.
 */
import type { Config } from './config/schema.ts'
import type { EventLog, EventLogHealth } from './eventlog/index.ts'
import { AlertDeliverer } from './health/alerts/deliver.ts'
import { alertSecret } from './health/alerts/secret.ts'
import { ClassificationFailureReporter } from './health/classification-failures.ts'
import { IngestCounters, SearchCounters } from './health/counters.ts'
import { EventLoopMonitor } from './health/event-loop.ts'
import { Health } from './health/index.ts'
import type { Logger } from './logger.ts'
import type { Registry } from './registry/index.ts'
import { type SchemaServices, startSchemaServices } from './schemas/services.ts'

export interface Services {
  counters: IngestCounters
  search: SearchCounters
  health: Health
  /** Null when `[alerts] webhook_url` is empty. */
  deliverer: AlertDeliverer | null
  schemas: SchemaServices
  eventLoop: EventLoopMonitor
  /** True when the alert signing secret was generated into the data directory by this start. */
  alertSecretGenerated: boolean
  close(): Promise<void>
}

/**
 * The event log reports write failures to source health, which is built after the log is open: the log
 * is given these hooks, and `startServices` points them at the health room.
 */
export function lateLogHooks(): EventLogHealth & { target: EventLogHealth | null } {
  return {
    target: null,
    writeFailed(error) {
      this.target?.writeFailed(error)
    },
    writesRecovered() {
      this.target?.writesRecovered()
    },
  }
}

export function startServices(deps: {
  config: Config
  registry: Registry
  log: EventLog
  logger: Logger
  logHooks?: ReturnType<typeof lateLogHooks>
  clock?: () => number
  /** For tests: deliveries go through this fetch. */
  fetch?: typeof fetch
}): Services {
  const { config, registry, log, logger } = deps
  const clock = deps.clock ?? Date.now
  const counters = new IngestCounters()
  const search = new SearchCounters()
  const alerts = config.alerts
  // Made on first start even while no receiver is configured, so the operator can set one up with it.
  const { secret, generated: alertSecretGenerated } = alertSecret(alerts.webhook_secret, config.data_dir)
  let deliverer: AlertDeliverer | null = null
  if (alerts.webhook_url !== '') {
    deliverer = new AlertDeliverer({
      outbox: registry.alerts,
      url: alerts.webhook_url,
      format: alerts.format,
      secret,
      timeoutMs: alerts.timeout_ms,
      retryMs: alerts.retry_hours * 3_600_000,
      clock,
      systemErrors: registry.systemErrors,
      logger,
      fetch: deps.fetch,
    })
  }
  const health = new Health({
    registry,
    log,
    counters,
    logger,
    config: config.health,
    alerting: deliverer !== null,
    wakeAlerts: () => deliverer?.wake(),
    clock,
  })
  if (deps.logHooks) deps.logHooks.target = health.logHooks
  const schemas = startSchemaServices({
    registry,
    log,
    failures: new ClassificationFailureReporter({ notifier: health.notifier, counters }),
    logger,
    config: config.schemas,
    clock,
  })
  const eventLoop = new EventLoopMonitor()
  health.start()
  deliverer?.start()
  eventLoop.start()
  return {
    counters,
    search,
    health,
    deliverer,
    schemas,
    eventLoop,
    alertSecretGenerated,
    async close() {
      eventLoop.stop()
      schemas.close()
      await health.close()
      await deliverer?.close()
      if (deps.logHooks) deps.logHooks.target = null
    },
  }
}
