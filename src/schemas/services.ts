/**
 * The schema room's running parts, built once per server from the stores: the classify stage the ingest
 * route calls and the background inference job. Classification failures go to the reporter handed in
 * (health/classification-failures.ts turns them into counters and system errors); `close` stops the job
 * and has the reporter write what it still holds.
 */
import type { Config } from '../config/schema.ts'
import type { EventLog } from '../eventlog/index.ts'
import type { ClassifierFor } from '../ingest/pipeline.ts'
import type { Logger } from '../logger.ts'
import type { Registry } from '../registry/index.ts'
import { createClassification } from './classify.ts'
import { InferenceJob } from './job.ts'

export interface SchemaServices {
  classifierFor: ClassifierFor
  /** Where the classification failures of other threads' requests are reported (cluster/primary.ts). */
  failures: FailureReporter
  inference: InferenceJob
  /** Writes the classification failures reported so far as system errors now, rather than within a second. */
  flushFailures(): void
  close(): void
}

/** Where classification failures go: counted at once, written as system errors in bulk (`flush`). */
export interface FailureReporter {
  report(source: { id: string; label: string }, count: number, reason: string): void
  flush(): void
}

export function startSchemaServices(deps: {
  registry: Registry
  log: EventLog
  failures: FailureReporter
  logger: Logger
  config: Config['schemas']
  clock?: () => number
}): SchemaServices {
  const reporter = deps.failures
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
    failures: reporter,
    inference,
    flushFailures: () => reporter.flush(),
    close() {
      inference.close()
      classification.close()
      reporter.flush()
    },
  }
}
