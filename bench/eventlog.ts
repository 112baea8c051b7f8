/**
 * Event log append throughput, beside the best a naive group committer can do on the same disk.
 *
 *     npx bun bench/eventlog.ts [seconds per run, default 2]
 *
 * Each scenario runs N concurrent appenders, each appending batches of ~150-byte events in a loop and
 * waiting for each batch's acknowledgement before the next. The baseline takes the very same bytes
 * (already encoded records) through a minimal group committer: whatever is queued while a write and
 * fdatasync are in flight is concatenated into one `fs.write` and one async `fs.fdatasync`. The ratio is
 * log MB/s over baseline MB/s. It prints a table and asserts nothing; timings depend on the machine.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { type AppendRecord, EVENTLOG_DEFAULTS, openEventLog } from '../src/eventlog/index.ts'
import { encodeRecord, RECORD_HEADER_BYTES, recordBuffer } from '../src/eventlog/record.ts'
import { silentLogger } from '../src/logger.ts'

const RUN_MS = Number(process.argv[2] ?? 2) * 1000
const EVENT_BYTES = 150
const encoder = new TextEncoder()

/** A pool of distinct ~150-byte JSON events, built once so the loop measures the log, not JSON. */
const EVENTS: AppendRecord[] = Array.from({ length: 4096 }, (_, i) => {
  const head = JSON.stringify({ time: '2025-01-01T00:00:00.000Z', level: 'info', n: i, message: '' })
  const text = head.replace('"message":""', `"message":"${'m'.repeat(EVENT_BYTES - head.length)}"`)
  return { payload: encoder.encode(text), eventTimeMs: 1_735_689_600_000 + i, sourceId: `source-${i % 4}` }
})

function makeBatch(appender: number, size: number): AppendRecord[] {
  return Array.from({ length: size }, (_, i) => EVENTS[(appender * 997 + i) % EVENTS.length]!)
}

/** The batch as the log would encode it, for the baseline to write byte for byte. */
function encodeBatch(records: AppendRecord[]): Uint8Array {
  const out = new Uint8Array(records.reduce((sum, r) => sum + RECORD_HEADER_BYTES + r.payload.length, 0))
  const buffer = recordBuffer(out)
  let at = 0
  records.forEach((r, i) => {
    at = encodeRecord(buffer, at, i + 1, r.payload, i < records.length - 1)
  })
  return out
}

interface Result {
  events: number
  bytes: number
  seconds: number
  fsyncs: number
  fsyncMsMean: number
}

/** Runs `appenders` loops of `append` for RUN_MS; returns events and bytes acknowledged per second. */
async function drive(appenders: number, batchSize: number, append: (a: number) => Promise<void>) {
  const bytesPerBatch = encodeBatch(makeBatch(0, batchSize)).length
  let batches = 0
  const started = performance.now()
  const deadline = started + RUN_MS
  await Promise.all(
    Array.from({ length: appenders }, async (_, a) => {
      while (performance.now() < deadline) {
        await append(a)
        batches++
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  return { events: batches * batchSize, bytes: batches * bytesPerBatch, seconds }
}

async function runLog(fsync: 'always' | 'interval', appenders: number, batchSize: number): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inlet-bench-log-'))
  const log = await openEventLog({ ...EVENTLOG_DEFAULTS, dir, fsync }, { logger: silentLogger })
  const batches = Array.from({ length: appenders }, (_, a) => makeBatch(a, batchSize))
  try {
    const driven = await drive(appenders, batchSize, async (a) => {
      await log.append(batches[a]!)
    })
    const stats = log.stats()
    return { ...driven, fsyncs: stats.fsyncs, fsyncMsMean: stats.fsyncMsMean }
  } finally {
    await log.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const callback =
  <T>(resolve: (value: T) => void, reject: (error: Error) => void) =>
  (error: Error | null, value?: T) =>
    error ? reject(error) : resolve(value as T)

/** The naive group committer: all that queued during the last write and fdatasync goes in the next. */
async function runBaseline(fsync: boolean, appenders: number, batchSize: number): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inlet-bench-base-'))
  const fd = fs.openSync(path.join(dir, 'baseline'), 'w')
  const encoded = Array.from({ length: appenders }, (_, a) => encodeBatch(makeBatch(a, batchSize)))
  let queue: { bytes: Uint8Array; done: () => void }[] = []
  let running = false
  let position = 0
  let fsyncs = 0
  let fsyncMs = 0
  const flush = async () => {
    while (queue.length > 0) {
      const group = queue
      queue = []
      const bytes = Buffer.concat(group.map((g) => g.bytes))
      await new Promise((resolve, reject) =>
        fs.write(fd, bytes, 0, bytes.length, position, callback(resolve, reject)),
      )
      position += bytes.length
      if (fsync) {
        const started = performance.now()
        await new Promise((resolve, reject) => fs.fdatasync(fd, callback(resolve, reject)))
        fsyncMs += performance.now() - started
        fsyncs++
      }
      for (const g of group) g.done()
    }
    running = false
  }
  try {
    const driven = await drive(appenders, batchSize, (a) => {
      return new Promise<void>((done) => {
        queue.push({ bytes: encoded[a]!, done })
        if (!running) {
          running = true
          queueMicrotask(flush)
        }
      })
    })
    return { ...driven, fsyncs, fsyncMsMean: fsyncs > 0 ? fsyncMs / fsyncs : 0 }
  } finally {
    fs.closeSync(fd)
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const perSecond = (r: Result) => ({ events: r.events / r.seconds, mb: r.bytes / r.seconds / 1e6 })
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits })

interface Row {
  scenario: string
  'log events/s': string
  'log MB/s': string
  'base events/s': string
  'base MB/s': string
  ratio: string
  'log fsyncs (mean ms)': string
  'base fsyncs (mean ms)': string
}

function row(scenario: string, log: Result, base: Result): Row {
  const l = perSecond(log)
  const b = perSecond(base)
  return {
    scenario,
    'log events/s': fmt(l.events),
    'log MB/s': fmt(l.mb, 1),
    'base events/s': fmt(b.events),
    'base MB/s': fmt(b.mb, 1),
    ratio: `${fmt((l.mb / b.mb) * 100)}%`,
    'log fsyncs (mean ms)': `${log.fsyncs} (${log.fsyncMsMean.toFixed(2)})`,
    'base fsyncs (mean ms)': `${base.fsyncs} (${base.fsyncMsMean.toFixed(2)})`,
  }
}

async function main(): Promise<void> {
  console.log(
    `event log append benchmark: ${RUN_MS / 1000} s per run, ${EVENT_BYTES}-byte events, ${os.tmpdir()}`,
  )
  // Warm the JIT on both paths so the first scenario is not penalised.
  await runLog('always', 8, 100)
  await runBaseline(true, 8, 100)
  const rows: Row[] = []
  for (const batchSize of [20, 500]) {
    for (const appenders of [1, 8, 64]) {
      const log = await runLog('always', appenders, batchSize)
      const base = await runBaseline(true, appenders, batchSize)
      rows.push(row(`always, batch ${batchSize}, ${appenders} appenders`, log, base))
    }
  }
  for (const appenders of [8, 64]) {
    const log = await runLog('interval', appenders, 500)
    const base = await runBaseline(false, appenders, 500)
    rows.push(row(`interval, batch 500, ${appenders} appenders (base: no fsync)`, log, base))
  }
  console.table(rows)
}

await main()
