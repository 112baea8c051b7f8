/**
 * An ingest worker: a thread that serves HTTP on the server's port beside the other workers and runs
 * the ingest path (auth, decoding, framing, classification, stamping) for the requests it receives. What
 * must be one stays on the main thread (primary.ts): a request's events go there to be appended, in one
 * batch, to the one log; its counts are replayed there; every other request (the management API, the
 * console, metrics) is forwarded there whole and answered with what the app says.
 *
 * The worker reads the registry (sources with their secrets, schemas) through its own connection and
 * drops what it compiled when the main thread reports a change. The per-source rate limit, the refusal
 * log's rate and the memory budget are each split evenly between the workers.
 */
import { tooLarge } from '../api/body.ts'
import { readBody } from '../body.ts'
import { requestMemoryBytes } from '../config/schema.ts'
import { AppError, errorAnswer, malformedAnswer } from '../errors.ts'
import type { AppendBatch } from '../ingest/appender.ts'
import { ingestRoute } from '../ingest/route.ts'
import { createLogger } from '../logger.ts'
import { openRegistryReader } from '../registry/index.ts'
import { peerAddress, type RunningServer, serve, toResponse } from '../runtime/serve.ts'
import { createClassification } from '../schemas/classify.ts'
import {
  type AppendRequest,
  Batch,
  type CounterOp,
  type FromWorker,
  packRecords,
  type SentError,
  type ToWorker,
  type WorkerInit,
} from './protocol.ts'

/** The worker's side of the channel to the main thread (a worker's global `postMessage`). */
const post = (message: FromWorker, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(message, transfer)

let server: RunningServer | undefined
const onMessage: ((message: ToWorker) => void)[] = []

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data
  if (message.type === 'init') {
    start(message).catch((error: NodeJS.ErrnoException) => {
      post({ type: 'start-failed', index: message.index, message: String(error), code: error.code })
    })
    return
  }
  for (const handler of onMessage) handler(message)
}

/**
 * The ingest counters' calls for the main thread, sent before the request's answer is (a microtask
 * runs before the answer is written), so a refusal is counted by the time its sender hears of it. The
 * requests that store events are counted by the main thread's appender instead, with no message of their
 * own; what comes here is refusals and requests without events.
 */
class RemoteCounters {
  #ops: CounterOp[] = []

  accepted(sourceId: string, events: number, bytes: number, atMs: number): void {
    this.#add(['accepted', sourceId, events, bytes, atMs])
  }

  authFailed(reason: string): void {
    this.#add(['authFailed', reason])
  }

  rejected(sourceId: string | null, code: string, status: number): void {
    this.#add(['rejected', sourceId, code, status])
  }

