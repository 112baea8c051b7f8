/**
 * Child process for crash.test.ts: appends to the log in `argv[2]` from several concurrent appenders
 * and prints one line per acknowledged batch, `<firstSeq> <lastSeq> <round> <appender> <first> <size>`,
 * until the parent kills it. A line is printed only after `append` resolved, so every printed seq must
 * survive the kill.
 *
 * Writes are cut into pieces of at most 700 bytes, as a kernel may do with any write; a kill then often
 * lands between two pieces and leaves a torn record or a half-written batch for recovery to handle.
 */
import { nodeFileOps } from '../../src/eventlog/file-ops.ts'
import { openEventLog } from '../../src/eventlog/index.ts'
import { silentLogger } from '../../src/logger.ts'
import { crashRecord, testOptions } from './helpers.ts'

const [dir, roundText] = process.argv.slice(2)
if (!dir || !roundText) throw new Error('usage: crash-child.ts DIR ROUND')
const round = Number(roundText)
const APPENDERS = 8
/** Bounds the run in case the parent fails to kill it. */
const DEADLINE_MS = 10_000
const WRITE_PIECE_BYTES = 700

const log = await openEventLog(testOptions(dir, { segmentBytesMax: 256 * 1024 }), {
  logger: silentLogger,
  fileOps: {
    write: (fd, bytes, offset, length, position) =>
      nodeFileOps.write(fd, bytes, offset, Math.min(length, WRITE_PIECE_BYTES), position),
  },
})
process.stdout.write('ready\n')
const started = Date.now()

async function appender(a: number): Promise<void> {
  let first = 0
  while (Date.now() - started < DEADLINE_MS) {
    const size = 1 + ((first * 7 + a * 3) % 12)
    const records = Array.from({ length: size }, (_, i) => crashRecord(round, a, first, size, i))
    const { firstSeq, lastSeq } = await log.append(records)
    process.stdout.write(`${firstSeq} ${lastSeq} ${round} ${a} ${first} ${size}\n`)
    first += size
  }
}

await Promise.all(Array.from({ length: APPENDERS }, (_, a) => appender(a)))
await log.close()
