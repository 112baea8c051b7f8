/**
 * Builds the HTTP application from its feature plugins. No logic lives here: each room of `src/`
 * contributes one named plugin, and the order below is the order Elysia matches hooks in.
 */
import { Elysia } from 'elysia'
import { alertsApi } from './api/alerts.ts'
import { errorMapping } from './api/errors.ts'
import { eventsApi } from './api/events.ts'
import { healthApi } from './api/health.ts'
import { inferSchemaApi } from './api/infer-schema.ts'
import { logSourcesApi } from './api/log-sources.ts'
import { metricsRoute } from './api/metrics.ts'
import { apiDocs } from './api/openapi.ts'
import { schemasApi } from './api/schemas.ts'
import { systemErrorsApi } from './api/system-errors.ts'
import { type Config, requestMemoryBytes } from './config/schema.ts'
import { consoleRoutes } from './console/index.ts'
import type { EventLog } from './eventlog/index.ts'
import type { IngestCounters } from './health/counters.ts'
import { healthz } from './health/healthz.ts'
import { type AppendBatch, localAppender } from './ingest/appender.ts'
import { ingestRoute } from './ingest/route.ts'
import type { Logger } from './logger.ts'
import type { Registry } from './registry/index.ts'
import type { Services } from './services.ts'
import { VERSION } from './version.ts'

export interface AppDeps {
  config: Config
  registry: Registry
  log: EventLog
  logger: Logger
  /** Wall clock in ms; tests pass a fake. */
  clock?: () => number
  /** Counters, health, alerts, classification and inference (services.ts). */
  services: Services
  /** Base URL senders reach this server at; known only once the server is listening (port 0). */
  publicUrl: () => string
  /** Appends a request's events; one per server, so that every way in shares its duplicate memory. */
  appendBatch?: AppendBatch
  /** Watch the process's resident memory against `[ingest] memory_max` until this aborts: one app per process does. */
  memoryWatch?: AbortSignal
}

export function createApp(deps: AppDeps) {
  const { services } = deps
  const body = {
    bodyBytesMax: deps.config.api.body_bytes_max,
    bodyTimeoutMs: deps.config.api.body_timeout_ms,
  }
  const ingest = ingestRoute({
    limits: deps.config.ingest,
    registry: deps.registry,
    log: deps.log,
    appendBatch: deps.appendBatch ?? serverAppender(deps.config, deps.log, services.counters, deps.clock),
    logQueueBytesMax: deps.config.log.queue_bytes_max,
    memoryBudgetBytes: requestMemoryBytes(deps.config),
    memoryWatch: deps.memoryWatch,
    trustedProxies: deps.config.server.trusted_proxies,
    counters: services.counters,
    logger: deps.logger,
    clock: deps.clock,
    classifierFor: services.schemas.classifierFor,
  })
  const app = new Elysia({ name: 'inlet', normalize: false })
    .use(errorMapping(deps.logger))
    .use(apiDocs())
    .use(healthz())
    .use(consoleRoutes())
    .use(ingest.plugin)
    .use(
      logSourcesApi({ registry: deps.registry, publicUrl: deps.publicUrl, health: services.health, ...body }),
    )
    .use(healthApi({ registry: deps.registry, health: services.health, ...body }))
    .use(schemasApi({ registry: deps.registry, ...body }))
    .use(
      inferSchemaApi({
        registry: deps.registry,
        inference: services.schemas.inference,
        publicUrl: deps.publicUrl,
        ...body,
      }),
    )
    .use(systemErrorsApi({ registry: deps.registry }))
    .use(alertsApi({ registry: deps.registry, deliverer: services.deliverer, clock: deps.clock }))
    .use(
      eventsApi({
        registry: deps.registry,
        log: deps.log,
        limits: deps.config.search,
        clock: deps.clock,
        searchCounters: services.search,
      }),
    )
    .use(
      metricsRoute({
        counters: services.counters,
        search: services.search,
        log: deps.log,
        eventLoop: services.eventLoop,
        alarmStates: () =>
          deps.registry.health
            .noDataAlarms()
            .map((alarm) => ({ sourceId: alarm.sourceId, type: 'SOURCE_NO_DATA', state: alarm.state })),
        openSystemErrors: () => deps.registry.systemErrors.list({ state: 'open', limit: 1000 }),
        alertsPending: () => deps.registry.alerts.size(),
        apiKey: deps.registry.apiKey,
        metricsToken: deps.config.health.metrics_token,
        version: VERSION,
      }),
    ) // The server serves the ingest endpoints directly (runtime/serve.ts), the app everything else.
  return Object.assign(app, { direct: ingest.direct })
}

/** The appender of a server's one log, with the settings it takes from `[ingest]`. */
export const serverAppender = (
  config: Config,
  log: EventLog,
  counters: IngestCounters,
  clock?: () => number,
): AppendBatch =>
  localAppender(log, {
    toleranceMs: config.ingest.signature_tolerance_seconds * 1000,
    clock: clock ?? Date.now,
    retryAfterSeconds: config.ingest.retry_after_seconds,
    counters,
  })
