import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { openDatabase } from '../../src/runtime/sqlite.ts'
import { tempDir } from '../helpers.ts'

test.each(['bun', 'node'] as const)('the %s driver behaves the same behind the interface', async (driver) => {
  using dir = tempDir()
  const db = await openDatabase(join(dir.path, 'x.db'), driver)
  expect(db.prepare<{ journal_mode: string }>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal')
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, blob BLOB)')
  const insert = db.prepare('INSERT INTO t (name, blob) VALUES (?, ?)')
  expect(insert.run('a', new Uint8Array([1, 2, 3])).changes).toBe(1)
  expect(() =>
    db.transaction(() => {
      insert.run('b', null)
      insert.run('a', null)
    }),
  ).toThrow()
  const rows = db
    .prepare<{ name: string; blob: Uint8Array | null }>('SELECT name, blob FROM t ORDER BY id')
    .all()
  expect(rows.map((row) => row.name)).toEqual(['a'])
  expect([...new Uint8Array(rows[0]!.blob!)]).toEqual([1, 2, 3])
  expect(db.prepare('SELECT * FROM t WHERE name = ?').get('zzz')).toBeUndefined()
  db.close()
})
