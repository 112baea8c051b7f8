/**
 * The messages between the server's main thread and its ingest workers (primary.ts, worker.ts). Each
 * worker serves HTTP on the shared port and runs the ingest path; the main thread owns what must be one:
 * the event log and its group commit, the duplicate-delivery memory, the registry's writers, health,
 * alerts and the management API, which the workers forward requests to.
 *
 * Events cross as one buffer per request (transferred, not copied): the payloads end to end, with their
 * lengths and event times beside them. Appends and their answers are sent in batches, one message for all
 * those of one turn of the sender's event loop (`Batch`): a message costs a thread some 5–25 µs, about as
 * much as the rest of a one-event request, so one per request would eat what the workers gain.
 */
import type { Config } from '../config/schema.ts'
import type { AppendRecord } from '../eventlog/index.ts'

/** What a worker needs to start: the configuration, which worker it is, and where to listen. */
export interface WorkerInit {
  type: 'init'
  config: Config
  index: number
  hostname: string
  /** The port to listen on; 0 for the first worker when any port will do (it reports the one it got). */
  port: number
  tls?: { cert: string; key: string }
  /** How many workers share the port: the per-source rate limit and the memory budget are split by it. */
  workers: number
}

export interface PackedRecords {
  sourceId: string
  payloads: ArrayBuffer
  lengths: number[]
  eventTimes: number[]
}

export interface AppendRequest {
  rid: number
  deliveryId?: string
  /** The request's body as sent, for the counters. */
  bodyBytes: number
  records: PackedRecords
}

/** An append's outcome: the events stored (null for a duplicate delivery), or why it failed. */
export type AppendResult = [rid: number, stored: number | null] | [rid: number, failed: SentError]

export type ToWorker =
  | WorkerInit
  | { type: 'source-changed'; id: string }
  | { type: 'schema-changed'; name: string }
  | { type: 'appended'; results: AppendResult[]; queued: number }
  | { type: 'answer'; rid: number; status: number; headers: [string, string][]; body: ArrayBuffer }
  | { type: 'queue'; queued: number }
  | { type: 'stop'; graceMs: number }

export type FromWorker =
  | { type: 'listening'; index: number; port: number }
  | { type: 'start-failed'; index: number; message: string; code?: string }
  | { type: 'append'; requests: AppendRequest[] }
  | { type: 'counters'; ops: CounterOp[] }
  | { type: 'failures'; source: { id: string; label: string }; count: number; reason: string }
  | {
      type: 'forward'
      rid: number
      method: string
      url: string
      headers: [string, string][]
      body: ArrayBuffer | null
      peer: string
    }
  | { type: 'stopped'; index: number }

/** An AppError as it crosses threads. */
export interface SentError {
  code: string
  message: string
  headers?: Record<string, string>
}

/** The ingest counters' calls, replayed on the main thread's counters in order. */
export type CounterOp =
  | ['accepted', string, number, number, number]
  | ['authFailed', string]
  | ['rejected', string | null, string, number]

/** The records of one request as one transferable buffer. */
export function packRecords(sourceId: string, records: readonly AppendRecord[]): PackedRecords {
  let total = 0
  for (const record of records) total += record.payload.byteLength
  // Made as an ArrayBuffer first: asking a typed array made by length for its `.buffer` is a slow path.
  const payloads = new ArrayBuffer(total)
  const bytes = new Uint8Array(payloads)
  const lengths: number[] = new Array(records.length)
  const eventTimes: number[] = new Array(records.length)
  let at = 0
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!
    bytes.set(record.payload, at)
    at += record.payload.byteLength
    lengths[i] = record.payload.byteLength
    eventTimes[i] = record.eventTimeMs
  }
  return { sourceId, payloads, lengths, eventTimes }
}

/**
 * Items sent as one message per turn of the event loop: `add` queues, and the queue goes out once the
 * turn's I/O callbacks have run (`setImmediate`), with every buffer to transfer.
 */
export class Batch<T> {
  #items: T[] = []
  #transfer: Transferable[] = []

  constructor(private readonly send: (items: T[], transfer: Transferable[]) => void) {}

  add(item: T, transfer?: Transferable): void {
    if (this.#items.length === 0) setImmediate(() => this.flush())
    this.#items.push(item)
    if (transfer) this.#transfer.push(transfer)
  }

  flush(): void {
    if (this.#items.length === 0) return
    const items = this.#items
    const transfer = this.#transfer
    this.#items = []
    this.#transfer = []
    this.send(items, transfer)
  }
}

export function unpackRecords(packed: PackedRecords): AppendRecord[] {
  const bytes = new Uint8Array(packed.payloads)
  const records: AppendRecord[] = new Array(packed.lengths.length)
  let at = 0
  for (let i = 0; i < packed.lengths.length; i++) {
    const length = packed.lengths[i]!
    records[i] = {
      payload: bytes.subarray(at, at + length),
      eventTimeMs: packed.eventTimes[i]!,
      sourceId: packed.sourceId,
    }
    at += length
  }
  return records
}
