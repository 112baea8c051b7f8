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
