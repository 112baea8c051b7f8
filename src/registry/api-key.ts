/**
 * The admin API key. The database keeps only its keyed hash, and requests are checked against that.
 * `INLET_API_KEY`, when set, is the key (its hash replaces the stored one). Otherwise the stored hash
 * stands; and on first start, when there is none, a key is generated, written to `<data-dir>/api-key`
 * (mode 0600) for the operator and the CLI, and announced once. The file is a convenience: deleting it
 * after copying the key does not lock anyone out.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Database } from '../runtime/sqlite.ts'
import { generateSecret, type SecretBox } from './secrets.ts'

export const API_KEY_FILE = 'api-key'
const HASH_SETTING = 'api_key_hash'
const API_KEY_LENGTH_MIN = 16

export interface ApiKeyGuard {
  verify(presented: string | null | undefined): boolean
  /** The key, when this start generated it (so the caller can print it once); else null. */
  generated: string | null
}

export function setUpApiKey(deps: {
  db: Database
  box: SecretBox
  dataDir: string
  envKey: string | undefined
}): ApiKeyGuard {
  const { db, box } = deps
  const envKey = deps.envKey
  if (envKey !== undefined && envKey.length < API_KEY_LENGTH_MIN) {
    throw new Error(`INLET_API_KEY must be at least ${API_KEY_LENGTH_MIN} characters`)
  }
  const store = db.prepare('INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)')
  const stored = db
    .prepare<{ value: Uint8Array }>('SELECT value FROM settings WHERE name = ?')
    .get(HASH_SETTING)
  let hash: Uint8Array | null = stored ? new Uint8Array(stored.value) : null
  let generated: string | null = null
  if (envKey !== undefined) {
    hash = box.hash(envKey)
    store.run(HASH_SETTING, hash)
  } else if (hash === null) {
    generated = generateSecret()
    writeFileSync(join(deps.dataDir, API_KEY_FILE), `${generated}\n`, { mode: 0o600 })
    hash = box.hash(generated)
    store.run(HASH_SETTING, hash)
  }
  const current: Uint8Array = hash
  return {
    generated,
    verify: (presented) =>
      typeof presented === 'string' && presented !== '' && box.matches(presented, current),
  }
}

/**
 * A check of the key against the hash the server stored at its start (an ingest worker's view, which must
 * not set anything up); a key changed later is not seen.
 */
export function storedApiKey(deps: { db: Database; box: SecretBox }): Pick<ApiKeyGuard, 'verify'> {
  const stored = deps.db
    .prepare<{ value: Uint8Array }>('SELECT value FROM settings WHERE name = ?')
    .get(HASH_SETTING)
  const hash = stored ? new Uint8Array(stored.value) : null
  return {
    verify: (presented) =>
      hash !== null && typeof presented === 'string' && presented !== '' && deps.box.matches(presented, hash),
  }
}

/** For the CLI: the key from the environment, else from the data directory. */
export function readApiKey(dataDir: string, env: Record<string, string | undefined>): string | null {
  if (env.INLET_API_KEY) return env.INLET_API_KEY
  const file = join(dataDir, API_KEY_FILE)
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null
}
