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
