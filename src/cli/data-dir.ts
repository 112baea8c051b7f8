/**
 * One server per data directory. Two processes appending to the same event log would interleave
 * records and corrupt it, so `serve` takes `<data-dir>/inlet.pid` with an exclusive create and holds it
 * until exit. A file left by a process that no longer runs (a crash, a SIGKILL) is taken over.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const PID_FILE = 'inlet.pid'

export function lockDataDir(dataDir: string): { release(): void } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const file = join(dataDir, PID_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o644 })
      return {
        release() {
          if (readPid(file) === process.pid) unlinkSync(file)
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = readPid(file)
    if (holder !== null && holder !== process.pid && isRunning(holder)) {
      throw new Error(
        `the data directory ${dataDir} is in use by another inlet (pid ${holder}); stop it or choose another --data-dir`,
      )
    }
    unlinkSync(file)
  }
  throw new Error(`could not take ${file}: another process keeps creating it`)
}

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

/** Signal 0 checks that a process exists without touching it; EPERM means it exists but is not ours. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
