/** Shared fixtures for the event log tests: temp directories, options, payloads and a recording logger. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  type AppendRecord,
  EVENTLOG_DEFAULTS,
  type EventLog,
  type EventLogOptions,
  type LogCursor,
  openEventLog,
} from '../../src/eventlog/index.ts'
import type { LogFields, Logger } from '../../src/logger.ts'

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'inlet-eventlog-'))
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true })
}

/** Options for a test log; timers are slow by default so tests drive retention explicitly. */
export function testOptions(dir: string, overrides: Partial<EventLogOptions> = {}): EventLogOptions {
  return { ...EVENTLOG_DEFAULTS, dir, retentionAgeMs: 0, retentionCheckIntervalMs: 3_600_000, ...overrides }
}

export interface LogLine {
  level: string
  message: string
  fields: LogFields
}

export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      lines.push({ level, message, fields })
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A JSON event whose content identifies it, padded to a size that varies with `n`. */
export function event(n: number, sourceId = 'source-a', eventTimeMs = 1_700_000_000_000 + n): AppendRecord {
  const text = JSON.stringify({ n, pad: 'x'.repeat((n * 37) % 120) })
  return { payload: encoder.encode(text), eventTimeMs, sourceId }
}

export function batch(from: number, count: number, sourceId?: string, eventTimeMs?: number): AppendRecord[] {
  return Array.from({ length: count }, (_, i) => event(from + i, sourceId, eventTimeMs))
}

/** The `n` an event payload made by `event` carries. */
export function eventNumber(payload: Uint8Array): number {
  return (JSON.parse(decoder.decode(payload)) as { n: number }).n
}

export async function collect(cursor: LogCursor): Promise<{ seq: number; n: number }[]> {
  const out: { seq: number; n: number }[] = []
  for await (const record of cursor) out.push({ seq: record.seq, n: eventNumber(record.payload) })
  return out
}

/** Opens a log in `dir` with a recording logger, for the many tests that need both. */
export async function openTestLog(
  dir: string,
  overrides: Partial<EventLogOptions> = {},
  clock?: () => number,
): Promise<{ log: EventLog; lines: LogLine[] }> {
  const { logger, lines } = recordingLogger()
  const log = await openEventLog(testOptions(dir, overrides), { logger, ...(clock ? { clock } : {}) })
  return { log, lines }
}

/** The segment files in a log directory, oldest first. */
export function segmentFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.seg'))
    .sort()
    .map((name) => path.join(dir, name))
}

/**
 * Record `i` of the batch a crash-test appender writes: the batch is identified by (round, appender,
 * first) and has `size` records, so a reader can tell whether a batch came back whole.
 */
export function crashRecord(round: number, a: number, first: number, size: number, i: number): AppendRecord {
  const pad = 'p'.repeat((round * 131 + a * 17 + (first + i) * 7) % 200)
  const text = JSON.stringify({ round, a, first, size, i, pad })
  return { payload: encoder.encode(text), eventTimeMs: 1_700_000_000_000 + first, sourceId: `appender-${a}` }
}
