/**
 * Delivers the alert outbox (registry/alerts.ts) to `[alerts] webhook_url`, one alert at a time, oldest
 * first: a firing must reach the receiver before its clearing, so an alert that fails holds back the ones
 * behind it until it is delivered or dropped. A failed attempt (anything but a 2xx answer within
 * `timeout_ms`) is retried with exponential backoff, 1 s doubling to at most 5 minutes, for `retry_hours`;
 * an alert still undelivered then is dropped. While deliveries fail, the `ALERT_DELIVERY_FAILURE` system
 * error is open; the next delivery resolves it.
 *
 * The receiver's URL may carry a token in its path or query (Slack's do), so only its origin ever appears
 * in a log line, a system error or an API answer.
 */

import type { Logger } from '../../logger.ts'
import { type Alert, type AlertOutbox, newWebhookId, type PendingAlert } from '../../registry/alerts.ts'
import type { SystemErrorStore } from '../../registry/system-errors.ts'
import { ALERT_CONTENT_TYPE, ALERT_USER_AGENT, type AlertFormat, alertBody } from './format.ts'
import { type Signer, webhookSigner } from './sign.ts'

export const ALERT_DELIVERY_FAILURE = 'ALERT_DELIVERY_FAILURE'

export const BACKOFF_FIRST_MS = 1000
export const BACKOFF_MAX_MS = 5 * 60_000
/** Each delay is shortened by up to this fraction, so appliances that failed together do not retry in step. */
const BACKOFF_JITTER = 0.1
/** The receiver's answer is kept for the operator to read, not parsed: its start is enough. */
export const RESPONSE_BYTES_MAX = 1024
/** After an unexpected error in the loop itself (the outbox unreadable, say), the wait before trying again. */
const LOOP_ERROR_RETRY_MS = 60_000

/** Runs `run` after `delayMs`; returns a function that cancels it. */
export type Schedule = (run: () => void, delayMs: number) => () => void
export type Fetch = (url: string, init: RequestInit) => Promise<Response>

export interface AlertDelivererDeps {
  outbox: AlertOutbox
  url: string
  format: AlertFormat
  secret: string
  timeoutMs: number
  /** How long an alert is retried before it is dropped (`retry_hours`). */
  retryMs: number
  clock: () => number
  systemErrors: Pick<SystemErrorStore, 'raise' | 'resolve'>
  logger: Logger
  fetch?: Fetch
  schedule?: Schedule
  /** In [0, 1); drives the jitter. */
  random?: () => number
}

/** What one attempt came to; also the answer of `POST /alerts/test`. */
export interface DeliveryResult {
  /** The receiver answered 2xx. */
  delivered: boolean
  /** The receiver's HTTP status; null when none came (unreachable, timed out). */
  status: number | null
  /** The start of the receiver's answer body, at most RESPONSE_BYTES_MAX bytes. */
  response: string
  /** Why it was not delivered. */
  error?: string
  webhookId: string
  durationMs: number
}

const unrefTimer: Schedule = (run, delayMs) => {
  const timer = setTimeout(run, delayMs)
  ;(timer as { unref?: () => void }).unref?.()
  return () => clearTimeout(timer)
}

export class AlertDeliverer {
  readonly #sign: Signer
  readonly #origin: string
  readonly #fetch: Fetch
  readonly #schedule: Schedule
  readonly #random: () => number
  #started = false
  #closed = false
  /** True from the moment a pass begins until it ends, including its synchronous start. */
  #running = false
  #pass: Promise<void> = Promise.resolve()
  #cancelTimer: (() => void) | null = null
  /** Set at the first failure of an episode, cleared by the next delivery: the warning is logged once. */
  #failing = false
  /** A test alert just got through: the waiting head is tried without sitting out the rest of its backoff. */
  #retryNow = false

  constructor(private readonly deps: AlertDelivererDeps) {
    this.#origin = receiverOrigin(deps.url)
    this.#sign = webhookSigner(deps.secret)
    this.#fetch = deps.fetch ?? ((url, init) => fetch(url, init))
    this.#schedule = deps.schedule ?? unrefTimer
    this.#random = deps.random ?? Math.random
  }

