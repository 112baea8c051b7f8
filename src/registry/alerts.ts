/**
 * The alert outbox: notifications waiting to be delivered to `[alerts] webhook_url`. An alert is written
 * here in the same transaction as the change it reports (a system error opened or resolved), so a crash
 * can neither lose one nor send one for a change that did not happen; the deliverer
 * (health/alerts/deliver.ts) takes them oldest first and deletes each once the receiver has taken it.
 */
import { randomBytes } from 'node:crypto'
import type { Database } from '../runtime/sqlite.ts'

/** `ALARM` when a problem begins (an alarm fires, a system error opens), `OK` when it ends. */
export type AlertState = 'ALARM' | 'OK'

/** What a receiver gets, in the `standard` format exactly this object (docs/reference.md). */
export interface Alert {
  /** SOURCE_NO_DATA, SOURCE_CLASSIFICATION_FAILURES, LOG_WRITE_FAILURE, or TEST for POST /alerts/test. */
  type: string
  state: AlertState
  sourceId: string | null
  sourceLabel: string | null
  /** The no-data alarm's threshold; null for other types. */
  minutesThreshold: number | null
  lastEventReceivedAtTime: string | null
  /** When the change happened, RFC 3339 in UTC. */
  at: string
  /** One sentence for a person. */
  message: string
}

/** A Standard Webhooks message id: `msg_` and 128 random bits, URL-safe and free of the `.` it is signed with. */
export const newWebhookId = () => `msg_${randomBytes(16).toString('base64url')}`

export interface PendingAlert {
  id: number
  /** The Standard Webhooks `webhook-id`: the same on every attempt, so a receiver can drop repeats. */
  webhookId: string
  alert: Alert
  createdAtMs: number
  /** Failed attempts so far. */
  attempts: number
  /** Not to be tried before this time. */
  nextAttemptAtMs: number
}

export interface AlertOutbox {
  enqueue(alert: Alert): void
  /** The oldest pending alert, or null when none is. */
  head(): PendingAlert | null
  /** The receiver took it: removes it. */
  delivered(id: number): void
  /** An attempt failed: counts it and sets when to try again. */
  failed(id: number, nextAttemptAtMs: number): void
  /** Gives up on it (too old to be worth sending). */
  drop(id: number): void
  size(): number
}

/**
 * Most alerts kept waiting; past it the oldest is dropped. A receiver down for a day while thousands of
 * sources flap would otherwise grow the registry without bound.
 */
export const OUTBOX_MAX = 10_000

interface OutboxRow {
  id: number
  webhook_id: string
  alert: string
  created_at_ms: number
  attempts: number
  next_attempt_at_ms: number
}

/** Writes one alert into the outbox; the caller runs it inside its own transaction. */
export type AlertWriter = (alert: Alert) => void

export function createAlertOutbox(deps: { db: Database; clock: () => number }): AlertOutbox & {
  /** For stores that enqueue inside their own transaction. */
  write: AlertWriter
} {
  const { db, clock } = deps
  const sql = {
    insert: db.prepare(
      'INSERT INTO alert_outbox (webhook_id, alert, created_at_ms, next_attempt_at_ms) VALUES (?, ?, ?, ?)',
    ),
    prune: db.prepare(
      'DELETE FROM alert_outbox WHERE id IN (SELECT id FROM alert_outbox ORDER BY id DESC LIMIT -1 OFFSET ?)',
    ),
    head: db.prepare<OutboxRow>('SELECT * FROM alert_outbox ORDER BY id LIMIT 1'),
    remove: db.prepare('DELETE FROM alert_outbox WHERE id = ?'),
    failed: db.prepare(
      'UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at_ms = ? WHERE id = ?',
    ),
    size: db.prepare<{ n: number }>('SELECT count(*) AS n FROM alert_outbox'),
  }
  const write: AlertWriter = (alert) => {
    const now = clock()
    sql.insert.run(newWebhookId(), JSON.stringify(alert), now, now)
    sql.prune.run(OUTBOX_MAX)
  }
  return {
    write,
    enqueue: (alert) => db.transaction(() => write(alert)),
    head() {
      const row = sql.head.get()
      if (!row) return null
      return {
        id: row.id,
        webhookId: row.webhook_id,
        alert: JSON.parse(row.alert) as Alert,
        createdAtMs: row.created_at_ms,
        attempts: row.attempts,
        nextAttemptAtMs: row.next_attempt_at_ms,
      }
    },
    delivered: (id) => void sql.remove.run(id),
    failed: (id, nextAttemptAtMs) => void sql.failed.run(nextAttemptAtMs, id),
    drop: (id) => void sql.remove.run(id),
    size: () => sql.size.get()?.n ?? 0,
  }
}
