/**
 * The inference job: a draft schema for each source, inferred from the events it has stored. In the
 * background it visits the sources without log types (the ones waiting for a schema); on demand
 * (`POST /log-sources/http/{id}/infer-schema`) it brings one source's draft up to date first.
 *
 * Each draft reads the log from where it stopped (the last seq it saw), so a pass costs only the events
 * stored since the previous one, and stops taking events at `sampleEventsMax`: the inferrer keeps state
 * per field, not the events, so memory stays bounded by the schemas' size whatever the traffic. Drafts
 * live in memory; after a restart the first pass rebuilds them from the log.
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
    const waiting = sources.filter((source) => source.logTypes.length === 0)
    const known = new Set(sources.map((source) => source.id))
    for (const id of this.#drafts.keys()) if (!known.has(id)) this.#drafts.delete(id)
    for (const source of waiting) {
      if (this.#closed) return
      try {
        await this.#refresh(source.id)
      } catch (error) {
        this.deps.logger.warn('schema inference pass failed', { sourceId: source.id, error: String(error) })
      }
    }
    this.start()
  }

  #refresh(sourceId: string): Promise<Draft> {
    const running = this.#running.get(sourceId)
    if (running) return running
    const done = this.#catchUp(sourceId).finally(() => this.#running.delete(sourceId))
    this.#running.set(sourceId, done)
    return done
  }

  async #catchUp(sourceId: string): Promise<Draft> {
    let draft = this.#drafts.get(sourceId)
    if (!draft) {
      draft = { inferrer: new SchemaInferrer(), lastSeq: 0 }
      this.#drafts.set(sourceId, draft)
    }
    const max = this.deps.sampleEventsMax
    if (draft.inferrer.count >= max) return draft
    const cursor = this.deps.log.read({ fromSeq: draft.lastSeq + 1, sourceIds: [sourceId], order: 'asc' })
    for await (const record of cursor) {
      draft.lastSeq = record.seq
      const event = this.#eventOf(record.payload, sourceId)
      if (event) draft.inferrer.add(event)
      if (draft.inferrer.count >= max || this.#closed) break
    }
    return draft
  }

  /** The stored event without Inlet's p_ fields, if it belongs to the source (segments hold several). */
  #eventOf(payload: Uint8Array, sourceId: string): Record<string, unknown> | null {
    let stored: Record<string, unknown>
    try {
      stored = JSON.parse(this.#decoder.decode(payload))
    } catch {
      return null
    }
    if (stored.p_source_id !== sourceId) return null
    const event: Record<string, unknown> = {}
    for (const key in stored) if (!key.startsWith('p_')) event[key] = stored[key]
    return event
  }
}
