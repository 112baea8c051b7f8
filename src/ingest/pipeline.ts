/**
 * The data path from a request to events durable in the log, shared by the ways in: Inlet's own `POST /http/{sourceId}` (route.ts) and Splunk's HTTP Event Collector (hec/). `run`
 * below runs the stages in order, and only it knows the order; the stages never import each other:
 *
 *   limits → client address → auth (headers) → rate limit → read body → auth (HMAC over the raw body) →
 *   decode → framing → classify and stamp → log.append → the number of events stored
 *
 * A request is atomic: its events are built in memory (bounded by the limits) and appended as one batch,
 * so a bad event anywhere stores nothing. Each way in answers in its own protocol; what is counted and
 * logged of a request, accepted or refused, is the same whichever way it came.
 */
import { type Meter, readBody } from '../body.ts'
import type { Config } from '../config/schema.ts'
import { AppError, notFound } from '../errors.ts'
import type { AppendRecord, EventLog } from '../eventlog/index.ts'
import type { IngestCounters } from '../health/counters.ts'
import type { Logger } from '../logger.ts'
import type { Registry } from '../registry/index.ts'
import type { SourceRecord } from '../registry/sources.ts'
import { collectGarbage, residentBytes } from '../runtime/memory.ts'
import { type DirectRequest, peerAddress } from '../runtime/serve.ts'
import { Admission, type Hold } from './admission.ts'
import type { AppendBatch } from './appender.ts'
import type { AuthFailureReason, AuthOutcome, HeaderFields } from './auth/index.ts'
import { ClientAddress } from './client-address.ts'
import { decodeBody, parseContentEncoding, sniffEncoding } from './decode/index.ts'
import { createFramer, type FramedEvent, type Framer, type FramingOptions } from './framing/index.ts'
import { createMsgpackFramer, isMsgpackContentType } from './framing/msgpack.ts'
import { headBytes, requestTooLarge } from './limits.ts'
import { RateLimiter } from './rate-limit.ts'
import { RefusalLog } from './refusal-log.ts'
import { type IngestSource, SourceCache } from './sources.ts'
import { Stamper } from './stamp.ts'

/**
 * The classify stage's seam: a source's log types compiled for one request (schemas/classify.ts). A
 * classified event comes back as the JSON bytes to store, onto which the stamp splices its p_ fields,
 * with the event time its schema found; null means the line is no event (a CSV header). `finish` is
 * called once the request's events are stored, so what classification counts is what was stored.
 */
export interface Classifier {
  classify(event: FramedEvent): FramedEvent | null
  finish(): void
}
export type ClassifierFor = (source: SourceRecord) => Classifier | null

export interface IngestDeps {
  limits: Config['ingest']
  registry: Pick<Registry, 'sources' | 'secretBox'>
  /** The log, or what a worker thread knows of it: how much waits to be written. */
  log: Pick<EventLog, 'queuedBytes'>
  /** Appends a request's events: to `log` (the default, given an EventLog), or through the log's thread. */
  appendBatch: AppendBatch
  /** The log's queue limit (`[log] queue_bytes_max`); new requests wait out while it is half full. */
  logQueueBytesMax: number
  /** What requests in progress, their garbage and the log's queue may hold in all (from `memory_max`). */
  memoryBudgetBytes: number
  /**
   * Watch the process's resident memory against `memory_max` until this signal aborts (the server does, and
   * stops it on shutdown; tests of one app need not).
   */
  memoryWatch?: AbortSignal
  /** `[server] trusted_proxies`: peers that may name the client in Forwarded or X-Forwarded-For. */
  trustedProxies: readonly string[]
  counters: Pick<IngestCounters, 'accepted' | 'authFailed' | 'rejected'>
  logger: Logger
  clock?: () => number
  classifierFor?: ClassifierFor
}

/**
 * A request as the pipeline reads it: a web Request (the app's routes, tests, Deno) or the server's own
 * reading of one (runtime/serve.ts, the direct path).
 */
export type IngestRequest = DirectRequest

