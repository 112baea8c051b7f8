/**
 * Decompression bombs: 1 GiB of zeros in about 1 MB (gzip), 190 KB (brotli) or 32 KB (zstd) must end in a
 * 413 at the cap without the process ever holding much more than the cap. Each test's timeout bounds its
 * time; bench/ is the place for measurements.
 */
import { expect, test } from 'bun:test'
import type { Transform } from 'node:stream'
import zlib from 'node:zlib'
import { decodeBody, type Encoding } from '../../src/ingest/decode/index.ts'

const MiB = 1 << 20
const BOMB_BYTES = 1024 * MiB
const CAP_BYTES = 64 * MiB
/** Twice the cap: what the decoders may hold beyond it (windows, buffers) is far less than that. */
const RSS_GROWTH_MAX = 128 * MiB

/** Compresses `bytes` zeros, written 1 MiB at a time, so the test never holds the decoded size either. */
async function zeros(compressor: Transform, bytes = BOMB_BYTES): Promise<Uint8Array> {
  const parts: Buffer[] = []
  compressor.on('data', (part: Buffer) => parts.push(part))
  const ended = new Promise((resolve, reject) => compressor.on('end', resolve).on('error', reject))
  const piece = Buffer.alloc(MiB)
  for (let written = 0; written < bytes; written += piece.length) {
    if (!compressor.write(piece)) await new Promise((resolve) => compressor.once('drain', resolve))
  }
  compressor.end()
  await ended
  return new Uint8Array(Buffer.concat(parts))
}

/** Decodes the bomb against the cap and reports the peak RSS growth seen while doing so. */
async function detonate(body: Uint8Array, encodings: Encoding[]) {
  Bun.gc(true)
  const rssBefore = process.memoryUsage().rss
  let rssPeak = rssBefore
  let decodedBytes = 0
  let error: unknown
  try {
    for await (const chunk of decodeBody(body, encodings, CAP_BYTES)) {
      decodedBytes += chunk.length
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
    }
  } catch (caught) {
    error = caught
  }
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
  return { error, decodedBytes, rssGrowth: rssPeak - rssBefore }
}

const BOMBS: [name: string, encodings: Encoding[], make: () => Promise<Uint8Array>][] = [
  ['gzip', ['gzip'], () => zeros(zlib.createGzip())],
  [
    'brotli',
    ['br'],
    () => zeros(zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } })),
  ],
  [
    'zstd',
    ['zstd'],
    () => zeros(zlib.createZstdCompress({ params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 } })),
  ],
  [
    // The largest window Content-Encoding zstd allows (8 MiB, RFC 9659).
    'zstd with an 8 MiB window',
    ['zstd'],
    () => zeros(zlib.createZstdCompress({ params: { [zlib.constants.ZSTD_c_windowLog]: 23 } })),
  ],
  [
    // A gzip bomb compressed again: the outer stage is small, the inner one meets the cap.
    'gzip inside gzip',
    ['gzip', 'gzip'],
    async () => new Uint8Array(zlib.gzipSync(await zeros(zlib.createGzip()))),
  ],
]

test.each(BOMBS)(
  '%s bomb of 1 GiB stops at the cap with a 413 and bounded memory',
  async (_name, encodings, make) => {
    const body = await make()
    expect(body.length).toBeLessThan(1.1 * MiB)
    const { error, decodedBytes, rssGrowth } = await detonate(body, encodings)
    expect(error).toMatchObject({ code: 'DECODED_TOO_LARGE', status: 413 })
    expect(decodedBytes).toBeLessThanOrEqual(CAP_BYTES)
    expect(rssGrowth).toBeLessThan(RSS_GROWTH_MAX)
  },
  10_000,
)

test('a zstd frame asking for more than an 8 MiB window is refused before a byte of it is decoded', async () => {
  // The largest window Bun's zstd decoder would accept (128 MiB): 30 bytes could make it set that aside.
  const body = await zeros(zlib.createZstdCompress({ params: { [zlib.constants.ZSTD_c_windowLog]: 27 } }))
  const { error, decodedBytes } = await detonate(body, ['zstd'])
  expect(error).toMatchObject({ code: 'DECODE_FAILED', status: 400 })
  expect((error as Error).message).toContain('RFC 9659')
  expect(decodedBytes).toBe(0)
}, 10_000)
