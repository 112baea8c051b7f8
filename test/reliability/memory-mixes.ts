/**
 * Hostile mixes of requests that make the server hold memory: decompression bombs of valid events
 * (which framing keeps until the decoded cap), bombs of zeros, the largest plain bodies, and bodies that
 * are declared but arrive slowly. Shared by test/reliability/memory.test.ts (short runs, the peak RSS
 * held to `[ingest] memory_max`) and bench/memory.ts (longer runs, a table of figures).
 */
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import type { Transform } from 'node:stream'
import zlib from 'node:zlib'

const MiB = 1 << 20

/** Compresses `total` bytes made of `piece` repeated, written a piece at a time (never held whole). */
async function compressRepeated(
  compressor: Transform,
  piece: Uint8Array,
  total: number,
): Promise<Uint8Array> {
  const parts: Buffer[] = []
  compressor.on('data', (part: Buffer) => parts.push(part))
  const ended = new Promise((resolve, reject) => compressor.on('end', resolve).on('error', reject))
  for (let written = 0; written < total; written += piece.length) {
    if (!compressor.write(piece)) await new Promise((resolve) => compressor.once('drain', resolve))
  }
  compressor.end()
  await ended
  return new Uint8Array(Buffer.concat(parts))
}

export type Coding = 'gzip' | 'br' | 'zstd'

const compressors: Record<Coding, () => Transform> = {
  gzip: () => zlib.createGzip({ level: 6 }),
  br: () => zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }),
  // The largest window Content-Encoding zstd may use (8 MiB, RFC 9659), so decoding fills all of it.
  zstd: () =>
    zlib.createZstdCompress({
      params: { [zlib.constants.ZSTD_c_windowLog]: 23, [zlib.constants.ZSTD_c_compressionLevel]: 3 },
    }),
}

export interface Bodies {
  /** 200 MB of valid 10 KB events, compressed: framing holds events until the decoded cap stops it. */
  events: Record<Coding, Uint8Array>
  /** 256 MiB of zeros, compressed. */
  zeros: Record<Coding, Uint8Array>
  /** A 1 MiB JSON array of 1 KB events, sent as is: the largest request that is stored. */
  largest: Uint8Array
}

export async function makeBodies(): Promise<Bodies> {
  const event = new TextEncoder().encode(`${JSON.stringify({ kind: 'bomb', pad: 'x'.repeat(10_000) })}\n`)
  const zeros = new Uint8Array(MiB)
  const codings: Coding[] = ['gzip', 'br', 'zstd']
  const events = {} as Record<Coding, Uint8Array>
  const zeroBombs = {} as Record<Coding, Uint8Array>
  for (const coding of codings) {
    events[coding] = await compressRepeated(compressors[coding](), event, 200_000_000)
    zeroBombs[coding] = await compressRepeated(compressors[coding](), zeros, 256 * MiB)
  }
  const small = JSON.stringify({ kind: 'largest', pad: 'y'.repeat(1000) })
  const count = Math.floor((MiB - 4096) / (small.length + 1))
  const largest = new TextEncoder().encode(`[${Array.from({ length: count }, () => small).join(',')}]`)
  return { events, zeros: zeroBombs, largest }
}

export interface Sender {
  /** One request: a fetch to make, or a raw socket sender. */
  send(url: string): Promise<number>
}

export const bomb = (body: Uint8Array, coding: Coding): Sender => ({
  send: (url) => post(url, body, { 'content-encoding': coding }),
})

export const plain = (body: Uint8Array): Sender => ({ send: (url) => post(url, body, {}) })

/** Declares a 1 MiB body, then sends it at `bytesPerSecond`; the server must charge it before it arrives. */
export const slowDeclared = (bytesPerSecond: number, seconds: number): Sender => ({
  send: (url) =>
    new Promise((resolve) => {
      const { hostname, port, pathname } = new URL(url)
      const socket = connect(Number(port), hostname)
      let answer = ''
      let timer: ReturnType<typeof setInterval> | undefined
      const finish = () => {
        clearInterval(timer)
        socket.destroy()
        resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0))
      }
      socket.on('data', (data) => {
        answer += data.toString('latin1')
        if (answer.includes('\r\n\r\n')) finish()
      })
      socket.on('error', finish)
      socket.on('close', finish)
      socket.write(`POST ${pathname} HTTP/1.1\r\nhost: x\r\ncontent-length: ${MiB - 256}\r\n\r\n`)
      const piece = Buffer.alloc(Math.max(1, Math.floor(bytesPerSecond / 10)), 0x20)
      let sent = 0
      timer = setInterval(() => {
        if (sent >= bytesPerSecond * seconds) return finish()
        socket.write(piece)
        sent += piece.length
      }, 100)
    }),
})

async function post(url: string, body: Uint8Array, headers: Record<string, string>): Promise<number> {
  try {
    const response = await fetch(url, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer> })
    await response.arrayBuffer()
    return response.status
  } catch {
    return 0
  }
}

export interface MixResult {
  statuses: Map<number, number>
  requests: number
}

/** Runs each sender in its own loop until `seconds` pass; returns the answers by status (0: no answer). */
export async function runMix(url: string, senders: Sender[], seconds: number): Promise<MixResult> {
  const statuses = new Map<number, number>()
  let requests = 0
  const until = Date.now() + seconds * 1000
  await Promise.all(
    senders.map(async (sender) => {
      while (Date.now() < until) {
        const status = await sender.send(url)
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        requests++
      }
    }),
  )
  return { statuses, requests }
}

/** The process's peak resident memory so far (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

export const showStatuses = (statuses: Map<number, number>) =>
  [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ')

/** The mixes, by name: each a list of senders to run at once. */
export function mixes(bodies: Bodies): Record<string, Sender[]> {
  const each = <T>(n: number, make: (i: number) => T) => Array.from({ length: n }, (_, i) => make(i))
  const codings: Coding[] = ['gzip', 'br', 'zstd']
  return {
    'gzip event bombs ×16': each(16, () => bomb(bodies.events.gzip, 'gzip')),
    'brotli event bombs ×16': each(16, () => bomb(bodies.events.br, 'br')),
    'zstd event bombs ×16': each(16, () => bomb(bodies.events.zstd, 'zstd')),
    'zero bombs ×16 (all codings)': each(16, (i) => bomb(bodies.zeros[codings[i % 3]!], codings[i % 3]!)),
    'mixed ×16: event and zero bombs, 1 MiB bodies': [
      ...each(6, (i) => bomb(bodies.events[codings[i % 3]!], codings[i % 3]!)),
      ...each(4, (i) => bomb(bodies.zeros[codings[i % 3]!], codings[i % 3]!)),
      ...each(6, () => plain(bodies.largest)),
    ],
    '1 MiB bodies ×32': each(32, () => plain(bodies.largest)),
    'slow declared 1 MiB bodies ×300': each(300, () => slowDeclared(20_000, 3)),
  }
}

/** The mixes' names, known before any body is made. */
export function mixNames(): string[] {
  const none = new Uint8Array(0)
  const each = { gzip: none, br: none, zstd: none }
  return Object.keys(mixes({ events: each, zeros: each, largest: none }))
}
