/**
 * The inference job: a draft schema for each source, inferred from the events it has stored. In the
 * background it visits the sources without log types (the ones waiting for a schema); on demand
 * (`POST /log-sources/http/{id}/infer-schema`) it brings one source's draft up to date first.
 *
 * Each draft reads the log from where it stopped (the last seq it saw) and stops taking events at
 * `sampleEventsMax`: the inferrer keeps state per field, not the events, so memory stays bounded by the
 * schemas' size whatever the traffic. A background pass reads the log once for all the sources it
 * visits, from the earliest place one of them stopped, parsing only the records of a source still
 * sampling (found by the bytes Inlet wrote, not by parsing), and reads at most PASS_RECORDS_MAX records:
 * a pass per source read every segment once per source (each holds every source's records) and parsed
 * every record, which slowed ingest twentyfold on a server with a dozen sources. Drafts live in memory;
 * after a restart, the passes rebuild them from the log, a slice at a time.
 */
import { AppError } from '../errors.ts'
import type { EventLog } from '../eventlog/index.ts'
import type { Logger } from '../logger.ts'
import type { SourceRecord } from '../registry/sources.ts'
import { SchemaInferrer } from './infer.ts'
import { schemaToYaml } from './spec.ts'

export interface InferenceOptions {
  /** Events a draft is inferred from, at most (the first ones stored). */
  sampleEventsMax: number
  /** Period of the background pass over sources without log types; 0 turns the pass off. */
  intervalMs: number
}

export interface InferenceDeps extends InferenceOptions {
  log: Pick<EventLog, 'read'>
  sources: { list(): SourceRecord[]; get(id: string): SourceRecord }
  logger: Logger
}

export interface InferredDraft {
  spec: string
  eventsSampled: number
}

interface Draft {
  inferrer: SchemaInferrer
  /** The last seq read for this source; the next read starts after it. */
  lastSeq: number
}

/** Records one background pass reads at most; the next pass goes on from there. */
const PASS_RECORDS_MAX = 100_000

export class InferenceJob {
  readonly #drafts = new Map<string, Draft>()
  /** One catch-up per source at a time: a request during a background pass waits for it. */
  readonly #running = new Map<string, Promise<Draft>>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false
  readonly #decoder = new TextDecoder()

  constructor(private readonly deps: InferenceDeps) {}

