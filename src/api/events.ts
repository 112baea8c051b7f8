/**
 * `GET /events` and `GET /events/count` (docs/reference.md): search the event log, newest first (in
 * the order events were stored), within a window of p_event_time that defaults to the last 24 hours.
 * Pages are cut by rows (`limit`), bytes (`[search] response_bytes_max`) and scan time
 * (`[search] scan_time_ms_max`); `nextCursor` continues below the last event examined, so paging never
 * repeats or skips an event while new ones arrive. The events are answered as the bytes they were stored
 * as, never parsed and serialized again. Each query is counted, with the log bytes it read, when
 * `searchCounters` is given (GET /metrics).
 */
import { Elysia, t } from 'elysia'
import type { Config } from '../config/schema.ts'
import { AppError, badRequest } from '../errors.ts'
import type { EventLog, LogCursor } from '../eventlog/index.ts'
import type { SearchCounters, SearchKind } from '../health/counters.ts'
import { errorResponses } from '../openapi-docs.ts'
import type { Registry } from '../registry/index.ts'
import { canonicalId } from '../registry/sources.ts'
import { planSearch, type SearchFilters } from '../search/plan.ts'
import { instantOf } from '../search/predicate.ts'
import { parseQuery, QueryError } from '../search/query.ts'
import { relativeTimeMs } from '../search/relative-time.ts'
import { countMatches, searchPage } from '../search/scan.ts'
import { apiKeyCheck } from './guard.ts'
import { integerParam, integerQuery } from './params.ts'

export interface EventsDeps {
  registry: Registry
  log: EventLog
  limits: Config['search']
  clock?: () => number
  searchCounters?: SearchCounters
}

const DAY_MS = 24 * 60 * 60 * 1000
export const LIMIT_DEFAULT = 100
export const LIMIT_MAX = 10_000
/** Histogram buckets a count may have at most; a finer interval over a longer range is refused. */
export const BUCKETS_MAX = 10_000
const INTERVALS: Record<string, number> = { '1m': 60_000, '1h': 3_600_000, '1d': DAY_MS }
const CURSOR_PREFIX = 'v1.'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const filterQuery = {
  sourceId: t.Optional(
    t.String({ maxLength: 64, description: 'Only events of this source (integrationId).' }),
  ),
  logType: t.Optional(t.String({ maxLength: 128, description: 'Only events classified as this log type.' })),
  from: t.Optional(
    t.String({
      maxLength: 64,
      description:
        'RFC 3339, a date (midnight UTC), now, or a time ago (-15m, -1h, -2d, -1w); p_event_time at or after. ' +
        'Default: 24 hours before `to`.',
    }),
  ),
  to: t.Optional(
    t.String({ maxLength: 64, description: 'As `from`; p_event_time at or before. Default: now.' }),
  ),
  q: t.Optional(t.String({ maxLength: 4096, description: 'Filter expression (see the README).' })),
}

const searchErrors = errorResponses('UNAUTHORIZED', 'VALIDATION_ERROR', 'INVALID_QUERY')

