/**
 * The admin API key. `INLET_API_KEY` wins when set. Otherwise the key is generated on first start,
 * written to `<data-dir>/api-key` (mode 0600) for the operator and the CLI, and announced once. The
 * database keeps only its keyed hash, which is what requests are checked against.
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
  const file = join(deps.dataDir, API_KEY_FILE)
  let generated: string | null = null
  let key = deps.envKey
  if (key !== undefined && key.length < API_KEY_LENGTH_MIN) {
    throw new Error(`INLET_API_KEY must be at least ${API_KEY_LENGTH_MIN} characters`)
  }
  if (key === undefined && existsSync(file)) key = readFileSync(file, 'utf8').trim()
  if (key === undefined || key === '') {
    key = generateSecret()
    writeFileSync(file, `${key}\n`, { mode: 0o600 })
    generated = key
  }
  const hash = box.hash(key)
  db.prepare('INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)').run(HASH_SETTING, hash)
  return {
    generated,
    verify: (presented) => typeof presented === 'string' && presented !== '' && box.matches(presented, hash),
  }
}

/** For the CLI: the key from the environment, else from the data directory. */
export function readApiKey(dataDir: string, env: Record<string, string | undefined>): string | null {
  if (env.INLET_API_KEY) return env.INLET_API_KEY
  const file = join(dataDir, API_KEY_FILE)
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null
}
