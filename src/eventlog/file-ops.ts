/**
 * The file operations the log performs, behind an interface so tests can inject failures (a full disk,
 * an I/O error, a short write) and power loss (test/reliability/power-loss-fs.ts) where a real
 * filesystem cannot produce them on demand. Every operation that changes a file or a directory entry
 * goes through it, so such a test sees all of them; reads do not, as they change nothing that a crash
 * could keep or lose.
 *
 * Every call goes through Node's asynchronous callback API, which runs it on the runtime's thread pool:
 * the event loop keeps accepting appends while a write or fdatasync is in flight, which is what lets
 * them form the next group. The synchronous variants would block the loop and no group would ever form.
 */
import * as fs from 'node:fs'
import { AppError } from '../errors.ts'
import { Histogram } from '../histogram.ts'

export interface FileOps {
  open(file: string, flags: string): Promise<number>
  write(fd: number, bytes: Uint8Array, offset: number, length: number, position: number): Promise<number>
  fdatasync(fd: number): Promise<void>
  ftruncate(fd: number, length: number): Promise<void>
  close(fd: number): Promise<void>
  /** Renames a file within its directory: atomic, and durable once the directory is synced. */
  rename(from: string, to: string): Promise<void>
  /** Removes a file; a missing one is not an error. */
  remove(file: string): Promise<void>
  /** Creates a directory and its missing parents; returns the first one created, undefined if none was. */
  mkdir(dir: string): Promise<string | undefined>
  /** Makes the entries created, renamed or removed in a directory survive a power loss. */
  syncDir(dir: string): Promise<void>
}

const settle =
  <T>(resolve: (value: T) => void, reject: (error: Error) => void) =>
  (error: Error | null, value?: T) =>
    error ? reject(error) : resolve(value as T)

export const nodeFileOps: FileOps = {
  open: (file, flags) => new Promise((resolve, reject) => fs.open(file, flags, settle(resolve, reject))),
  write: (fd, bytes, offset, length, position) =>
    new Promise((resolve, reject) => fs.write(fd, bytes, offset, length, position, settle(resolve, reject))),
  fdatasync: (fd) => new Promise((resolve, reject) => fs.fdatasync(fd, settle(resolve, reject))),
  ftruncate: (fd, length) =>
    new Promise((resolve, reject) => fs.ftruncate(fd, length, settle(resolve, reject))),
  close: (fd) => new Promise((resolve, reject) => fs.close(fd, settle(resolve, reject))),
  rename: (from, to) => new Promise((resolve, reject) => fs.rename(from, to, settle(resolve, reject))),
  remove: (file) => new Promise((resolve, reject) => fs.rm(file, { force: true }, settle(resolve, reject))),
  mkdir: (dir) =>
    new Promise((resolve, reject) => fs.mkdir(dir, { recursive: true }, settle(resolve, reject))),
  syncDir: (dir) => syncDir(dir),
}

/**
 * fsync(2) of the directory itself: a file's own fdatasync does not cover the entry naming it, so a file
 * created or renamed but not yet synced this way may be missing after a power loss.
 */
async function syncDir(dir: string): Promise<void> {
  const fd = await nodeFileOps.open(dir, 'r')
  try {
    await new Promise<void>((resolve, reject) => fs.fsync(fd, settle(resolve, reject)))
  } finally {
    await nodeFileOps.close(fd)
  }
}

/**
 * The log's queue of bytes waiting to become durable is past `queueBytesMax`. The ingest route answers
 * 503 with Retry-After: the disk is slower than the senders, and refusing early keeps memory bounded.
 */
export class LogOverloadedError extends AppError {
  constructor(queueBytes: number, queueBytesMax: number) {
    super('LOG_OVERLOADED', `event log queue is full (${queueBytes} of ${queueBytesMax} bytes waiting)`)
    this.name = 'LogOverloadedError'
  }
}

/**
 * The log cannot store the batch: the disk is full, a write or fdatasync failed, or the log is closed.
 * Nothing of the batch was acknowledged; earlier acknowledged records are untouched.
 */
export class LogUnavailableError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LOG_UNAVAILABLE', message)
    this.name = 'LogUnavailableError'
    if (options?.cause !== undefined) this.cause = options.cause
  }
}

export interface WriterStats {
  batches: number
  records: number
  /** Groups acknowledged: one write each. */
  groups: number
  fsyncs: number
  fsyncMsTotal: number
  fsyncMsMax: number
  fsyncMsLast: number
  /** Bytes accepted but not yet acknowledged. */
  queueBytes: number
  overloads: number
  writeErrors: number
  /** Every fdatasync's duration, in seconds. */
  fsyncSeconds: Histogram
  /** Records acknowledged per group commit: per fdatasync under `always`, per group under `interval`. */
  commitRecords: Histogram
}

/**
 * From 100 µs (a write cache that acknowledges at once) to 10 s (a disk close to failing): a healthy
 * SSD lands in the low buckets, a busy or networked disk in the middle ones.
 */
export const FSYNC_SECONDS_BOUNDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const

/** Powers of 4 from one record to 65536: how much each fdatasync carries, from idle to a heavy burst. */
export const COMMIT_RECORDS_BOUNDS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536] as const

export function newWriterStats(): WriterStats {
  return {
    batches: 0,
    records: 0,
    groups: 0,
    fsyncs: 0,
    fsyncMsTotal: 0,
    fsyncMsMax: 0,
    fsyncMsLast: 0,
    queueBytes: 0,
    overloads: 0,
    writeErrors: 0,
    fsyncSeconds: new Histogram(FSYNC_SECONDS_BOUNDS),
    commitRecords: new Histogram(COMMIT_RECORDS_BOUNDS),
  }
}

/** Writes all of `bytes[0, length)` at `position`, continuing after short writes. */
export async function writeAll(
  ops: FileOps,
  fd: number,
  bytes: Uint8Array,
  length: number,
  position: number,
) {
  for (let done = 0; done < length; ) {
    const written = await ops.write(fd, bytes, done, length - done, position + done)
    if (written <= 0) throw new Error('write made no progress')
    done += written
  }
}

/** fdatasync, counted and timed into `stats` (operators watch fsync latency to judge the disk). */
export async function timedFdatasync(ops: FileOps, fd: number, stats: WriterStats): Promise<void> {
  const started = performance.now()
  await ops.fdatasync(fd)
  const ms = performance.now() - started
  stats.fsyncs++
  stats.fsyncMsTotal += ms
  stats.fsyncMsLast = ms
  if (ms > stats.fsyncMsMax) stats.fsyncMsMax = ms
  stats.fsyncSeconds.observe(ms / 1000)
}