  /** The receiver's origin, the only part of its URL that is shown anywhere. */
  get receiver(): string {
    return this.#origin
  }

  /** Begins delivering, with an attempt at once for whatever waits from before. */
  start(): Promise<void> {
    this.#started = true
    return this.wake()
  }

  /**
   * Something was enqueued (or a timer is due): delivers what is due. Resolves when this pass has nothing
   * more to do now; it never rejects, so callers may ignore it.
   */
  wake(): Promise<void> {
    if (!this.#started || this.#closed) return Promise.resolve()
    // A pass in progress re-reads the outbox after each attempt, so it will see the new alert.
    if (!this.#running) this.#pass = this.#run()
    return this.#pass
  }

  /** Stops the timers and waits for an attempt in flight, which its timeout bounds. */
  async close(): Promise<void> {
    this.#closed = true
    this.#cancelTimer?.()
    this.#cancelTimer = null
    await this.#pass
  }

  /** Sends one alert now, outside the outbox and its order (`POST /alerts/test`). */
  async send(alert: Alert): Promise<DeliveryResult> {
    const result = await this.#attempt(alert, newWebhookId())
    if (result.delivered && this.deps.outbox.size() > 0) {
      this.#retryNow = true
      void this.wake()
    }
    return result
  }

  async #run(): Promise<void> {
    this.#running = true
    this.#cancelTimer?.()
    this.#cancelTimer = null
    try {
      while (!this.#closed) {
        const head = this.deps.outbox.head()
        if (!head) break
        const now = this.deps.clock()
        if (now - head.createdAtMs > this.deps.retryMs) {
          this.#drop(head)
          continue
        }
        const waitMs = head.nextAttemptAtMs - now
        if (waitMs > 0 && !this.#retryNow) {
          this.#setTimer(waitMs)
          break
        }
        this.#retryNow = false
        const result = await this.#attempt(head.alert, head.webhookId)
        if (result.delivered) this.#delivered(head)
        else this.#failed(head, result)
      }
    } catch (error) {
      // Never out of the timer loop: a throw here would end delivery for good, silently.
      this.deps.logger.error('alert delivery stopped by an error; trying again later', {
        error: String(error),
      })
      if (!this.#closed) this.#setTimer(LOOP_ERROR_RETRY_MS)
    } finally {
      this.#retryNow = false
      this.#running = false
    }
  }

  #setTimer(delayMs: number): void {
    this.#cancelTimer?.()
    const clamped = Math.min(Math.max(delayMs, 0), Math.max(BACKOFF_MAX_MS, LOOP_ERROR_RETRY_MS))
    this.#cancelTimer = this.#schedule(() => void this.wake(), clamped)
  }

  #delivered(head: PendingAlert): void {
    this.deps.outbox.delivered(head.id)
    if (this.#failing) {
      this.#failing = false
      this.deps.logger.info('alert delivery recovered', {
        receiver: this.#origin,
        waiting: this.deps.outbox.size(),
      })
    }
    // Also after a restart, when the error may have been opened by the previous run.
    this.deps.systemErrors.resolve(ALERT_DELIVERY_FAILURE, null)
  }

  #failed(head: PendingAlert, result: DeliveryResult): void {
    const delayMs = backoffMs(head.attempts + 1, this.#random)
    this.deps.outbox.failed(head.id, this.deps.clock() + delayMs)
    const waiting = this.deps.outbox.size()
    const reason = result.error ?? 'not delivered'
    this.deps.systemErrors.raise({
      type: ALERT_DELIVERY_FAILURE,
      sourceId: null,
      message:
        `alerts cannot be delivered to ${this.#origin}: ${reason}; ${count(waiting, 'alert')} waiting, ` +
        `the oldest since ${new Date(head.createdAtMs).toISOString()}`,
    })
    if (!this.#failing) {
      this.#failing = true
      this.deps.logger.warn('alert delivery failing; retrying with backoff', {
        receiver: this.#origin,
        reason,
        waiting,
      })
    }
  }