/** How a way in differs from `POST /http/{sourceId}`. */
export interface Protocol {
  /** The source was found by its credential, which that check has already verified (HEC's token). */
  authenticated?: boolean
  /** Frames the decoded body; by default the source's stream type, or MessagePack by content type. */
  framer?: (options: FramingOptions, emit: (event: FramedEvent) => void) => Framer
}

const PLAIN: Protocol = {}
const PASSED: AuthOutcome = { ok: true }

export type IngestPipeline = ReturnType<typeof ingestPipeline>

export function ingestPipeline(deps: IngestDeps) {
  const { limits, log, counters } = deps
  const clock = deps.clock ?? Date.now
  const toleranceMs = limits.signature_tolerance_seconds * 1000
  const sources = new SourceCache(deps.registry, { timestampToleranceMs: toleranceMs, clock })
  const admission = new Admission({
    budgetBytes: deps.memoryBudgetBytes,
    memoryMaxBytes: limits.memory_max,
    residentBytes,
    retryAfterSeconds: limits.retry_after_seconds,
    logQueueBytes: () => log.queuedBytes(),
    logQueueHighBytes: deps.logQueueBytesMax / 2,
    collect: collectGarbage,
  })
  if (deps.memoryWatch && !deps.memoryWatch.aborted) {
    const stop = admission.watch()
    deps.memoryWatch.addEventListener('abort', stop, { once: true })
  }
  const clientAddress = new ClientAddress(deps.trustedProxies)
  const rateLimiter = new RateLimiter(limits.source_events_per_second, clock)
  const refusals = new RefusalLog(deps.logger, limits.refused_log_lines_per_second, clock)

  async function ingest(
    request: IngestRequest,
    source: IngestSource,
    meter: Meter,
    protocol: Protocol,
  ): Promise<number | null> {
    const { record, verifier } = source
    const head = headBytes(request, pathAndQuery(request.url))
    if (head > limits.request_bytes_max) throw requestTooLarge(limits.request_bytes_max)
    if (source.allowedFrom) {
      const client = clientAddress.of(request, peerAddress(request))
      if (client === null || !source.allowedFrom.has(client)) throw addressNotAllowed(client)
    }
    admission.admit()
    const early = protocol.authenticated ? PASSED : verifier.checkHeaders(request.headers, clock())
    if (!early.ok) throw authFailed(early)
    rateLimiter.admit(record.id)

    const body = await readBody(request, {
      bodyBytesMax: limits.request_bytes_max - head,
      timeoutMs: limits.body_timeout_ms,
      tooLarge: () => requestTooLarge(limits.request_bytes_max),
      meter,
    })
    const verdict = verifier.needsBody && !protocol.authenticated ? verifier.checkBody(early, body) : early
    if (!verdict.ok) throw authFailed(verdict)

    const classifier = deps.classifierFor?.(record) ?? null
    const records = await frame(request, body, record, meter, classifier, protocol)
    // The appender counts what it appends; a request with no events is counted here.
    const accepted = records.length === 0 ? 0 : await store(record.id, verdict, records, body.byteLength)
    if (records.length === 0) counters.accepted(record.id, 0, body.byteLength, clock())
    if (accepted !== null) classifier?.finish()
    rateLimiter.consume(record.id, accepted ?? 0)
    return accepted
  }

  /** Decode → framing → classify → stamp, chunk by chunk; every byte held is charged to `meter`. */
  async function frame(
    request: IngestRequest,
    body: Uint8Array,
    record: SourceRecord,
    meter: Meter,
    classifier: Classifier | null,
    protocol: Protocol,
  ): Promise<AppendRecord[]> {
    const header = request.headers.get('content-encoding')
    const sniffed = header === null ? sniffEncoding(body) : null
    const encodings = header !== null ? parseContentEncoding(header) : sniffed ? [sniffed] : []
    const stamper = new Stamper({
      sourceId: record.id,
      sourceLabel: record.label,
      httpHeaders: keptHeaders(request.headers, record.httpHeaders),
      parseTimeMs: clock(),
      bodyBytes: body.byteLength,
      meter,
    })
    const records: AppendRecord[] = []
    const framerFor =
      protocol.framer ??
      (isMsgpackContentType(request.headers.get('content-type')) ? createMsgpackFramer : createFramer)
    const framer = framerFor(
      {
        streamType: record.streamType,
        jsonArrayEnvelopeField: record.streamOptions.jsonArrayEnvelopeField,
        eventBytesMax: limits.event_bytes_max,
        eventsMax: limits.events_per_request_max,
        eventDepthMax: limits.event_depth_max,
      },
      (event) => {
        const classified = classifier ? classifier.classify(event) : event
        if (classified === null) return
        records.push(stamper.stamp(classified))
      },
    )
    if (encodings.length === 0) framer.push(body)
    else {
      for await (const chunk of decodeBody(body, encodings, limits.decoded_bytes_max, meter)) {
        framer.push(chunk)
      }
    }
    framer.end()
    return records
  }

  /** Appends the batch; a Standard Webhooks retry of a delivery already stored appends nothing (null). */
  const store = (sourceId: string, verdict: AuthOutcome, records: AppendRecord[], bodyBytes: number) =>
    deps.appendBatch(sourceId, verdict.ok ? verdict.deliveryId : undefined, records, bodyBytes)

  /** The 401 for a failed check, counted by its reason (the request itself is counted as refused). */
  const authFailed = (outcome: Extract<AuthOutcome, { ok: false }>) => {
    counters.authFailed(outcome.reason)
    return authError(outcome)
  }

  /** Counts a refused request, by its source when one was found, and logs it (rate-limited). */
  function refused(request: IngestRequest, sourceId: string | null, named: string, error: unknown): void {
    const code = error instanceof AppError ? error.code : 'INTERNAL'
    const status = error instanceof AppError ? error.status : 500
    counters.rejected(sourceId, code, status)
    if (error instanceof AppError) {
      const client = clientAddress.of(request, peerAddress(request))
      refusals.record({ source: sourceId ?? named, status, code, client, reason: error.message })
    }
  }

  return {
    sources,
    admission,

    /**
     * Ingests one request for `source`, named in the request as `named` (null source: none has that name,
     * a 404). Answers the number of events stored, or null for a duplicate delivery; throws the AppError
     * that refused the request, counted and logged.
     */
    async run(
      request: IngestRequest,
      source: IngestSource | null,
      named: string,
      protocol: Protocol = PLAIN,
    ): Promise<number | null> {
      const hold: Hold = { bytes: 0, peak: 0 }
      const meter: Meter = {
        reserve: (bytes) => admission.reserve(hold, bytes),
        release: (bytes) => admission.release(hold, bytes),
      }
      try {
        if (!source) throw notFound(`no log source with integrationId ${named}`)
        return await ingest(request, source, meter, protocol)
      } catch (error) {
        refused(request, source?.record.id ?? null, named, error)
        throw error
      } finally {
        admission.release(hold)
      }
    },

    /**
     * Counts and logs a request refused before any source was found for it, such as an HEC request with
     * an unknown token; `reason` counts an authentication failure.
     */
    refuse(request: IngestRequest, error: AppError, reason?: AuthFailureReason): void {
      if (reason) counters.authFailed(reason)
      refused(request, null, '-', error)
    },
  }
}

/** The request headers a source keeps on its events, those present, by lower-case name. */
function keptHeaders(headers: HeaderFields, names: readonly string[]): Record<string, string> | undefined {
  if (names.length === 0) return undefined
  const kept: Record<string, string> = {}
  for (const name of names) {
    const value = headers.get(name)
    if (value !== null) kept[name] = value
  }
  return kept
}

function addressNotAllowed(client: string | null): AppError {
  const who = client === null ? 'the client address could not be determined; it' : `client address ${client}`
  return new AppError('ADDRESS_NOT_ALLOWED', `${who} is not in this source's allowedCidrs`)
}

function authError(outcome: Extract<AuthOutcome, { ok: false }>): AppError {
  return new AppError('UNAUTHORIZED', outcome.message, {
    headers: outcome.challenge ? { 'www-authenticate': outcome.challenge } : undefined,
  })
}

/** The request target as sent: what follows the authority in the absolute URL the server builds. */
function pathAndQuery(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  return start < 0 ? '/' : url.slice(start)
}
