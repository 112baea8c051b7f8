/**
 * The main thread's side of serving with several ingest workers (`[server] workers`, worker.ts). The
 * workers share the port; the main thread listens on nothing and keeps what must be one:
 *
 * - the event log: each worker's request arrives as one packed batch and is appended by the one appender
 *   (ingest/appender.ts), so group commit, order, atomicity and duplicate-delivery suppression hold
 *   across workers, and the worker answers 200 only once the append is durable;
 * - the counters, health and system errors: the appender counts what it stores, and the workers' other
 *   counter calls (refusals, requests without events) are replayed here;
 * - the management API, the console and metrics: forwarded requests are answered by the app;
 * - the registry's writers: every change to a source or schema is told to every worker at once, which
 *   drops what it compiled from it.
 */
import type { Config } from '../config/schema.ts'
import { AppError, errorAnswer } from '../errors.ts'
import type { IngestCounters } from '../health/counters.ts'
import type { AppendBatch } from '../ingest/appender.ts'
import type { Logger } from '../logger.ts'
import type { Registry } from '../registry/index.ts'
import { type RunningServer, setPeerAddress } from '../runtime/serve.ts'
import { checkPortFree, startWorkerThread } from '../runtime/workers.ts'
import type { FailureReporter } from '../schemas/services.ts'
import {
  type AppendResult,
  Batch,
  type CounterOp,
  type FromWorker,
  type SentError,
  type ToWorker,
  unpackRecords,
} from './protocol.ts'

/** How often the log's queue is told to the workers (their admission refuses new requests while it is high). */
const QUEUE_REPORT_MS = 20

export interface ClusterDeps {
  config: Config
  workers: number
  hostname: string
  port: number
  tls?: { cert: string; key: string }
  fetch: (request: Request) => Response | Promise<Response>
  appendBatch: AppendBatch
  queuedBytes: () => number
  counters: IngestCounters
  failures: FailureReporter
  registry: Registry
  logger: Logger
}

export async function startWorkers(deps: ClusterDeps): Promise<RunningServer> {
  const threads: Worker[] = []
  const send = (worker: Worker, message: ToWorker, transfer: Transferable[] = []) =>
    worker.postMessage(message, transfer)
  const broadcast = (message: ToWorker) => {
    for (const worker of threads) send(worker, message)
  }
  let stopping = false
  const stopped = new Map<number, () => void>()

  const replies = new Map<Worker, Batch<AppendResult>>()
  const repliesTo = (worker: Worker) => {
    let batch = replies.get(worker)
    if (!batch) {
      batch = new Batch<AppendResult>((results) =>
        send(worker, { type: 'appended', results, queued: deps.queuedBytes() }),
      )
      replies.set(worker, batch)
    }
    return batch
  }

  const handle = (worker: Worker, message: FromWorker) => {
    switch (message.type) {
      case 'append': {
        const batch = repliesTo(worker)
        for (const { rid, deliveryId, records, bodyBytes } of message.requests) {
          void deps.appendBatch(records.sourceId, deliveryId, unpackRecords(records), bodyBytes).then(
            (stored) => batch.add([rid, stored]),
            (error: unknown) => batch.add([rid, sent(error)]),
          )
        }
        return
      }
      case 'counters':
        for (const op of message.ops) replay(deps.counters, op)
        return
      case 'failures':
        deps.failures.report(message.source, message.count, message.reason)
        return
      case 'forward':
        void answer(worker, message)
        return
      case 'stopped':
        stopped.get(message.index)?.()
        return
    }
  }

  /** Answers a forwarded request with the app's response; a failure is a 500, so no worker waits forever. */
  async function answer(worker: Worker, message: Extract<FromWorker, { type: 'forward' }>) {
    let response: Response
    try {
      const request = new Request(message.url, {
        method: message.method,
        headers: message.headers,
        body: message.body,
      })
      setPeerAddress(request, message.peer)
      response = await deps.fetch(request)
    } catch (error) {
      deps.logger.error('forwarded request failed', { url: message.url, error: String(error) })
      const { status, headers, body } = errorAnswer(new AppError('INTERNAL', 'internal error'))
      response = new Response(body, { status, headers })
    }
    const body = await response.arrayBuffer()
    send(
      worker,
      { type: 'answer', rid: message.rid, status: response.status, headers: [...response.headers], body },
      [body],
    )
  }

  /** Starts worker `index` on `port`; resolves with the port it listens on. */
  const launch = (index: number, port: number) =>
    new Promise<number>((resolve, reject) => {
      const worker = startWorkerThread(index)
      threads.push(worker)
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        const message = event.data
        if (message.type === 'listening') resolve(message.port)
        else if (message.type === 'start-failed')
          reject(Object.assign(new Error(message.message), { code: message.code }))
        else handle(worker, message)
      }
      worker.onerror = (event) => {
        deps.logger.error('ingest worker failed', { worker: index, error: String(event.message ?? event) })
        reject(new Error(`ingest worker ${index} failed: ${event.message}`))
      }
      worker.addEventListener('close', () => {
        if (!stopping) deps.logger.error('ingest worker stopped unexpectedly', { worker: index })
      })
      send(worker, {
        type: 'init',
        config: deps.config,
        index,
        hostname: deps.hostname,
        port,
        tls: deps.tls,
        workers: deps.workers,
      })
    })

  let port: number
  try {
    // The first worker takes the port (any free one, for port 0); the others join it there.
    if (deps.port !== 0) await checkPortFree(deps.hostname, deps.port)
    port = await launch(0, deps.port)
    await Promise.all(Array.from({ length: deps.workers - 1 }, (_, i) => launch(i + 1, port)))
  } catch (error) {
    stopping = true
    for (const worker of threads) worker.terminate()
    throw error
  }

  const unsubscribe = [
    deps.registry.sources.onChange((id) => broadcast({ type: 'source-changed', id })),
    deps.registry.schemas.onChange((name) => broadcast({ type: 'schema-changed', name })),
  ]
  let lastQueued = -1
  const queueReport = setInterval(() => {
    const queued = deps.queuedBytes()
    if (queued === lastQueued) return
    lastQueued = queued
    broadcast({ type: 'queue', queued })
  }, QUEUE_REPORT_MS)

  return {
    port,
    async stop(graceMs) {
      stopping = true
      clearInterval(queueReport)
      for (const off of unsubscribe) off()
      // Each worker stops accepting, lets its requests finish (their appends are still served here), and
      // sends its last counts before it says it has stopped.
      await Promise.all(
        threads.map(
          (worker, index) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, graceMs + 1000)
              stopped.set(index, () => {
                clearTimeout(timer)
                resolve()
              })
              send(worker, { type: 'stop', graceMs })
            }),
        ),
      )
      for (const worker of threads) worker.terminate()
    },
  }
}

function replay(counters: IngestCounters, op: CounterOp): void {
  if (op[0] === 'accepted') counters.accepted(op[1], op[2], op[3], op[4])
  else if (op[0] === 'authFailed') counters.authFailed(op[1])
  else counters.rejected(op[1], op[2], op[3])
}

function sent(error: unknown): SentError {
  if (error instanceof AppError) return { code: error.code, message: error.message, headers: error.headers }
  return { code: 'INTERNAL', message: 'internal error' }
}
