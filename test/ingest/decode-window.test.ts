import { describe, expect, test } from 'bun:test'
import zlib from 'node:zlib'
import { decodeBody } from '../../src/ingest/decode/index.ts'
import { brotliWindowBytes, ZSTD_WINDOW_MAX, ZstdFrames } from '../../src/ingest/decode/window.ts'

const data = Buffer.from('a line of log text, repeated for the compressor\n'.repeat(40_000))
const { constants } = zlib

/** Compresses `input` as a stream, so the frame declares a window rather than its content size. */
async function zstdStream(input: Uint8Array, windowLog: number, checksum = false): Promise<Buffer> {
  const compressor = zlib.createZstdCompress({
    params: { [constants.ZSTD_c_windowLog]: windowLog, [constants.ZSTD_c_checksumFlag]: checksum ? 1 : 0 },
  })
  const parts: Buffer[] = []
  compressor.on('data', (part: Buffer) => parts.push(part))
  const ended = new Promise((resolve) => compressor.on('end', resolve))
  compressor.end(input)
  await ended
  return Buffer.concat(parts)
}

/** Feeds `bytes` to a frame watcher `step` bytes at a time; its largest window, or the refusal. */
function watch(bytes: Uint8Array, step = bytes.length): number | string {
  const frames = new ZstdFrames()
  try {
    for (let at = 0; at < bytes.length; at += step) frames.feed(bytes.subarray(at, at + step))
    return frames.windowBytes
  } catch (error) {
    return (error as Error).message
  }
}

describe('zstd frames', () => {
  test('a streamed frame declares its window; one of exactly 8 MiB passes', async () => {
    expect(watch(await zstdStream(data, 20))).toBe(1 << 20)
    expect(watch(await zstdStream(data, 23, true), 1)).toBe(ZSTD_WINDOW_MAX)
  })

  test('a frame asking for more than 8 MiB is refused, naming RFC 9659', async () => {
    const refused = watch(await zstdStream(data, 27))
    expect(refused).toContain('RFC 9659')
    expect(refused).toContain('134217728')
  })

  test('a single-segment frame takes its content size for its window', () => {
    expect(watch(zlib.zstdCompressSync(data))).toBe(data.length)
  })

  test('frames are followed past each other, skippable frames and checksums, whatever the chunking', async () => {
    const small = zlib.zstdCompressSync(Buffer.from('x'.repeat(300)))
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc')])
    const large = await zstdStream(data, 27)
    const body = Buffer.concat([small, skippable, await zstdStream(data, 21, true), small, large])
    for (const step of [1, 7, 4096, body.length]) expect(watch(body, step)).toContain('RFC 9659')
    expect(watch(Buffer.concat([small, skippable, await zstdStream(data, 21, true)]), 3)).toBe(1 << 21)
  })

  test('bytes that are not zstd are left for the decoder to refuse', () => {
    expect(watch(Buffer.from('not zstd at all'))).toBe(0)
  })
})

describe('brotli window', () => {
  test('read from the first byte, for every window a compressor writes', () => {
    for (const lgwin of [10, 12, 16, 17, 18, 20, 22, 24]) {
      const compressed = zlib.brotliCompressSync(data, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_LGWIN]: lgwin },
      })
      expect({ lgwin, window: brotliWindowBytes(compressed[0]!) }).toEqual({ lgwin, window: 2 ** lgwin - 16 })
    }
  })
})

describe('the decoder charges its window and each chunk it holds', () => {
  test('every reserve is released by the end; the window is charged as it fills, up to its size', async () => {
    const meter = { held: 0, peak: 0, windowSeen: 0 }
    const counting = {
      reserve(bytes: number) {
        meter.held += bytes
        meter.peak = Math.max(meter.peak, meter.held)
      },
      release(bytes: number) {
        meter.held -= bytes
      },
    }
    const body = new Uint8Array(await zstdStream(data, 20))
    let decoded = 0
    let largestChunk = 0
    for await (const chunk of decodeBody(body, ['zstd'], 64 << 20, counting)) {
      decoded += chunk.length
      largestChunk = Math.max(largestChunk, chunk.length)
    }
    expect(decoded).toBe(data.length)
    expect(meter.held).toBe(0)
    expect(meter.peak).toBeGreaterThan(1 << 20)
    expect(meter.peak).toBeLessThanOrEqual((1 << 20) + largestChunk)
  })
})