  #drop(head: PendingAlert): void {
    this.deps.outbox.drop(head.id)
    const { type, state, sourceId, at } = head.alert
    const hours = Math.round(this.deps.retryMs / 3_600_000)
    this.deps.logger.error('alert dropped undelivered', {
      receiver: this.#origin,
      type,
      state,
      sourceId,
      at,
      attempts: head.attempts,
    })
    this.deps.systemErrors.raise({
      type: ALERT_DELIVERY_FAILURE,
      sourceId: null,
      message:
        `an alert (${type} ${state} at ${at}) was dropped: ${this.#origin} had not taken it after ` +
        `${count(head.attempts, 'attempt')} over ${count(hours, 'hour')}`,
    })
  }

  /** One POST, bounded by the timeout from the first byte sent to the last byte of the answer read. */
  async #attempt(alert: Alert, webhookId: string): Promise<DeliveryResult> {
    const body = alertBody(alert, this.deps.format)
    const headers = {
      'content-type': ALERT_CONTENT_TYPE,
      'user-agent': ALERT_USER_AGENT,
      ...this.#sign(webhookId, Math.floor(this.deps.clock() / 1000), body),
    }
    const started = performance.now()
    const elapsed = () => Math.round(performance.now() - started)
    try {
      const response = await this.#fetch(this.deps.url, {
        method: 'POST',
        headers,
        body,
        // A redirect is a misconfigured URL to fix, and following one would send the alert elsewhere.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.deps.timeoutMs),
      })
      const text = await readPrefix(response, RESPONSE_BYTES_MAX)
      const delivered = response.status >= 200 && response.status < 300
      return {
        delivered,
        status: response.status,
        response: text,
        ...(delivered ? {} : { error: statusReason(response.status) }),
        webhookId,
        durationMs: elapsed(),
      }
    } catch (error) {
      return {
        delivered: false,
        status: null,
        response: '',
        error: this.#errorReason(error),
        webhookId,
        durationMs: elapsed(),
      }
    }
  }

  #errorReason(error: unknown): string {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return `no answer within ${this.deps.timeoutMs} ms`
    }
    const cause = error instanceof Error ? error.cause : undefined
    const text =
      error instanceof Error
        ? `${error.message}${cause instanceof Error ? `: ${cause.message}` : ''}`
        : String(error)
    // Runtimes differ in what their messages quote; none may show the URL's path or query.
    return text.replaceAll(this.deps.url, this.#origin).replaceAll(new URL(this.deps.url).href, this.#origin)
  }
}

/** The delay after the `attempts`-th failure: 1 s, 2 s, 4 s, … at most 5 minutes, less up to 10 %. */
export function backoffMs(attempts: number, random: () => number): number {
  const doublings = Math.min(Math.max(attempts - 1, 0), 30)
  const base = Math.min(BACKOFF_FIRST_MS * 2 ** doublings, BACKOFF_MAX_MS)
  return Math.round(base * (1 - BACKOFF_JITTER * random()))
}

/** Checks `[alerts] webhook_url` and returns its origin; the message never quotes the URL. */
export function receiverOrigin(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error('[alerts] webhook_url (INLET_ALERTS_WEBHOOK_URL) is not a URL')
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error('[alerts] webhook_url (INLET_ALERTS_WEBHOOK_URL) must be an http:// or https:// URL')
  }
  return parsed.origin
}

function statusReason(status: number): string {
  if (status >= 300 && status < 400)
    return `the receiver answered HTTP ${status}, a redirect, which is not followed`
  return `the receiver answered HTTP ${status}`
}

/**
 * The first `bytesMax` bytes of the answer, then the rest is cancelled unread: a receiver answering with
 * an endless body costs one small buffer. A body that breaks off leaves what arrived.
 */
async function readPrefix(response: Response, bytesMax: number): Promise<string> {
  const reader = response.body?.getReader()
  if (!reader) return ''
  const buffer = new Uint8Array(bytesMax)
  let size = 0
  try {
    while (size < bytesMax) {
      const { done, value } = await reader.read()
      if (done) break
      const taken = value.subarray(0, bytesMax - size)
      buffer.set(taken, size)
      size += taken.length
    }
  } catch {
    // The answer is informational; the status already decided the outcome.
  } finally {
    reader.cancel().catch(() => {})
  }
  return new TextDecoder().decode(buffer.subarray(0, size))
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`