  /** Starts the background passes (unless intervalMs is 0). */
  start(): void {
    if (this.deps.intervalMs <= 0 || this.#closed) return
    this.#timer = setTimeout(() => void this.#pass(), this.deps.intervalMs)
    ;(this.#timer as { unref?: () => void }).unref?.()
  }

  /** The source's draft, brought up to date with the log; 409 when it has stored no event yet. */
  async infer(sourceId: string): Promise<InferredDraft> {
    const draft = await this.#refresh(this.deps.sources.get(sourceId).id)
    if (draft.inferrer.count === 0) {
      throw new AppError('NO_EVENTS', 'this source has stored no events yet to infer a schema from')
    }
    return { spec: schemaToYaml(draft.inferrer.toSpec()), eventsSampled: draft.inferrer.count }
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
  }

  async #pass(): Promise<void> {
    const sources = this.deps.sources.list()
    const known = new Set(sources.map((source) => source.id))
    for (const id of this.#drafts.keys()) if (!known.has(id)) this.#drafts.delete(id)
    const sampling = new Map<string, Draft>()
    for (const source of sources) {
      if (source.logTypes.length > 0 || this.#running.has(source.id)) continue
      const draft = this.#draft(source.id)
      if (draft.inferrer.count < this.deps.sampleEventsMax) sampling.set(source.id, draft)
    }
    if (sampling.size > 0) {
      const sampled = this.#sample(sampling)
      // A request for one of these drafts meanwhile waits for the pass, then goes on from where it stopped.
      for (const [id, draft] of sampling) {
        const caughtUp = sampled.then(
          () => draft,
          () => draft,
        )
        this.#running.set(id, caughtUp)
        void caughtUp.finally(() => this.#running.delete(id))
      }
      try {
        await sampled
      } catch (error) {
        this.deps.logger.warn('schema inference pass failed', { error: String(error) })
      }
    }
    this.start()
  }

  /** One read of the log for every draft in `sampling`, from the earliest place one of them stopped. */
  async #sample(sampling: Map<string, Draft>): Promise<void> {
    const fromSeq = Math.min(...[...sampling.values()].map((draft) => draft.lastSeq)) + 1
    const cursor = this.deps.log.read({ fromSeq, sourceIds: [...sampling.keys()], order: 'asc' })
    let read = 0
    let lastSeq = fromSeq - 1
    for await (const record of cursor) {
      lastSeq = record.seq
      const draft = sampling.get(sourceOf(record.payload) ?? '')
      if (draft && record.seq > draft.lastSeq && draft.inferrer.count < this.deps.sampleEventsMax) {
        const event = this.#eventOf(record.payload)
        if (event) draft.inferrer.add(event)
      }
      if (++read >= PASS_RECORDS_MAX || this.#closed) break
    }
    // Every draft has now seen every record up to here, its own included.
    for (const draft of sampling.values()) draft.lastSeq = Math.max(draft.lastSeq, lastSeq)
  }

  #draft(sourceId: string): Draft {
    let draft = this.#drafts.get(sourceId)
    if (!draft) {
      draft = { inferrer: new SchemaInferrer(), lastSeq: 0 }
      this.#drafts.set(sourceId, draft)
    }
    return draft
  }

  /** Catches the draft up with the log, after any catch-up or pass already reading for it. */
  async #refresh(sourceId: string): Promise<Draft> {
    for (let running = this.#running.get(sourceId); running; running = this.#running.get(sourceId)) {
      await running.catch(() => {})
    }
    const done = this.#catchUp(sourceId).finally(() => this.#running.delete(sourceId))
    this.#running.set(sourceId, done)
    return done
  }

  async #catchUp(sourceId: string): Promise<Draft> {
    const draft = this.#draft(sourceId)
    const max = this.deps.sampleEventsMax
    if (draft.inferrer.count >= max) return draft
    const cursor = this.deps.log.read({ fromSeq: draft.lastSeq + 1, sourceIds: [sourceId], order: 'asc' })
    for await (const record of cursor) {
      draft.lastSeq = record.seq
      if (sourceOf(record.payload) !== sourceId) continue
      const event = this.#eventOf(record.payload)
      if (event) draft.inferrer.add(event)
      if (draft.inferrer.count >= max || this.#closed) break
    }
    return draft
  }

  /** The stored event without Inlet's p_ fields. */
  #eventOf(payload: Uint8Array): Record<string, unknown> | null {
    let stored: Record<string, unknown>
    try {
      stored = JSON.parse(this.#decoder.decode(payload))
    } catch {
      return null
    }
    const event: Record<string, unknown> = {}
    for (const key in stored) if (!key.startsWith('p_')) event[key] = stored[key]
    return event
  }
}

const SOURCE_MEMBER = new TextEncoder().encode('"p_source_id":"')
const UUID_CHARS = 36

/**
 * The source of a stored event, read from the bytes the stamp wrote: its last `"p_source_id":"` is
 * Inlet's, since the stamp writes its fields after the sender's and a sender's strings are escaped, so
 * no quote inside them stands bare.
 */
function sourceOf(payload: Uint8Array): string | null {
  const at = lastIndexOf(payload, SOURCE_MEMBER)
  if (at < 0 || at + SOURCE_MEMBER.length + UUID_CHARS > payload.length) return null
  const start = at + SOURCE_MEMBER.length
  return String.fromCharCode(...payload.subarray(start, start + UUID_CHARS))
}

function lastIndexOf(bytes: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).lastIndexOf(needle)
}
