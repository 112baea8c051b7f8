/**
 * System errors as the health room raises and resolves them: each opening and each resolution of an
 * error worth telling someone about goes to the alert outbox in the same transaction (when alerts are
 * configured), and wakes the deliverer. The registry may be unwritable exactly when something is wrong
 * (a full disk fails the event log and SQLite alike), so a raise or resolve that fails is kept, newest
 * per error, and tried again on the next `retry`: it is late, never lost while the process lives.
 */
import type { Logger } from '../logger.ts'
import type { Alert, AlertState } from '../registry/alerts.ts'
import type { SystemErrorStore, SystemErrorType } from '../registry/system-errors.ts'

/** What an alert says beyond the error itself; the no-data alarm fills these in. */
export interface AlertDetails {
  sourceLabel?: string | null
  minutesThreshold?: number | null
  lastEventReceivedAtTime?: string | null
}

interface Change {
  kind: 'raise' | 'resolve'
  type: SystemErrorType
  sourceId: string | null
  message: string
  count: number
  details: AlertDetails
  atMs: number
}

export class Notifier {
  /** Changes the registry refused, by error, newest only; tried again by `retry`. */
  readonly #pending = new Map<string, Change>()

  constructor(
    private readonly deps: {
      systemErrors: SystemErrorStore
      /** True when `[alerts] webhook_url` is set: only then are alerts kept. */
      alerting: boolean
      /** Told when an alert was put in the outbox. */
      wake: () => void
      clock: () => number
      logger: Logger
    },
  ) {}

  /** Opens the error (an alert with state ALARM) or bumps the one open. */
  raise(
    input: { type: SystemErrorType; sourceId: string | null; message: string; count?: number },
    details: AlertDetails = {},
  ): void {
    this.#apply({ kind: 'raise', count: 1, ...input, details, atMs: this.deps.clock() })
  }

  /** Resolves the open error, if any (an alert with state OK). */
  resolve(type: SystemErrorType, sourceId: string | null, message: string, details: AlertDetails = {}): void {
    this.#apply({ kind: 'resolve', type, sourceId, message, count: 1, details, atMs: this.deps.clock() })
  }

  /** Tries again what the registry refused. */
  retry(): void {
    const pending = [...this.#pending.values()]
    this.#pending.clear()
    for (const change of pending) this.#apply(change)
  }

  #apply(change: Change): void {
    const key = `${change.type}\u0000${change.sourceId ?? ''}`
    const before = this.#pending.get(key)
    this.#pending.delete(key)
    try {
      const alert = this.#alert(change)
      if (change.kind === 'raise') {
        const { opened } = this.deps.systemErrors.raise({
          type: change.type,
          sourceId: change.sourceId,
          message: change.message,
          count: change.count,
          alert,
        })
        if (opened && alert) this.deps.wake()
      } else if (this.deps.systemErrors.resolve(change.type, change.sourceId, alert) && alert) {
        this.deps.wake()
      }
    } catch (error) {
      // Counts of raises that could not be written add up; a resolve after them replaces them.
      if (before?.kind === 'raise' && change.kind === 'raise') change.count += before.count
      this.#pending.set(key, change)
      this.deps.logger.error('system error could not be recorded; will retry', {
        type: change.type,
        sourceId: change.sourceId,
        error: String(error),
      })
    }
  }

  #alert(change: Change): Alert | undefined {
    // A failing delivery is no news to send down the same failing path.
    if (!this.deps.alerting || change.type === 'ALERT_DELIVERY_FAILURE') return undefined
    const state: AlertState = change.kind === 'raise' ? 'ALARM' : 'OK'
    return {
      type: change.type,
      state,
      sourceId: change.sourceId,
      sourceLabel: change.details.sourceLabel ?? null,
      minutesThreshold: change.details.minutesThreshold ?? null,
      lastEventReceivedAtTime: change.details.lastEventReceivedAtTime ?? null,
      at: new Date(change.atMs).toISOString(),
      message: change.message,
    }
  }
}