export function eventsApi({ registry, log, limits, clock = Date.now, searchCounters }: EventsDeps) {
  const { requireApiKey } = apiKeyCheck(registry.apiKey)
  const budget = { scanTimeMsMax: limits.scan_time_ms_max }

  /** Runs one query against the log, counting it (and the bytes its reads took) whether it succeeds or not. */
  async function counted<T>(
    kind: SearchKind,
    query: (log: Pick<EventLog, 'read'>) => Promise<T>,
  ): Promise<T> {
    if (searchCounters === undefined) return query(log)
    const cursors: LogCursor[] = []
    const metered = {
      read: (...args: Parameters<EventLog['read']>) => {
        const cursor = log.read(...args)
        cursors.push(cursor)
        return cursor
      },
    }
    const bytesRead = () => cursors.reduce((bytes, cursor) => bytes + cursor.stats.bytesRead, 0)
    try {
      const result = await query(metered)
      searchCounters.searched(kind, 'ok', bytesRead())
      return result
    } catch (error) {
      searchCounters.searched(kind, 'error', bytesRead())
      throw error
    }
  }

  function filtersOf(query: {
    sourceId?: string
    logType?: string
    from?: string
    to?: string
    q?: string
  }): SearchFilters {
    const nowMs = clock()
    const toMs = query.to === undefined ? nowMs : instant(query.to, 'to', nowMs)
    const fromMs = query.from === undefined ? toMs - DAY_MS : instant(query.from, 'from', nowMs)
    if (fromMs > toMs) throw badRequest('from: must not be after to', 'from')
    // A source deleted since keeps its events until retention removes them, so an id need not exist.
    if (query.sourceId !== undefined && !UUID.test(query.sourceId)) {
      throw badRequest('sourceId: must be an integrationId (a UUID)', 'sourceId')
    }
    let ast: ReturnType<typeof parseQuery>
    try {
      ast = parseQuery(query.q ?? '')
    } catch (error) {
      if (error instanceof QueryError) throw new AppError('INVALID_QUERY', error.message, { field: 'q' })
      throw error
    }
    return {
      fromMs,
      toMs,
      sourceIds: query.sourceId === undefined ? undefined : [canonicalId(query.sourceId)],
      logType: query.logType,
      query: ast,
    }
  }

  // The key is checked on transform, before the query is validated: a caller without it learns nothing.
  return new Elysia({ name: 'events-api', normalize: false })
    .onTransform(requireApiKey)
    .get(
      '/events',
      async ({ query }) => {
        const page = await counted('events', (log) =>
          searchPage(log, planSearch(filtersOf(query)), {
            ...budget,
            limit: integerParam('limit', query.limit, { min: 1, max: LIMIT_MAX, fallback: LIMIT_DEFAULT }),
            responseBytesMax: limits.response_bytes_max,
            beforeSeq: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
          }),
        )
        const cursor = page.nextSeq === null ? 'null' : JSON.stringify(encodeCursor(page.nextSeq))
        return new Response(joinEvents(page.events, `],"nextCursor":${cursor}}`), {
          headers: { 'content-type': 'application/json; charset=utf-8' },
        })
      },
      {
        query: t.Object({
          ...filterQuery,
          limit: integerQuery(1, LIMIT_MAX, `Events per page, default ${LIMIT_DEFAULT}.`),
          cursor: t.Optional(t.String({ maxLength: 64, description: 'nextCursor of the previous page.' })),
        }),
        detail: {
          tags: ['search'],
          summary: 'Search events, newest first',
          responses: {
            200: {
              description: 'A page of events, newest first, each as it was stored.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['results', 'nextCursor'],
                    properties: {
                      results: { type: 'array', items: { type: 'object' } },
                      nextCursor: {
                        anyOf: [{ type: 'string' }, { enum: [null] }],
                        description: 'The `cursor` of the next page; null once the range is read to its end.',
                      },
                    },
                  },
                },
              },
            },
            ...searchErrors,
          },
        },
      },
    )
    .get(
      '/events/count',
      async ({ query }) => {
        const intervalMs = INTERVALS[query.interval ?? '1h']!
        const { histogram, first, bucketCount } = await counted('count', async (log) => {
          const filters = filtersOf(query)
          const first = Math.floor(filters.fromMs / intervalMs) * intervalMs
          const bucketCount = Math.floor((filters.toMs - first) / intervalMs) + 1
          if (bucketCount > BUCKETS_MAX) {
            throw badRequest(
              `interval: ${query.interval} gives more than ${BUCKETS_MAX} buckets over this range`,
              'interval',
            )
          }
          const histogram = await countMatches(log, planSearch(filters), intervalMs, budget)
          return { histogram, first, bucketCount }
        })
        const buckets = Array.from({ length: bucketCount }, (_, i) => {
          const start = first + i * intervalMs
          return { time: new Date(start).toISOString(), count: histogram.buckets.get(start) ?? 0 }
        })
        return {
          count: histogram.count,
          interval: query.interval ?? '1h',
          buckets,
          partial: histogram.partial,
        }
      },
      {
        query: t.Object({
          ...filterQuery,
          interval: t.Optional(
            t.Union([t.Literal('1m'), t.Literal('1h'), t.Literal('1d')], {
              description: 'Bucket size. Default 1h.',
            }),
          ),
        }),
        response: t.Object({
          count: t.Integer(),
          interval: t.String(),
          buckets: t.Array(t.Object({ time: t.String(), count: t.Integer() })),
          partial: t.Boolean({ description: 'The scan ran out of time before the end of the range.' }),
        }),
        detail: {
          tags: ['search'],
          summary: 'Count matching events, with a histogram over p_event_time',
          responses: searchErrors,
        },
      },
    )
}

/**
 * A time parameter: `now` or a time ago (`-15m`), as the CLI reads them, or as the query language reads
 * times: RFC 3339, or a date (midnight UTC). A time of
 * day must say its offset from UTC: without one it names no instant, and guessing the server's zone or UTC
 * would silently shift the window by hours.
 */
function instant(text: string, field: string, nowMs: number): number {
  const relative = relativeTimeMs(text, nowMs)
  if (relative !== null) return relative
  const time = instantOf(text)
  if (time === null)
    throw badRequest(
      `${field}: must be an RFC 3339 time such as 2026-11-28T12:00:00Z, a date, now, or a time ago such as -15m`,
      field,
    )
  if (!DATE_ONLY.test(text) && !ZONED.test(text)) {
    throw badRequest(`${field}: give the time's offset from UTC, as in ${text}Z or ${text}+01:00`, field)
  }
  return time.ms
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
const ZONED = /(?:[zZ]|[+-]\d{2}:?\d{2})$/

const encodeCursor = (seq: number) => `${CURSOR_PREFIX}${seq.toString(36)}`

function decodeCursor(cursor: string): number {
  const seq = cursor.startsWith(CURSOR_PREFIX)
    ? Number.parseInt(cursor.slice(CURSOR_PREFIX.length), 36)
    : Number.NaN
  if (!Number.isSafeInteger(seq) || seq < 1 || encodeCursor(seq) !== cursor) {
    throw badRequest('cursor: not a cursor this server gave (pass nextCursor as it came)', 'cursor')
  }
  return seq
}

const encoder = new TextEncoder()

/** `{"results":[` + the events' stored bytes joined by commas + `tail`, as one buffer. */
function joinEvents(events: Uint8Array[], tail: string): Uint8Array<ArrayBuffer> {
  const head = encoder.encode('{"results":[')
  const end = encoder.encode(tail)
  let size = head.length + end.length + Math.max(events.length - 1, 0)
  for (const event of events) size += event.length
  const out = new Uint8Array(size)
  out.set(head)
  let at = head.length
  events.forEach((event, i) => {
    if (i > 0) out[at++] = 0x2c
    out.set(event, at)
    at += event.length
  })
  out.set(end, at)
  return out
}
