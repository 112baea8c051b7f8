/**
 * The source registry: log sources, their secrets (keyed hashes or sealed keys, never plaintext) and
 * their no-data alarm, in SQLite. Every change runs in one transaction, so a failed request leaves
 * nothing half-written. Statements are prepared once, when the store is created.
 */
import { randomUUID } from 'node:crypto'
import { badRequest, conflict, notFound } from '../errors.ts'
import type { Database } from '../runtime/sqlite.ts'
import type { RotateInput, SourceInput } from './model.ts'
import { chooseSecret, normalizeSource, type SourceConfig, secretKind } from './rules.ts'
import type { SecretBox } from './secrets.ts'

export const DEFAULT_NO_DATA_MINUTES = 1440

export interface SourceRecord extends SourceConfig {
  id: string
  createdAt: string
  lastModified: string
  /** When the previous secret, kept after a rotation with a grace period, stops being accepted. */
  previousSecretExpiresAt: string | null
  noDataAlarmMinutes: number | null
}

/** A secret set by a request, returned once in that request's response. */
export interface IssuedSecret {
  field: string
  value: string
}

export interface SourceChange {
  source: SourceRecord
  secret: IssuedSecret | null
}

/** What the ingest path needs to check a request: hashes to compare against, or keys to sign with. */
export interface SourceCredentials {
  source: SourceRecord
  hashes: Uint8Array[]
  keys: string[]
}

interface SourceRow {
  id: string
  label: string
  log_types: string
  stream_type: SourceConfig['streamType']
  stream_options: string
  auth_method: SourceConfig['authMethod']
  auth_header_key: string | null
  auth_hmac_alg: SourceConfig['authHmacAlg']
  auth_hmac_scheme: SourceConfig['authHmacScheme']
  auth_username: string | null
  allowed_cidrs: string
  http_headers: string
  created_at: string
  last_modified: string
  previous_expires_at: string | null
  no_data_minutes: number | null
}

interface SecretRow {
  kind: 'hash' | 'sealed'
  value: Uint8Array
  expires_at: string | null
}

const SELECT_SOURCE = `
  SELECT s.*,
    (SELECT expires_at FROM source_secrets WHERE source_id = s.id AND slot = 'previous' AND expires_at > ?) AS previous_expires_at,
    (SELECT minutes_threshold FROM alarms WHERE source_id = s.id AND type = 'SOURCE_NO_DATA') AS no_data_minutes
  FROM sources s`

