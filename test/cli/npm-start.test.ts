/**
 * `npm start`, then SIGTERM to npm, as a process supervisor or a terminal's Ctrl+C does: the server must
 * drain and exit with npm, not stay behind as an orphan holding the port and the data directory. The start
 * script execs the server, so npm's signal reaches it rather than stopping at a shell in between.
 */
import { expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawn } from 'bun'
import { tempDir } from '../helpers.ts'

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

test('SIGTERM to npm start stops the server it started', async () => {
  using dir = tempDir('inlet-npm-start-')
  const npm = spawn(['npm', 'start', '--', '--listen', '127.0.0.1:0', '--data-dir', dir.path], {
    env: { ...process.env, INLET_API_KEY: 'npm-start-test-key-0001' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const pidFile = join(dir.path, 'inlet.pid')
  let serverPid = 0
  try {
    const reader = npm.stdout.getReader()
    let output = ''
    const deadline = Date.now() + 20_000
    while (!/listening on/.test(output) && Date.now() < deadline) {
      const { done, value } = await reader.read()
      if (done) break
      output += new TextDecoder().decode(value)
    }
    expect(output).toContain('listening on')
    serverPid = Number(readFileSync(pidFile, 'utf8').trim())
    expect(alive(serverPid)).toBe(true)
    void (async () => {
      for (;;) if ((await reader.read()).done) return
    })()

    npm.kill('SIGTERM')
    await npm.exited
    const stopBy = Date.now() + 10_000
    while (alive(serverPid) && Date.now() < stopBy) await Bun.sleep(20)
    expect(alive(serverPid)).toBe(false)
    // It drained and let go of the data directory, as on a SIGTERM of its own.
    expect(existsSync(pidFile)).toBe(false)
  } finally {
    npm.kill('SIGKILL')
    if (serverPid > 0 && alive(serverPid)) process.kill(serverPid, 'SIGKILL')
  }
}, 40_000)
