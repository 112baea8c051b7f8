/**
 * The alert signing secret, `[alerts] webhook_secret`: a Standard Webhooks secret, `whsec_` and the base64
 * of 24 to 64 key bytes. A configured one is checked at start, so a typo fails loudly instead of signing
 * with a key no receiver shares. When none is configured, one is generated on first start into
 * `<data-dir>/alerts-webhook-secret` (mode 0600) for the operator to copy into the receiver, and read from
 * there on every later start, so the receiver's copy keeps matching across restarts.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { generateWebhookSecret } from '../../registry/secrets.ts'

export const ALERT_SECRET_FILE = 'alerts-webhook-secret'
export const SECRET_PREFIX = 'whsec_'
export const SECRET_BYTES_MIN = 24
export const SECRET_BYTES_MAX = 64
/** Standard (not URL-safe) base64 with its padding, as the Standard Webhooks libraries decode it. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

export const alertSecretPath = (dataDir: string) => join(dataDir, ALERT_SECRET_FILE)

/**
 * The secret to sign alerts with: the configured one, else the one kept in the data directory, else a new
 * one written there (`generated` is then true, so the caller can tell the operator where to find it).
 */
export function alertSecret(configured: string, dataDir: string): { secret: string; generated: boolean } {
  if (configured !== '') {
    const problem = secretProblem(configured)
    if (problem) throw new Error(`[alerts] webhook_secret (INLET_ALERTS_WEBHOOK_SECRET) ${problem}`)
    return { secret: configured, generated: false }
  }
  const file = alertSecretPath(dataDir)
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim()
    const problem = secretProblem(stored)
    if (problem) {
      throw new Error(
        `${file} ${problem}; delete the file to have a new secret generated, or set ` +
          '[alerts] webhook_secret (INLET_ALERTS_WEBHOOK_SECRET)',
      )
    }
    return { secret: stored, generated: false }
  }
  const secret = generateWebhookSecret()
  writeFileAtomically(file, `${secret}\n`)
  return { secret, generated: true }
}

/** The key bytes of a valid secret; an invalid one is refused, never signed with. */
export function secretKey(secret: string): Buffer {
  const problem = secretProblem(secret)
  if (problem) throw new Error(`webhook secret ${problem}`)
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')
}

/** What is wrong with a secret, in words that never quote it; null when it is valid. */
export function secretProblem(secret: string): string | null {
  if (!secret.startsWith(SECRET_PREFIX)) return `must start with ${SECRET_PREFIX}`
  const encoded = secret.slice(SECRET_PREFIX.length)
  // Buffer's decoder skips characters it does not know, so a mangled secret would decode to some other key.
  if (!BASE64.test(encoded)) {
    return `must be ${SECRET_PREFIX} followed by standard base64 (A-Z, a-z, 0-9, +, /, with = padding)`
  }
  const bytes = Buffer.from(encoded, 'base64').length
  if (bytes < SECRET_BYTES_MIN || bytes > SECRET_BYTES_MAX) {
    return `decodes to ${bytes} bytes; it must be ${SECRET_BYTES_MIN} to ${SECRET_BYTES_MAX}`
  }
  return null
}

/**
 * Temporary file, flushed, renamed over the target, directory flushed: after a crash the file is either
 * absent (and generated again) or whole, never a torn secret the receiver's copy does not match.
 */
function writeFileAtomically(file: string, text: string): void {
  const temporary = `${file}.tmp`
  // A leftover from a crash may carry other permissions; 'wx' then creates a fresh one with ours.
  rmSync(temporary, { force: true })
  const fd = openSync(temporary, 'wx', 0o600)
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temporary, file)
  const dir = openSync(dirname(file), 'r')
  try {
    fsyncSync(dir)
  } finally {
    closeSync(dir)
  }
}
