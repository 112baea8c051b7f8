/**
 * The garbage collector, and the process's resident memory. Ingest's admission (ingest/admission.ts)
 * counts the bytes requests let go of and asks for a collection once they add up, because Bun's
 * collector paces itself by the JavaScript heap while most of a large request's garbage is byte buffers
 * (the body, decoded chunks, stored events), which that pacing undercounts: left to itself, the process
 * grew to 310–450 MB under concurrent decompression bombs whose live bytes stayed under 130 MiB.
 */
import { openSync, readSync } from 'node:fs'

/** Runs the collector to completion: a few milliseconds, more on a large heap. */
export function collectGarbage(): void {
  // Only Bun has a collector to ask; elsewhere the runtime's own pacing has to do.
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun
  bun?.gc(true)
}

/**
 * The process's resident memory (RSS), in bytes. On Linux it is read from /proc/self/statm, kept open:
 * about 2 µs a read, against 10 µs for process.memoryUsage.rss(), which admission asks for often.
 */
export function residentBytes(): number {
  if (statm === undefined) statm = openStatm()
  if (statm === null) return process.memoryUsage.rss()
  const length = readSync(statm, statmText, 0, statmText.length, 0)
  // "size resident shared text lib data dt", in pages.
  const first = statmText.indexOf(0x20)
  const second = statmText.indexOf(0x20, first + 1)
  if (first < 0 || second < 0 || second > length) return process.memoryUsage.rss()
  return Number(statmText.toString('latin1', first + 1, second)) * PAGE_BYTES
}

/** Linux's page size on the machines Inlet runs on (x86-64 and arm64 with 4 KiB pages). */
const PAGE_BYTES = 4096
const statmText = Buffer.alloc(128)
let statm: number | null | undefined

/** The file, kept open for the process's life; null where there is no /proc (not Linux). */
function openStatm(): number | null {
  try {
    return openSync('/proc/self/statm', 'r')
  } catch {
    return null
  }
}
