/**
 * Versioned schema migrations. `PRAGMA user_version` holds the number of migrations applied; each one
 * runs in its own transaction with the version bump, so a crash leaves the database at a whole version.
 * Migrations are only ever appended to this list, never edited once released.
 */
import type { Database } from '../runtime/sqlite.ts'

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE settings (
     name TEXT PRIMARY KEY,
     value BLOB NOT NULL
   );
   CREATE TABLE sources (
     id TEXT PRIMARY KEY,
     label TEXT NOT NULL UNIQUE COLLATE NOCASE,
     log_types TEXT NOT NULL,
     stream_type TEXT NOT NULL,
     stream_options TEXT NOT NULL,
     auth_method TEXT NOT NULL,
     auth_header_key TEXT,
     auth_hmac_alg TEXT,
     auth_hmac_scheme TEXT,
     auth_username TEXT,
     created_at TEXT NOT NULL,
     last_modified TEXT NOT NULL
   );
   -- One row per valid secret: the current one (expires_at NULL) and, during a rotation's grace
   -- period, the previous one. kind 'hash' is a keyed hash, kind 'sealed' an AES-GCM ciphertext.
   CREATE TABLE source_secrets (
     source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
     slot TEXT NOT NULL CHECK (slot IN ('current', 'previous')),
     kind TEXT NOT NULL CHECK (kind IN ('hash', 'sealed')),
     value BLOB NOT NULL,
     expires_at TEXT,
     PRIMARY KEY (source_id, slot)
   );
   CREATE TABLE alarms (
     source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
     type TEXT NOT NULL,
     minutes_threshold INTEGER NOT NULL,
     PRIMARY KEY (source_id, type)
   );`,
  // Log schemas and system errors. Schema names are case-sensitive, as in Panther, but two names that
  // differ only in case would read as one to a person, so the NOCASE index refuses the second. System
  // errors keep no foreign key to their source: their history outlives a deleted source.
  `CREATE TABLE schemas (
     name TEXT PRIMARY KEY,
     description TEXT,
     reference_url TEXT,
     spec TEXT NOT NULL,
     field_discovery INTEGER NOT NULL,
     revision INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE UNIQUE INDEX schemas_name_nocase ON schemas (name COLLATE NOCASE);
   CREATE TABLE system_errors (
     id INTEGER PRIMARY KEY,
     type TEXT NOT NULL,
     source_id TEXT,
     message TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
     count INTEGER NOT NULL,
     first_seen_at TEXT NOT NULL,
     last_seen_at TEXT NOT NULL,
     resolved_at TEXT
   );
   -- At most one open error per type and source; IFNULL lets the unique index see system-wide errors
   -- (no source) as equal to each other, which NULLs otherwise never are.
   CREATE UNIQUE INDEX system_errors_open ON system_errors (type, IFNULL(source_id, '')) WHERE state = 'open';
   CREATE INDEX system_errors_resolved ON system_errors (resolved_at) WHERE state = 'resolved';`,
  // The address ranges a source's senders may connect from, a JSON array of CIDR texts; [] is any.
  `ALTER TABLE sources ADD COLUMN allowed_cidrs TEXT NOT NULL DEFAULT '[]';`,
  // Source health. An alarm keeps its state across restarts, and when it was turned on (set_at): it
  // watches from then. Alarms that existed before watch from their source's creation. Counters are the
  // totals as last flushed; the alert outbox holds notifications until the receiver takes them.
  `ALTER TABLE alarms ADD COLUMN state TEXT NOT NULL DEFAULT 'INSUFFICIENT_DATA'
     CHECK (state IN ('OK', 'ALARM', 'INSUFFICIENT_DATA'));
   ALTER TABLE alarms ADD COLUMN state_changed_at TEXT NOT NULL DEFAULT '';
   ALTER TABLE alarms ADD COLUMN set_at TEXT NOT NULL DEFAULT '';
   UPDATE alarms SET
     set_at = (SELECT created_at FROM sources WHERE id = alarms.source_id),
     state_changed_at = (SELECT created_at FROM sources WHERE id = alarms.source_id);
   CREATE TABLE source_counters (
     source_id TEXT PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
     events INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     requests INTEGER NOT NULL,
     classification_failures INTEGER NOT NULL,
     auth_failures INTEGER NOT NULL,
     last_event_at_ms INTEGER
   );
   CREATE TABLE alert_outbox (
     id INTEGER PRIMARY KEY,
     webhook_id TEXT NOT NULL,
     alert TEXT NOT NULL,
     created_at_ms INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at_ms INTEGER NOT NULL
   );`,
  // The request headers kept on each event, a JSON array of lower-case names; sources from before get
  // their HMAC scheme's defaults (registry/rules.ts DEFAULT_HTTP_HEADERS).
  `ALTER TABLE sources ADD COLUMN http_headers TEXT NOT NULL DEFAULT '[]';
   UPDATE sources SET http_headers = CASE auth_hmac_scheme
     WHEN 'github' THEN '["x-github-event","x-github-delivery","x-github-hook-id"]'
     WHEN 'standard-webhooks' THEN '["webhook-id","webhook-timestamp"]'
     WHEN 'slack' THEN '["x-slack-retry-num","x-slack-retry-reason"]'
     ELSE '[]' END;`,
]

export function migrate(db: Database, migrations: readonly string[] = MIGRATIONS): number {
  const current = Number(db.prepare<{ user_version: number }>('PRAGMA user_version').get()?.user_version ?? 0)
  if (current > migrations.length) {
    throw new Error(
      `the registry database is at version ${current}, newer than this build knows (${migrations.length}); ` +
        'run a newer inlet or restore a backup',
    )
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]!)
      db.exec(`PRAGMA user_version = ${version + 1}`)
    })
  }
  return migrations.length
}
