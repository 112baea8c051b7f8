/**
 * The garbage collector, asked to run to completion. Ingest's admission (ingest/admission.ts) counts
 * the bytes requests let go of and asks for a collection once they add up, because Bun's collector
 * paces itself by the JavaScript heap while most of a large request's garbage is byte buffers (the body,
 * decoded chunks, stored events), which that pacing undercounts: left to itself, the process grew to
 * 310–450 MB under concurrent decompression bombs whose live bytes stayed under 130 MiB.
 */
export function collectGarbage(): void {
  // Only Bun has a collector to ask; elsewhere the runtime's own pacing has to do.
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun
  bun?.gc(true)
}

/** The process's resident memory (RSS), in bytes. */
export const residentBytes = (): number => process.memoryUsage.rss()
