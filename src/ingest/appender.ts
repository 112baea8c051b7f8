/**
 * The last stage of the data path: a request's events appended to the log as one batch, and the request
 * counted as accepted. A Standard Webhooks retry of a delivery already stored appends nothing (null), and
 * a retry racing the first attempt waits for it. One appender serves every thread that ingests
 * (cluster/primary.ts hands the workers' batches to it), so duplicates are caught whichever thread each
 * attempt reached, and a request is counted where the log is, before its 200 is sent: whoever reads the
 * metrics after the answer sees it.
 */
import { AppError } from '../errors.ts'
import type { AppendRecord, EventLog } from '../eventlog/index.ts'
import type { IngestCounters } from '../health/counters.ts'
import { DeliveryMemory } from './dedup.ts'

/**
 * Appends a request's events for `sourceId` and counts the request (`bodyBytes` as sent); the number
 * stored, or null for a duplicate delivery.
 */
export type AppendBatch = (
  sourceId: string,
  deliveryId: string | undefined,
  records: AppendRecord[],
  bodyBytes: number,
) => Promise<number | null>

export function localAppender(
  log: Pick<EventLog, 'append'>,
  options: {
    toleranceMs: number
    clock: () => number
    retryAfterSeconds: number
    counters: Pick<IngestCounters, 'accepted'>
  },
): AppendBatch {
  const deliveries = new DeliveryMemory(options.toleranceMs, options.clock)
  const retryAfter = { 'retry-after': String(options.retryAfterSeconds) }
  return async (sourceId, deliveryId, records, bodyBytes) => {
    const append = async () => {
      try {
        await log.append(records)
      } catch (error) {
        // A full or failing log is worth retrying later: the 503 says when.
        if (error instanceof AppError && error.status === 503) {
          throw new AppError(error.code, error.message, { headers: error.headers ?? retryAfter })
        }
        throw error
      }
      return records.length
    }
    const stored = await (deliveryId === undefined ? append() : deliveries.once(sourceId, deliveryId, append))
    options.counters.accepted(sourceId, stored ?? 0, bodyBytes, options.clock())
    return stored
  }
}
