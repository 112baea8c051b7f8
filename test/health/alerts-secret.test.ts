/**
 * The alert signing secret: a configured one is checked, an absent one is generated once into the data
 * directory (0600, written whole or not at all) and read back on later starts.
 */
import { afterEach, beforeEach, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { Webhook } from 'standardwebhooks'
import { ALERT_SECRET_FILE, alertSecret, alertSecretPath } from '../../src/health/alerts/secret.ts'
import { tempDir } from '../helpers.ts'

let dir: ReturnType<typeof tempDir>
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => dir[Symbol.dispose]())

const base64Of = (bytes: number) => Buffer.alloc(bytes, 0xa5).toString('base64')

test('an empty setting generates a secret into the data directory once, 0600, and reads it back', () => {
  const first = alertSecret('', dir.path)
  expect(first.generated).toBe(true)
  expect(first.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
  // The receiver's library takes it as it is.
  expect(() => new Webhook(first.secret)).not.toThrow()
  const file = alertSecretPath(dir.path)
  expect(file.endsWith(ALERT_SECRET_FILE)).toBe(true)
  expect(readFileSync(file, 'utf8')).toBe(`${first.secret}\n`)
  expect(statSync(file).mode & 0o777).toBe(0o600)
  expect(readdirSync(dir.path)).toEqual([ALERT_SECRET_FILE])
  expect(alertSecret('', dir.path)).toEqual({ secret: first.secret, generated: false })
})

test('a leftover temporary file from a crash does not get in the way', () => {
  writeFileSync(`${alertSecretPath(dir.path)}.tmp`, 'torn', { mode: 0o644 })
  const { generated } = alertSecret('', dir.path)
  expect(generated).toBe(true)
  expect(statSync(alertSecretPath(dir.path)).mode & 0o777).toBe(0o600)
  expect(existsSync(`${alertSecretPath(dir.path)}.tmp`)).toBe(false)
})

test('a configured secret is used as it is, and no file is written', () => {
  for (const bytes of [24, 32, 64]) {
    const secret = `whsec_${base64Of(bytes)}`
    expect(alertSecret(secret, dir.path)).toEqual({ secret, generated: false })
  }
  expect(readdirSync(dir.path)).toEqual([])
})

test.each([
  ['a missing prefix', base64Of(32), 'must start with whsec_'],
  ['another prefix', `wh_${base64Of(32)}`, 'must start with whsec_'],
  ['characters outside base64', `whsec_${base64Of(32).slice(0, -4)}!!!=`, 'standard base64'],
  ['URL-safe base64', `whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`, 'standard base64'],
  ['missing padding', `whsec_${base64Of(32).replace(/=+$/, '')}`, 'standard base64'],
  ['too few bytes', `whsec_${base64Of(23)}`, 'decodes to 23 bytes; it must be 24 to 64'],
  ['too many bytes', `whsec_${base64Of(65)}`, 'decodes to 65 bytes; it must be 24 to 64'],
  ['nothing after the prefix', 'whsec_', 'decodes to 0 bytes'],
])(
  'a configured secret with %s is refused, naming the setting but not the secret',
  (_case, secret, problem) => {
    let message = ''
    try {
      alertSecret(secret, dir.path)
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toStartWith('[alerts] webhook_secret (INLET_ALERTS_WEBHOOK_SECRET) ')
    expect(message).toContain(problem)
    if (secret.length > 'whsec_'.length) expect(message).not.toContain(secret.slice(6))
  },
)

test('a damaged secret file is refused, naming the file and the way out', () => {
  writeFileSync(alertSecretPath(dir.path), 'whsec_not base64!\n')
  expect(() => alertSecret('', dir.path)).toThrow(
    `${alertSecretPath(dir.path)} must be whsec_ followed by standard base64`,
  )
  expect(() => alertSecret('', dir.path)).toThrow('delete the file to have a new secret generated')
})
