/**
 * Event-loop lag: how late a timer fires. Every request, append and scan shares the one loop, so a lag
 * here is a delay every sender and searcher sees (a long synchronous scan, a collection, an overloaded
 * CPU). A timer is set every `intervalMs`; when it fires, the time past its due moment is observed into a
 * histogram, and the largest lag since the last scrape is kept for a gauge, so a spike between scrapes
 * is not averaged away.
 *
 * Only timers and performance.now(): no runtime-specific monitor, because perf_hooks'
 * monitorEventLoopDelay does not see the loop blocked under Deno (a 300 ms busy loop read as 21 µs).
 * Timers come from node:timers, whose handles can be unref'd on every runtime, so the monitor never
 * keeps the process alive.
 */
import { clearTimeout as clearTimer, setTimeout as startTimer } from 'node:timers'
import { Histogram, type HistogramSnapshot } from '../histogram.ts'

/** From 0.5 ms (a timer's ordinary jitter) to 10 s (a loop stuck on one piece of work). */
export const LAG_SECONDS_BOUNDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const

const INTERVAL_MS_DEFAULT = 100

export class EventLoopMonitor {
  readonly #lag = new Histogram(LAG_SECONDS_BOUNDS)
  readonly #intervalMs: number
  readonly #now: () => number
  #timer: ReturnType<typeof startTimer> | null = null
  #maxSeconds = 0

  constructor(options: { intervalMs?: number; now?: () => number } = {}) {
    this.#intervalMs = options.intervalMs ?? INTERVAL_MS_DEFAULT
    this.#now = options.now ?? (() => performance.now())
  }

  start(): void {
    if (this.#timer === null) this.#schedule()
  }

  stop(): void {
    if (this.#timer !== null) clearTimer(this.#timer)
    this.#timer = null
  }

  /** Lags observed so far, in seconds. */
  lag(): HistogramSnapshot {
    return this.#lag.snapshot()
  }

  /** The largest lag since the previous call, in seconds; each scrape asks once, so it is per scrape. */
  takeMaxSeconds(): number {
    const max = this.#maxSeconds
    this.#maxSeconds = 0
    return max
  }

  /** One timer at a time, each set when the last fired: a blocked loop yields one long lag, not a burst. */
  #schedule(): void {
    const due = this.#now() + this.#intervalMs
    this.#timer = startTimer(() => this.#fired(due), this.#intervalMs)
    this.#timer.unref()
  }

  #fired(due: number): void {
    // Timers may fire a fraction of a millisecond early; that is no lag.
    this.observe(Math.max(0, this.#now() - due) / 1000)
    if (this.#timer !== null) this.#schedule()
  }

  /** Records one lag, in seconds (public for tests, which cannot block the loop on cue). */
  observe(seconds: number): void {
    this.#lag.observe(seconds)
    if (seconds > this.#maxSeconds) this.#maxSeconds = seconds
  }
}
