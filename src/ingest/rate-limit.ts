/**
 * Per-source rate limit in events per second: a token bucket holding one second of events. A request
 * may take the bucket below zero (so a request larger than a second's worth still gets through when the
 * bucket is full), and the debt tells the sender how long to wait: `429` with `Retry-After`.
 */
import { AppError } from '../errors.ts'

interface Bucket {
  tokens: number
  atMs: number
}

/** Buckets idle this long are full again and can be dropped, which bounds the map by active sources. */
const SWEEP_AFTER_MS = 60_000

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>()
  #sweptAtMs = 0

  constructor(
    /** Events per second per source; 0 turns the limit off. */
    private readonly eventsPerSecond: number,
    private readonly clock: () => number,
  ) {}

  get enabled(): boolean {
    return this.eventsPerSecond > 0
  }

  /**
   * Throws 429 while `sourceId`'s bucket is in debt. Checked before the body is read, so a source over
   * its limit costs the server no decoding.
   */
  admit(sourceId: string): void {
    if (!this.enabled) return
    const bucket = this.#refill(sourceId)
    const rate = this.eventsPerSecond
    if (bucket.tokens <= 0) {
      const seconds = Math.max(1, Math.ceil(-bucket.tokens / rate))
      throw new AppError('RATE_LIMITED', `source is over its limit of ${rate} events per second`, {
        headers: { 'retry-after': String(seconds) },
      })
    }
  }

  /** Takes the tokens of the events a request stored. */
  consume(sourceId: string, events: number): void {
    if (!this.enabled || events === 0) return
    this.#refill(sourceId).tokens -= events
  }

  #refill(sourceId: string): Bucket {
    const now = this.clock()
    this.#sweep(now)
    const rate = this.eventsPerSecond
    const bucket = this.#buckets.get(sourceId) ?? { tokens: rate, atMs: now }
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.atMs) / 1000) * rate)
    bucket.atMs = now
    this.#buckets.set(sourceId, bucket)
    return bucket
  }

  #sweep(now: number): void {
    if (now - this.#sweptAtMs < SWEEP_AFTER_MS) return
    this.#sweptAtMs = now
    for (const [id, bucket] of this.#buckets) {
      if (now - bucket.atMs > SWEEP_AFTER_MS) this.#buckets.delete(id)
    }
  }
}
