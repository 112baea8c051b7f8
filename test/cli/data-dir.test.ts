import { expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { lockDataDir, PID_FILE } from '../../src/cli/data-dir.ts'
import { tempDir } from '../helpers.ts'

test('the lock holds our pid and is released on exit', () => {
  using dir = tempDir()
  const lock = lockDataDir(dir.path)
  expect(readFileSync(join(dir.path, PID_FILE), 'utf8').trim()).toBe(String(process.pid))
  lock.release()
  expect(existsSync(join(dir.path, PID_FILE))).toBe(false)
})

test('a directory held by a running process is refused', () => {
  using dir = tempDir()
  writeFileSync(join(dir.path, PID_FILE), '1\n') // pid 1 always runs
  expect(() => lockDataDir(dir.path)).toThrow(/in use by another inlet \(pid 1\)/)
  expect(readFileSync(join(dir.path, PID_FILE), 'utf8').trim()).toBe('1')
})

test('a pid file left by a dead process, or holding garbage, is taken over', () => {
  using dir = tempDir()
  const dead = spawnSync('true').pid
  for (const content of [`${dead}\n`, 'not a pid\n']) {
    writeFileSync(join(dir.path, PID_FILE), content)
    const lock = lockDataDir(dir.path)
    expect(readFileSync(join(dir.path, PID_FILE), 'utf8').trim()).toBe(String(process.pid))
    lock.release()
  }
})
