/**
 * The access log of refused ingest requests: one line each (source, status, code, client address,
 * reason), at most `linesPerSecond` a second with a burst of as many again, so a flood of bad requests
 * cannot flood the log. Lines held back are counted, and the count is written with the next line that
 * goes out or, when none does, by `flush` (run a second after the first line held back).
 *
 * The id and the reason may carry what a sender wrote (a path decoded from `%0A`, a quoted value), so
 * control characters are replaced and both are cut short: a sender cannot forge or bloat log lines.
 */
import type { Logger } from '../logger.ts'

export interface Refusal {
  /** The source's id, or the id asked for when no source has it. */
  source: string
  status: number
  code: string
  client: string | null
  reason: string
}

export class RefusalLog {
  #tokens: number
  #lastMs: number
  #suppressed = 0
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly logger: Logger,
    private readonly linesPerSecond: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.#tokens = linesPerSecond * 2
    this.#lastMs = clock()
  }

  record(refusal: Refusal): void {
    if (this.linesPerSecond === 0) return
    const now = this.clock()
    const burst = this.linesPerSecond * 2
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#lastMs) / 1000) * this.linesPerSecond)
    this.#lastMs = now
    if (this.#tokens < 1) {
      this.#suppressed++
      this.#flushLater()
      return
    }
    this.#tokens--
    const { source, status, code, client, reason } = refusal
    const held = this.#suppressed > 0 ? { notLogged: this.#suppressed } : {}
    this.#suppressed = 0
    this.logger.info('ingest request refused', {
      source: printable(source, 80),
      status,
      code,
      client: client ?? 'unknown',
      reason: printable(reason, 300),
      ...held,
    })
  }

  /** Writes how many refusals were held back, if any. */
  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#suppressed === 0) return
    this.logger.info('ingest requests refused and not logged', { count: this.#suppressed })
    this.#suppressed = 0
  }

  #flushLater(): void {
    if (this.#timer !== undefined) return
    this.#timer = setTimeout(() => this.flush(), 1000)
    ;(this.#timer as { unref?: () => void }).unref?.()
  }
}

/** `text` without control characters (each becomes `?`), at most `max` characters. */
function printable(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?')
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean
}
