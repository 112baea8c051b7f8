/**
 * What the registry keeps of source health: each source's counters as last flushed, the log position
 * they cover, and the state of each no-data alarm. The counters themselves live in memory on the ingest
 * path (health/counters.ts) and are written here every few seconds, never per request; the alarm job
 * (health/no-data.ts) reads and writes the alarm states. Turning an alarm on, off or to a new threshold
 * is a change of its source, made through the source store.
 */
import type { Database } from '../runtime/sqlite.ts'

export const NO_DATA = 'SOURCE_NO_DATA' as const

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'

/** A source's totals since it was created, as far as they were flushed. */
export interface StoredCounters {
  events: number
  bytes: number
  requests: number
  classificationFailures: number
  authFailures: number
  /** When its newest event arrived (ms since the epoch); null if none ever did. */
  lastEventAtMs: number | null
}

export interface NoDataAlarmRecord {
  sourceId: string
  sourceLabel: string
  minutesThreshold: number
  state: AlarmState
  stateChangedAt: string
  /** When the alarm was turned on: it watches from then. */
  setAt: string
}

export interface HealthStore {
  /** Every source's stored counters (sources never counted have none). */
  counters(): Map<string, StoredCounters>
  /** The seq of the newest log record the stored counters cover; null before the first flush. */
  flushedSeq(): number | null
  /** Writes the totals of the sources given, and the seq they cover, in one transaction. Removed sources are skipped. */
  saveCounters(totals: ReadonlyMap<string, StoredCounters>, flushedSeq: number): void
  noDataAlarms(): NoDataAlarmRecord[]
  noDataAlarm(sourceId: string): NoDataAlarmRecord | null
  /** Records an alarm's new state; false if the alarm is gone (turned off, or its source removed). */
  setAlarmState(sourceId: string, state: AlarmState, atMs: number): boolean
}

interface CounterRow {
  source_id: string
  events: number
  bytes: number
  requests: number
  classification_failures: number
  auth_failures: number
  last_event_at_ms: number | null
}

interface AlarmRow {
  source_id: string
  label: string
  minutes_threshold: number
  state: AlarmState
  state_changed_at: string
  set_at: string
}

const FLUSHED_SEQ = 'health.flushed_seq'

export function createHealthStore(deps: { db: Database }): HealthStore {
  const { db } = deps
  const selectAlarms = `SELECT a.source_id, s.label, a.minutes_threshold, a.state, a.state_changed_at, a.set_at
    FROM alarms a JOIN sources s ON s.id = a.source_id WHERE a.type = '${NO_DATA}'`
  const sql = {
    counters: db.prepare<CounterRow>('SELECT * FROM source_counters'),
    saveCounters: db.prepare(
      `INSERT INTO source_counters (source_id, events, bytes, requests, classification_failures, auth_failures,
         last_event_at_ms)
       SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM sources WHERE id = ?)
       ON CONFLICT (source_id) DO UPDATE SET events = excluded.events, bytes = excluded.bytes,
         requests = excluded.requests, classification_failures = excluded.classification_failures,
         auth_failures = excluded.auth_failures, last_event_at_ms = excluded.last_event_at_ms`,
    ),
    flushedSeq: db.prepare<{ value: string }>('SELECT value FROM settings WHERE name = ?'),
    setFlushedSeq: db.prepare('INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)'),
    alarms: db.prepare<AlarmRow>(`${selectAlarms} ORDER BY s.label COLLATE NOCASE`),
    alarm: db.prepare<AlarmRow>(`${selectAlarms} AND a.source_id = ?`),
    setState: db.prepare(
      `UPDATE alarms SET state = ?, state_changed_at = ? WHERE source_id = ? AND type = '${NO_DATA}'`,
    ),
  }
  return {
    counters: () =>
      new Map(
        sql.counters.all().map((row) => [
          row.source_id,
          {
            events: row.events,
            bytes: row.bytes,
            requests: row.requests,
            classificationFailures: row.classification_failures,
            authFailures: row.auth_failures,
            lastEventAtMs: row.last_event_at_ms,
          },
        ]),
      ),
    flushedSeq() {
      const row = sql.flushedSeq.get(FLUSHED_SEQ)
      return row === undefined ? null : Number(row.value)
    },
    saveCounters(totals, flushedSeq) {
      db.transaction(() => {
        for (const [id, c] of totals) {
          sql.saveCounters.run(
            id,
            c.events,
            c.bytes,
            c.requests,
            c.classificationFailures,
            c.authFailures,
            c.lastEventAtMs,
            id,
          )
        }
        sql.setFlushedSeq.run(FLUSHED_SEQ, String(flushedSeq))
      })
    },
    noDataAlarms: () => sql.alarms.all().map(toAlarm),
    noDataAlarm(sourceId) {
      const row = sql.alarm.get(sourceId)
      return row ? toAlarm(row) : null
    },
    setAlarmState: (sourceId, state, atMs) =>
      sql.setState.run(state, new Date(atMs).toISOString(), sourceId).changes > 0,
  }
}

const toAlarm = (row: AlarmRow): NoDataAlarmRecord => ({
  sourceId: row.source_id,
  sourceLabel: row.label,
  minutesThreshold: row.minutes_threshold,
  state: row.state,
  stateChangedAt: row.state_changed_at,
  setAt: row.set_at,
})