  flush(): void {
    if (this.#ops.length === 0) return
    post({ type: 'counters', ops: this.#ops })
    this.#ops = []
  }

  #add(op: CounterOp): void {
    if (this.#ops.length === 0) queueMicrotask(() => this.flush())
    this.#ops.push(op)
  }
}

const fromSent = (error: SentError) =>
  new AppError(error.code as AppError['code'], error.message, { headers: error.headers })

async function start(init: WorkerInit): Promise<void> {
  const { config, workers } = init
  const logger = createLogger({ level: config.log_level, format: config.log_format })
  const registry = await openRegistryReader({ dataDir: config.data_dir })
  const counters = new RemoteCounters()
  const classification = createClassification({
    schemas: registry.schemas,
    onFailures: (source, count, reason) => post({ type: 'failures', source, count, reason }),
  })

  let queued = 0
  let nextRid = 1
  const appends = new Map<
    number,
    { resolve: (stored: number | null) => void; reject: (error: Error) => void }
  >()
  const answers = new Map<number, (answer: Extract<ToWorker, { type: 'answer' }>) => void>()
  const outbox = new Batch<AppendRequest>((requests, transfer) =>
    post({ type: 'append', requests }, transfer),
  )
  const appendBatch: AppendBatch = (sourceId, deliveryId, records, bodyBytes) =>
    new Promise((resolve, reject) => {
      const rid = nextRid++
      appends.set(rid, { resolve, reject })
      const packed = packRecords(sourceId, records)
      outbox.add({ rid, deliveryId, bodyBytes, records: packed }, packed.payloads)
    })

  onMessage.push((message) => {
    switch (message.type) {
      case 'source-changed':
        return registry.sources.changedElsewhere(message.id)
      case 'schema-changed':
        return registry.schemas.changedElsewhere(message.name)
      case 'queue':
        queued = message.queued
        return
      case 'appended': {
        queued = message.queued
        for (const [rid, outcome] of message.results) {
          const pending = appends.get(rid)
          appends.delete(rid)
          if (outcome === null || typeof outcome === 'number') pending?.resolve(outcome)
          else pending?.reject(fromSent(outcome))
        }
        return
      }
      case 'answer': {
        const answer = answers.get(message.rid)
        answers.delete(message.rid)
        answer?.(message)
        return
      }
      case 'stop':
        void stop(message.graceMs)
        return
    }
  })

  const memoryWatch = new AbortController()
  const ingest = ingestRoute({
    limits: {
      ...config.ingest,
      source_events_per_second: Math.ceil(config.ingest.source_events_per_second / workers),
      refused_log_lines_per_second: Math.ceil(config.ingest.refused_log_lines_per_second / workers),
    },
    registry,
    log: { queuedBytes: () => queued },
    appendBatch,
    logQueueBytesMax: config.log.queue_bytes_max,
    memoryBudgetBytes: Math.floor(requestMemoryBytes(config, workers) / workers),
    memoryWatch: memoryWatch.signal,
    trustedProxies: config.server.trusted_proxies,
    counters,
    logger,
    classifierFor: classification.classifierFor,
  })

  /**
   * Any request but ingest goes to the main thread's app. Its body is read here first, within the API's
   * limits; a request that needs the API key and does not carry it is sent without its body, so it is
   * refused before the body is read, as the app itself would.
   */
  async function forward(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname
    let body: Uint8Array | null = null
    if (request.method !== 'GET' && request.method !== 'HEAD' && carriesKeyOrNeedsNone(request, path)) {
      try {
        const limit = path.startsWith('/http/') ? config.ingest.request_bytes_max : config.api.body_bytes_max
        body = await readBody(request, {
          bodyBytesMax: limit,
          timeoutMs: config.api.body_timeout_ms,
          tooLarge: () => tooLarge(limit),
        })
      } catch (error) {
        if (error instanceof AppError) return toResponse(errorAnswer(error))
        throw error
      }
    }
    const rid = nextRid++
    const answered = new Promise<Extract<ToWorker, { type: 'answer' }>>((resolve) =>
      answers.set(rid, resolve),
    )
    const copy = body === null ? null : body.slice().buffer
    post(
      {
        type: 'forward',
        rid,
        method: request.method,
        url: request.url,
        headers: [...request.headers],
        body: copy,
        peer: peerAddress(request) ?? '',
      },
      copy ? [copy] : [],
    )
    const answer = await answered
    return new Response(answer.body, { status: answer.status, headers: answer.headers })
  }

  const carriesKeyOrNeedsNone = (request: Request, path: string) => {
    if (path.startsWith('/http/') || path.startsWith('/services/collector')) return true
    const bearer = request.headers.get('authorization')
    const key = request.headers.get('x-api-key') ?? (bearer?.startsWith('Bearer ') ? bearer.slice(7) : null)
    return registry.apiKey.verify(key)
  }

  server = await serve(forward, {
    hostname: init.hostname,
    port: init.port,
    tls: init.tls,
    headerBytesMax: config.server.header_bytes_max,
    headTimeoutMs: config.server.head_timeout_ms,
    malformed: (status) => malformedAnswer(status, config.server.header_bytes_max),
    direct: ingest.direct,
  })
  post({ type: 'listening', index: init.index, port: server.port })

  async function stop(graceMs: number): Promise<void> {
    await server?.stop(graceMs)
    memoryWatch.abort()
    classification.close()
    counters.flush()
    registry.close()
    post({ type: 'stopped', index: init.index })
  }
}
