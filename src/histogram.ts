/**
 * A fixed-bucket histogram, as Prometheus exposes them: counts of observations at or below each upper
 * bound, plus their sum and count. Used by the event log (fsync latency, group commit size) and by the
 * health module (event-loop lag); it depends on neither, so both can own one.
 *
 * Observing is a short scan over a dozen bounds and two additions: cheap enough for every fsync and every
 * group commit. Counts are kept per bucket and made cumulative only when a snapshot is taken.
 */
import { assert } from './errors.ts'

export interface HistogramSnapshot {
  /** Upper bounds, ascending; the implicit last bucket (+Inf) is not listed. */
  bounds: readonly number[]
  /**
   * Cumulative: `counts[i]` is the number of observations at or below `bounds[i]` (Prometheus's `le`).
   * The +Inf bucket is `count`.
   */
  counts: readonly number[]
  sum: number
  count: number
}

export class Histogram {
  readonly bounds: readonly number[]
  /** Per bucket, not cumulative; the last entry is the +Inf bucket. */
  readonly #buckets: Float64Array
  #sum = 0

  constructor(upperBounds: readonly number[]) {
    checkBounds(upperBounds)
    this.bounds = Object.freeze([...upperBounds])
    this.#buckets = new Float64Array(upperBounds.length + 1)
  }

  /** Counts `value`; NaN is dropped, as it belongs to no bucket and would poison the sum. */
  observe(value: number): void {
    if (Number.isNaN(value)) return
    const bounds = this.bounds
    let bucket = 0
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++
    this.#buckets[bucket]!++
    this.#sum += value
  }

  snapshot(): HistogramSnapshot {
    const counts: number[] = []
    let running = 0
    for (let i = 0; i < this.bounds.length; i++) {
      running += this.#buckets[i]!
      counts.push(running)
    }
    return {
      bounds: this.bounds,
      counts,
      sum: this.#sum,
      count: running + this.#buckets[this.bounds.length]!,
    }
  }
}

/** Bounds are a programmer's constant: finite, strictly ascending, at least one. */
function checkBounds(bounds: readonly number[]): void {
  assert(bounds.length > 0, 'a histogram has at least one bound')
  bounds.forEach((bound, i) => {
    assert(Number.isFinite(bound), 'histogram bounds are finite')
    assert(i === 0 || bound > bounds[i - 1]!, 'histogram bounds are strictly ascending')
  })
}
