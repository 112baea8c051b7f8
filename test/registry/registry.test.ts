import { describe, expect, test } from 'bun:test'
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { silentLogger } from '../../src/logger.ts'
import { openRegistry } from '../../src/registry/index.ts'
import { migrate } from '../../src/registry/migrations.ts'
import { createSecretBox, loadMasterKey } from '../../src/registry/secrets.ts'
import { openDatabase } from '../../src/runtime/sqlite.ts'
import { tempDir } from '../helpers.ts'

describe('master key and secret box', () => {
  test('the master key is created once, mode 0600, and reused', () => {
    using dir = tempDir()
    const first = loadMasterKey(dir.path)
    expect(statSync(join(dir.path, 'master.key')).mode & 0o777).toBe(0o600)
    expect(loadMasterKey(dir.path).equals(first)).toBe(true)
    expect(first.length).toBe(32)
  })

  test('a damaged master key is refused rather than replaced', () => {
    using dir = tempDir()
    writeFileSync(join(dir.path, 'master.key'), 'c2hvcnQ=\n')
    expect(() => loadMasterKey(dir.path)).toThrow(/32-byte key/)
  })

  test('hashes are keyed; sealed secrets open only under the same key', () => {
    const box = createSecretBox(new Uint8Array(32).fill(1))
    const other = createSecretBox(new Uint8Array(32).fill(2))
    expect(box.matches('s3cret', box.hash('s3cret'))).toBe(true)
    expect(box.matches('s3cret!', box.hash('s3cret'))).toBe(false)
    expect(other.matches('s3cret', box.hash('s3cret'))).toBe(false)
    const sealed = box.seal('signing key ✓')
    expect(Buffer.from(sealed).toString('latin1')).not.toContain('signing key')
    expect(box.open(sealed)).toBe('signing key ✓')
    expect(() => other.open(sealed)).toThrow()
    expect(box.seal('x')).not.toEqual(box.seal('x'))
  })
})

describe('migrations', () => {
  test('apply once, record the version, and refuse a newer database', async () => {
    using dir = tempDir()
    const db = await openDatabase(join(dir.path, 'm.db'))
    const steps = ['CREATE TABLE a (x INTEGER)', 'ALTER TABLE a ADD COLUMN y TEXT']
    expect(migrate(db, steps.slice(0, 1))).toBe(1)
    expect(migrate(db, steps)).toBe(2)
    expect(migrate(db, steps)).toBe(2)
    db.prepare('INSERT INTO a (x, y) VALUES (?, ?)').run(1, 'kept')
    expect(() => migrate(db, steps.slice(0, 1))).toThrow(/newer than this build/)
    expect(db.prepare<{ y: string }>('SELECT y FROM a').get()?.y).toBe('kept')
    db.close()
  })

  test('a failing migration leaves the database at the previous version', async () => {
    using dir = tempDir()
    const db = await openDatabase(join(dir.path, 'm.db'))
    migrate(db, ['CREATE TABLE a (x INTEGER)'])
    expect(() =>
      migrate(db, ['CREATE TABLE a (x INTEGER)', 'CREATE TABLE b (x); SELECT * FROM nowhere']),
    ).toThrow()
    expect(db.prepare<{ user_version: number }>('PRAGMA user_version').get()?.user_version).toBe(1)
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined()
    db.close()
  })
})

describe('API key', () => {
  test('generated on first start into <data-dir>/api-key (0600), reused after, never stored in clear', async () => {
    using dir = tempDir()
    const first = await openRegistry({ dataDir: dir.path, envApiKey: undefined, logger: silentLogger })
    const key = first.apiKey.generated
    expect(key).toBeString()
    const file = join(dir.path, 'api-key')
    expect(readFileSync(file, 'utf8').trim()).toBe(key!)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(first.apiKey.verify(key)).toBe(true)
    expect(first.apiKey.verify(`${key}x`)).toBe(false)
    expect(first.apiKey.verify(undefined)).toBe(false)
    first.close()
    expect(readFileSync(join(dir.path, 'registry.db')).toString('latin1')).not.toContain(key!)
    const second = await openRegistry({ dataDir: dir.path, envApiKey: undefined, logger: silentLogger })
    expect(second.apiKey.generated).toBeNull()
    expect(second.apiKey.verify(key)).toBe(true)
    second.close()
  })

  test('the stored hash is what is checked: deleting the key file locks no one out', async () => {
    using dir = tempDir()
    const first = await openRegistry({ dataDir: dir.path, envApiKey: undefined, logger: silentLogger })
    const key = first.apiKey.generated!
    first.close()
    unlinkSync(join(dir.path, 'api-key'))
    const second = await openRegistry({ dataDir: dir.path, envApiKey: undefined, logger: silentLogger })
    expect(second.apiKey.generated).toBeNull()
    expect(second.apiKey.verify(key)).toBe(true)
    second.close()
  })

  test('INLET_API_KEY replaces the stored key, and must not be trivially short', async () => {
    using dir = tempDir()
    const generated = await openRegistry({ dataDir: dir.path, envApiKey: undefined, logger: silentLogger })
    const oldKey = generated.apiKey.generated!
    generated.close()
    const fromEnv = await openRegistry({
      dataDir: dir.path,
      envApiKey: 'from-the-environment-1',
      logger: silentLogger,
    })
    expect(fromEnv.apiKey.generated).toBeNull()
    expect(fromEnv.apiKey.verify('from-the-environment-1')).toBe(true)
    expect(fromEnv.apiKey.verify(oldKey)).toBe(false)
    fromEnv.close()
    const later = await openRegistry({ dataDir: dir.path, envApiKey: undefined, logger: silentLogger })
    expect(later.apiKey.verify('from-the-environment-1')).toBe(true)
    later.close()
    await expect(
      openRegistry({ dataDir: dir.path, envApiKey: 'short', logger: silentLogger }),
    ).rejects.toThrow(/at least 16/)
  })
})
