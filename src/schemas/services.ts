/**
 * The schema room's running parts, built once per server from the stores: the classify stage the ingest
 * route calls, the reporter that turns classification failures into counters and system errors, and the
 * background inference job. `close` stops the job and writes what the reporter still holds.
 */
import type { Config } from '../config/schema.ts'
import type { EventLog } from '../eventlog/index.ts'
import { ClassificationFailureReporter } from '../health/classification-failures.ts'
import type { IngestCounters } from '../health/counters.ts'
import type { Notifier } from '../health/notifier.ts'
import type { ClassifierFor } from '../ingest/route.ts'
import type { Logger } from '../logger.ts'
import type { Registry } from '../registry/index.ts'
import { createClassification } from './classify.ts'
import { InferenceJob } from './job.ts'

export interface SchemaServices {
  classifierFor: ClassifierFor
  inference: InferenceJob
  /** Writes the classification failures reported so far as system errors now, rather than within a second. */
  flushFailures(): void
  close(): void
}

export function startSchemaServices(deps: {
  registry: Registry
  log: EventLog
  counters: IngestCounters
  /** Raises the classification failures' system error (and its alert). */
  notifier: Pick<Notifier, 'raise'>
  logger: Logger
  config: Config['schemas']
  clock?: () => number
}): SchemaServices {
  const reporter = new ClassificationFailureReporter({ notifier: deps.notifier, counters: deps.counters })
  const classification = createClassification({
    schemas: deps.registry.schemas,
    onFailures: (source, count, reason) => reporter.report(source, count, reason),
    now: deps.clock,
  })
  const inference = new InferenceJob({
    log: deps.log,
    sources: deps.registry.sources,
    logger: deps.logger,
    sampleEventsMax: deps.config.inference_sample_events_max,
    intervalMs: deps.config.inference_interval_ms,
  })
  inference.start()
  return {
    classifierFor: classification.classifierFor,
    inference,
    flushFailures: () => reporter.flush(),
    close() {
      inference.close()
      classification.close()
      reporter.flush()
    },
  }
}
