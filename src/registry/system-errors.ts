/**
 * System errors: problems the appliance noticed on its own (a source whose events no schema parses, a
 * source gone quiet), kept so an operator can see what is wrong now and what was wrong before
 * (docs/reference.md). An error is open until its cause goes away; while open, a repeat only bumps
 * its count, so a flood of failures is one row, not a flood of rows. Resolved errors are kept as history,
 * up to RESOLVED_KEPT_MAX of them. Statements are prepared once, when the store is created.
 */
import { assert } from '../errors.ts'
import type { Database } from '../runtime/sqlite.ts'
import type { Alert, AlertWriter } from './alerts.ts'

/** Resolved errors kept as history; resolving one more deletes the oldest, so the table stays bounded. */
export const RESOLVED_KEPT_MAX = 10_000
/** Messages longer than this are cut: they are written by code, but may quote what a sender sent. */
export const MESSAGE_CHARS_MAX = 2048
export const LIST_LIMIT_DEFAULT = 100
export const LIST_LIMIT_MAX = 1000

export type SystemErrorType =
  | 'SOURCE_CLASSIFICATION_FAILURES'
  | 'SOURCE_NO_DATA'
  | 'LOG_WRITE_FAILURE'
  | 'ALERT_DELIVERY_FAILURE'
  | (string & {})

export interface SystemError {
  id: number
  type: string
  /** The source the error is about; null for an error of the whole appliance. */
  sourceId: string | null
  message: string
  state: 'open' | 'resolved'
  /** How many times it was raised while open. */
  count: number
  firstSeenAt: string
  lastSeenAt: string
  resolvedAt: string | null
}

export interface SystemErrorStore {
  /**
   * Opens the error of this type and source, or, if one is open, bumps its count by `count` (default 1),
   * updates its message and lastSeenAt. Returns it and whether it was newly opened. `alert` is put in the
   * alert outbox, in the same transaction, only if the error was newly opened.
   */
  raise(input: {
    type: SystemErrorType
    sourceId: string | null
    message: string
    count?: number
    alert?: Alert
  }): {
    error: SystemError
    opened: boolean
  }
  /** Resolves the open error of this type and source, if any, and returns it; `alert` is sent only then. */
  resolve(type: SystemErrorType, sourceId: string | null, alert?: Alert): SystemError | null
  /** Open ones first, then resolved ones newest first; bounded by limit (default 100, max 1000). */
  list(options?: { state?: 'open' | 'resolved'; sourceId?: string; limit?: number }): SystemError[]
}

interface SystemErrorRow {
  id: number
  type: string
  source_id: string | null
  message: string
  state: 'open' | 'resolved'
  count: number
  first_seen_at: string
  last_seen_at: string
  resolved_at: string | null
}

export function createSystemErrorStore(deps: {
  db: Database
  clock: () => number
  /** Puts an alert in the outbox, inside the caller's transaction. */
  writeAlert: AlertWriter
}): SystemErrorStore {
  const { db, clock, writeAlert } = deps
  const now = () => new Date(clock()).toISOString()
  const sql = {
    byId: db.prepare<SystemErrorRow>('SELECT * FROM system_errors WHERE id = ?'),
    open: db.prepare<SystemErrorRow>(
      "SELECT * FROM system_errors WHERE type = ? AND source_id IS ? AND state = 'open'",
    ),
    insert: db.prepare<{ id: number }>(
      `INSERT INTO system_errors (type, source_id, message, state, count, first_seen_at, last_seen_at)
       VALUES (?, ?, ?, 'open', ?, ?, ?) RETURNING id`,
    ),
    bump: db.prepare(
      'UPDATE system_errors SET count = count + ?, message = ?, last_seen_at = ? WHERE id = ?',
    ),
    resolve: db.prepare("UPDATE system_errors SET state = 'resolved', resolved_at = ? WHERE id = ?"),
    // The partial index on resolved_at serves both the ordering and the offset.
    prune: db.prepare(
      `DELETE FROM system_errors WHERE id IN (
         SELECT id FROM system_errors WHERE state = 'resolved'
         ORDER BY resolved_at DESC, id DESC LIMIT -1 OFFSET ?)`,
    ),
    list: db.prepare<SystemErrorRow>(
      `SELECT * FROM system_errors
       WHERE (? IS NULL OR state = ?) AND (? IS NULL OR source_id = ?)
       ORDER BY state = 'open' DESC, CASE state WHEN 'open' THEN last_seen_at ELSE resolved_at END DESC, id DESC
       LIMIT ?`,
    ),
  }

  const read = (id: number): SystemError => {
    const row = sql.byId.get(id)
    assert(row, `system error ${id} was just written`)
    return toSystemError(row)
  }

  return {
    raise({ type, sourceId, message, count = 1, alert }) {
      assert(
        Number.isSafeInteger(count) && count > 0,
        'a system error is raised a positive whole number of times',
      )
      const text =
        message.length > MESSAGE_CHARS_MAX ? `${message.slice(0, MESSAGE_CHARS_MAX - 1)}…` : message
      return db.transaction(() => {
        const stamp = now()
        const open = sql.open.get(type, sourceId)
        if (open) {
          sql.bump.run(count, text, stamp, open.id)
          return { error: read(open.id), opened: false }
        }
        const inserted = sql.insert.get(type, sourceId, text, count, stamp, stamp)
        assert(inserted, 'INSERT … RETURNING returns the new row')
        if (alert) writeAlert(alert)
        return { error: read(inserted.id), opened: true }
      })
    },

    resolve(type, sourceId, alert) {
      return db.transaction(() => {
        const open = sql.open.get(type, sourceId)
        if (!open) return null
        sql.resolve.run(now(), open.id)
        if (alert) writeAlert(alert)
        const resolved = read(open.id)
        sql.prune.run(RESOLVED_KEPT_MAX)
        return resolved
      })
    },

    list(options = {}) {
      const limit = options.limit ?? LIST_LIMIT_DEFAULT
      assert(Number.isSafeInteger(limit) && limit >= 1, 'a list limit is a positive whole number')
      const state = options.state ?? null
      const sourceId = options.sourceId ?? null
      return sql.list
        .all(state, state, sourceId, sourceId, Math.min(limit, LIST_LIMIT_MAX))
        .map(toSystemError)
    },
  }
}

function toSystemError(row: SystemErrorRow): SystemError {
  return {
    id: row.id,
    type: row.type,
    sourceId: row.source_id,
    message: row.message,
    state: row.state,
    count: row.count,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    resolvedAt: row.resolved_at,
  }
}
