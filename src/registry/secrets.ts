/**
 * Secrets at rest. One random master key lives in `<data-dir>/master.key` (mode 0600), apart from the
 * database, so that a dump of the database alone reveals no secret. Two subkeys are derived from it
 * with HKDF-SHA256, one per purpose, so a hash can never be confused with a ciphertext:
 *
 * - secrets that only need checking (shared secrets, bearer tokens, Basic passwords, the API key) are
 *   kept as HMAC-SHA256 under the hashing subkey: a keyed hash, useless without the key file;
 * - secrets that must be used again (HMAC signing keys) are sealed with AES-256-GCM under the
 *   encryption subkey: `nonce (12) | ciphertext | tag (16)`.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const MASTER_KEY_BYTES = 32
const NONCE_BYTES = 12
const TAG_BYTES = 16

export interface SecretBox {
  hash(secret: string | Uint8Array): Uint8Array
  /** Constant-time check of a presented secret against a stored keyed hash. */
  matches(secret: string | Uint8Array, storedHash: Uint8Array): boolean
  seal(plaintext: string): Uint8Array
  open(sealed: Uint8Array): string
}

/** Reads the master key, creating it (0600) on first start. A key file of the wrong size is refused. */
export function loadMasterKey(dataDir: string): Buffer {
  const file = join(dataDir, 'master.key')
  if (!existsSync(file)) {
    writeFileSync(file, `${randomBytes(MASTER_KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
  }
  chmodSync(file, 0o600)
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')
  if (key.length !== MASTER_KEY_BYTES) {
    throw new Error(`${file}: expected a base64 ${MASTER_KEY_BYTES}-byte key, found ${key.length} bytes`)
  }
  return key
}

export function createSecretBox(masterKey: Uint8Array): SecretBox {
  const derive = (purpose: string) =>
    Buffer.from(hkdfSync('sha256', masterKey, new Uint8Array(0), `inlet ${purpose}`, 32))
  const hashKey = derive('secret-hash v1')
  const sealKey = derive('secret-seal v1')
  const hash = (secret: string | Uint8Array) =>
    new Uint8Array(createHmac('sha256', hashKey).update(secret).digest())
  return {
    hash,
    matches(secret, storedHash) {
      const candidate = hash(secret)
      return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash)
    },
    seal(plaintext) {
      const nonce = randomBytes(NONCE_BYTES)
      const cipher = createCipheriv('aes-256-gcm', sealKey, nonce)
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]))
    },
    open(sealed) {
      const bytes = Buffer.from(sealed)
      const decipher = createDecipheriv('aes-256-gcm', sealKey, bytes.subarray(0, NONCE_BYTES))
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
      const body = bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
    },
  }
}

/** A new secret of 32 random bytes, URL- and header-safe. */
export const generateSecret = () => randomBytes(32).toString('base64url')

/** Standard Webhooks secrets are `whsec_` + base64 of the key bytes (standardwebhooks.com spec). */
export const generateWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`