export function createSourceStore(deps: {
  db: Database
  box: SecretBox
  clock: () => number
  /** Whether a schema of this name exists: a source's log types must name schemas. */
  knownLogType: (name: string) => boolean
}) {
  const { db, box, clock } = deps
  const configure = (input: SourceInput): SourceConfig => {
    const config = normalizeSource(input)
    checkLogTypes(config.logTypes, deps.knownLogType)
    return config
  }
  const now = () => new Date(clock()).toISOString()
  const sql = {
    one: db.prepare<SourceRow>(`${SELECT_SOURCE} WHERE s.id = ?`),
    all: db.prepare<SourceRow>(`${SELECT_SOURCE} ORDER BY s.label COLLATE NOCASE`),
    labelTaken: db.prepare<{ id: string }>('SELECT id FROM sources WHERE label = ? AND id != ?'),
    insert: db.prepare(
      `INSERT INTO sources (label, log_types, stream_type, stream_options, auth_method, auth_header_key,
         auth_hmac_alg, auth_hmac_scheme, auth_username, allowed_cidrs, http_headers, id, created_at, last_modified)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    update: db.prepare(
      `UPDATE sources SET label = ?, log_types = ?, stream_type = ?, stream_options = ?, auth_method = ?,
         auth_header_key = ?, auth_hmac_alg = ?, auth_hmac_scheme = ?, auth_username = ?, allowed_cidrs = ?,
         http_headers = ?, last_modified = ?
       WHERE id = ?`,
    ),
    touch: db.prepare('UPDATE sources SET last_modified = ? WHERE id = ?'),
    setLogTypes: db.prepare('UPDATE sources SET log_types = ?, last_modified = ? WHERE id = ?'),
    remove: db.prepare('DELETE FROM sources WHERE id = ?'),
    secrets: db.prepare<SecretRow>(
      `SELECT kind, value, expires_at FROM source_secrets
       WHERE source_id = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY slot`,
    ),
    current: db.prepare<SecretRow>(
      "SELECT kind, value, expires_at FROM source_secrets WHERE source_id = ? AND slot = 'current'",
    ),
    dropSecrets: db.prepare('DELETE FROM source_secrets WHERE source_id = ?'),
    bearerHashes: db.prepare<{ source_id: string; value: Uint8Array; expires_at: string | null }>(
      `SELECT ss.source_id, ss.value, ss.expires_at FROM source_secrets ss JOIN sources s ON s.id = ss.source_id
       WHERE s.auth_method = 'Bearer' AND ss.kind = 'hash' AND (ss.expires_at IS NULL OR ss.expires_at > ?)`,
    ),
    putSecret: db.prepare(
      'INSERT OR REPLACE INTO source_secrets (source_id, slot, kind, value, expires_at) VALUES (?, ?, ?, ?, ?)',
    ),
    // A new alarm watches from now; a threshold change keeps the alarm's state and start.
    putAlarm: db.prepare(
      `INSERT INTO alarms (source_id, type, minutes_threshold, state, state_changed_at, set_at)
       VALUES (?, 'SOURCE_NO_DATA', ?, 'INSUFFICIENT_DATA', ?, ?)
       ON CONFLICT (source_id, type) DO UPDATE SET minutes_threshold = excluded.minutes_threshold`,
    ),
    dropAlarm: db.prepare("DELETE FROM alarms WHERE source_id = ? AND type = 'SOURCE_NO_DATA'"),
  }

  const read = (id: string): SourceRecord => {
    const row = sql.one.get(now(), id)
    if (!row) throw notFound(`no log source with integrationId ${id}`)
    return toRecord(row)
  }

  const assertLabelFree = (label: string, id: string) => {
    if (sql.labelTaken.get(label, id))
      throw conflict(`integrationLabel "${label}" is already used by another source`, 'integrationLabel')
  }

  const storeSecret = (id: string, config: SourceConfig, value: string) => {
    const sealed = config.authMethod === 'HMAC'
    const stored = sealed ? box.seal(value) : box.hash(value)
    if (config.authMethod === 'Bearer') assertTokenFree(id, stored)
    sql.putSecret.run(id, 'current', sealed ? 'sealed' : 'hash', stored, null)
  }

  /**
   * Splunk HEC requests name no source: the token alone finds it (ingest/hec), so two Bearer sources may
   * not share a token, a previous one still in its grace period included.
   */
  const assertTokenFree = (id: string, hash: Uint8Array) => {
    const taken = sql.bearerHashes
      .all(now())
      .some((row) => row.source_id !== id && Buffer.from(row.value).equals(hash))
    if (taken) {
      throw conflict(
        'authBearerToken is already the token of another source; a token must find one source',
        'authBearerToken',
      )
    }
  }

  /** Told the id of each source created, changed, removed or rotated, once its transaction has committed. */
  const listeners = new Set<(id: string) => void>()
  const changed = (id: string) => {
    for (const listener of listeners) listener(id)
  }

  /** null turns the no-data alarm off, undefined leaves it as it is. */
  const setAlarm = (id: string, alarm: { minutesThreshold: number } | null | undefined) => {
    if (alarm === null) sql.dropAlarm.run(id)
    else if (alarm) {
      const stamp = now()
      sql.putAlarm.run(id, alarm.minutesThreshold, stamp, stamp)
    }
  }

  /** The configuration columns, in the order both `insert` and `update` name them. */
  const columns = (c: SourceConfig) =>
    [
      c.label,
      JSON.stringify(c.logTypes),
      c.streamType,
      JSON.stringify(c.streamOptions),
      c.authMethod,
      c.authHeaderKey,
      c.authHmacAlg,
      c.authHmacScheme,
      c.authUsername,
      JSON.stringify(c.allowedCidrs),
      JSON.stringify(c.httpHeaders),
    ] as const

  return {
    create(input: SourceInput): SourceChange {
      const config = configure(input)
      const secret = chooseSecret(config, input, { generate: true })
      const id = randomUUID()
      db.transaction(() => {
        assertLabelFree(config.label, id)
        const stamp = now()
        sql.insert.run(...columns(config), id, stamp, stamp)
        if (secret) storeSecret(id, config, secret.value)
        const alarm =
          input.noDataAlarm === undefined ? { minutesThreshold: DEFAULT_NO_DATA_MINUTES } : input.noDataAlarm
        if (alarm) sql.putAlarm.run(id, alarm.minutesThreshold, stamp, stamp)
      })
      changed(id)
      return { source: read(id), secret }
    },

    list: (): SourceRecord[] => sql.all.all(now()).map(toRecord),
    get: (id: string) => read(canonicalId(id)),

    /** Replaces the configuration; the stored secret stays unless the request gives one or it no longer fits. */
    replace(anyCaseId: string, input: SourceInput): SourceChange {
      const id = canonicalId(anyCaseId)
      const config = configure(input)
      const change = db.transaction(() => {
        const before = read(id)
        assertLabelFree(config.label, id)
        const mustRenew = secretKind(before) !== secretKind(config)
        const secret = chooseSecret(config, input, { generate: mustRenew })
        sql.update.run(...columns(config), now(), id)
        if (secret || mustRenew) sql.dropSecrets.run(id)
        if (secret) storeSecret(id, config, secret.value)
        setAlarm(id, input.noDataAlarm)
        return { source: read(id), secret }
      })
      changed(id)
      return change
    },

    remove(anyCaseId: string): void {
      const id = canonicalId(anyCaseId)
      if (sql.remove.run(id).changes === 0) throw notFound(`no log source with integrationId ${id}`)
      changed(id)
    },

    /** Issues a new secret; the old one stays valid for `graceSeconds` beside it. */
    rotate(anyCaseId: string, input: RotateInput): SourceChange {
      const id = canonicalId(anyCaseId)
      const change = db.transaction(() => {
        const source = read(id)
        const secret = chooseSecret(source, input, { generate: true })
        if (!secret) throw badRequest('a source with authMethod None has no secret to rotate', 'authMethod')
        const old = sql.current.get(id)
        sql.dropSecrets.run(id)
        const graceMs = (input.graceSeconds ?? 0) * 1000
        if (old && graceMs > 0)
          sql.putSecret.run(id, 'previous', old.kind, old.value, new Date(clock() + graceMs).toISOString())
        storeSecret(id, source, secret.value)
        sql.touch.run(now(), id)
        return { source: read(id), secret }
      })
      changed(id)
      return change
    },

    /** Turns the no-data alarm on at a threshold, or changes it (null: off); the source must exist. */
    setNoDataAlarm(anyCaseId: string, alarm: { minutesThreshold: number } | null): SourceRecord {
      const id = canonicalId(anyCaseId)
      const source = db.transaction(() => {
        read(id)
        setAlarm(id, alarm)
        sql.touch.run(now(), id)
        return read(id)
      })
      changed(id)
      return source
    },

    /** Adds a log type to the source's list, first (the likeliest match for what it sends next). */
    attachLogType(anyCaseId: string, name: string): SourceRecord {
      const id = canonicalId(anyCaseId)
      const source = db.transaction(() => {
        const before = read(id)
        if (before.logTypes.includes(name)) return before
        const logTypes = [name, ...before.logTypes]
        checkLogTypes(logTypes, deps.knownLogType)
        sql.setLogTypes.run(JSON.stringify(logTypes), now(), id)
        return read(id)
      })
      changed(id)
      return source
    },

    /** Tells the subscribers of a change another thread made (the ingest workers hear of it this way). */
    changedElsewhere(id: string): void {
      changed(id)
    },

    /** Subscribes to changes (for caches of compiled sources); returns the unsubscribe function. */
    onChange(listener: (id: string) => void): () => void {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    /**
     * The keyed hash of every valid Bearer token, the previous ones of a rotation until they expire:
     * what finds a source by the token alone (ingest/hec).
     */
    bearerTokens(): { sourceId: string; hash: Uint8Array; expiresAt: string | null }[] {
      return sql.bearerHashes.all(now()).map((row) => ({
        sourceId: row.source_id,
        hash: new Uint8Array(row.value),
        expiresAt: row.expires_at,
      }))
    },

    credentials(anyCaseId: string): SourceCredentials {
      const id = canonicalId(anyCaseId)
      const source = read(id)
      const rows = sql.secrets.all(id, now())
      return {
        source,
        hashes: rows.filter((row) => row.kind === 'hash').map((row) => new Uint8Array(row.value)),
        keys: rows.filter((row) => row.kind === 'sealed').map((row) => box.open(row.value)),
      }
    },
  }
}

export type SourceStore = ReturnType<typeof createSourceStore>

/**
 * Ids are UUIDs, stored in lower case; RFC 9562 §4 makes their hex digits case-insensitive on input, so
 * every way in (API paths, ingest URLs, the CLI) finds a source whatever case it was written in.
 */
export const canonicalId = (id: string) => id.toLowerCase()

/** Each log type must name a schema, once: events could never be classified by one that does not exist. */
function checkLogTypes(logTypes: readonly string[], known: (name: string) => boolean): void {
  const seen = new Set<string>()
  for (const name of logTypes) {
    if (seen.has(name)) throw badRequest(`logTypes: '${name}' is listed more than once`, 'logTypes')
    seen.add(name)
    if (!known(name)) {
      throw badRequest(
        `logTypes: unknown log type '${name}' (create it with POST /schemas first)`,
        'logTypes',
      )
    }
  }
}

function toRecord(row: SourceRow): SourceRecord {
  return {
    id: row.id,
    label: row.label,
    logTypes: JSON.parse(row.log_types),
    streamType: row.stream_type,
    streamOptions: JSON.parse(row.stream_options),
    authMethod: row.auth_method,
    authHeaderKey: row.auth_header_key,
    authHmacAlg: row.auth_hmac_alg,
    authHmacScheme: row.auth_hmac_scheme,
    authUsername: row.auth_username,
    allowedCidrs: JSON.parse(row.allowed_cidrs),
    httpHeaders: JSON.parse(row.http_headers),
    createdAt: row.created_at,
    lastModified: row.last_modified,
    previousSecretExpiresAt: row.previous_expires_at,
    noDataAlarmMinutes: row.no_data_minutes,
  }
}
