/**
 * Properties of the decode stage (src/ingest/decode): a body compressed with one or two codings decodes to
 * exactly the original bytes, or to a 413 when some stage's output passes the cap; a damaged body (bits
 * flipped, bytes inserted or deleted, cut short, garbage appended) decodes or fails with a 400, 413 or 415
 * AppError; and in every case no more than the cap is ever handed on.
 */
import { expect, test } from 'bun:test'
import zlib from 'node:zlib'
import fc from 'fast-check'
import { AppError } from '../../src/errors.ts'
import { decodeBody, type Encoding, parseContentEncoding } from '../../src/ingest/decode/index.ts'
import { FUZZ_TIMEOUT_MS, fuzz, mutate, mutations } from './fuzz.ts'

/** Each format with the coding a sender labels it with; many label raw deflate as `deflate`. */
const FORMATS: Record<string, [Encoding, (bytes: Uint8Array) => Uint8Array]> = {
  gzip: ['gzip', (bytes) => zlib.gzipSync(bytes)],
  zlib: ['deflate', (bytes) => zlib.deflateSync(bytes)],
  'raw deflate': ['deflate', (bytes) => zlib.deflateRawSync(bytes)],
  // A lower quality than node's default of 11 keeps the runs fast; the format is the same.
  brotli: [
    'br',
    (bytes) => zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }),
  ],
  zstd: ['zstd', (bytes) => zlib.zstdCompressSync(bytes)],
}

/** Random bytes (incompressible), or text repeated (a ratio of hundreds), sometimes past 64 KiB. */
const original = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4000 }))
    .map(([text, times]) => new TextEncoder().encode(text.repeat(times))),
)

/** One or two formats, in the order they were applied. */
const formats = fc.array(fc.constantFrom(...Object.keys(FORMATS)), { minLength: 1, maxLength: 2 })

interface Compressed {
  body: Uint8Array
  /** The decoders to apply, in order: the formats' codings, last applied first. */
  encodings: Encoding[]
  /** What each decoder must produce, in the order they run; the last is the original. */
  stages: Uint8Array[]
}

function compress(bytes: Uint8Array, applied: string[]): Compressed {
  const layers = [bytes]
  for (const format of applied) layers.push(new Uint8Array(FORMATS[format]![1](layers.at(-1)!)))
  return {
    body: layers.at(-1)!,
    encodings: applied.map((format) => FORMATS[format]![0]).reverse(),
    stages: layers.slice(0, -1).reverse(),
  }
}

/** Caps around the interesting points: exactly the original's size, one byte less, small, and large. */
const cap = (size: number) =>
  fc.oneof(fc.constantFrom(size, Math.max(size - 1, 0), 1 << 20), fc.integer({ min: 0, max: 4096 }))

type Decoded = { bytes: Uint8Array } | { error: AppError }

/** Decodes the whole body, checking as it goes that no more than the cap is handed on. */
async function decode(body: Uint8Array, encodings: Encoding[], decodedBytesMax: number): Promise<Decoded> {
  const parts: Uint8Array[] = []
  let total = 0
  try {
    for await (const chunk of decodeBody(body, encodings, decodedBytesMax)) {
      total += chunk.length
      expect(total).toBeLessThanOrEqual(decodedBytesMax)
      parts.push(chunk)
    }
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    return { error }
  }
  return { bytes: new Uint8Array(Buffer.concat(parts)) }
}

const errorOf = (decoded: Decoded) => ('error' in decoded ? decoded.error : null)

test(
  'a compressed body decodes to exactly its bytes, or to a 413 when a stage passes the cap',
  async () => {
    const cases = fc
      .tuple(original, formats)
      .chain(([bytes, applied]) => fc.tuple(fc.constant(compress(bytes, applied)), cap(bytes.length)))
    const property = fc.asyncProperty(cases, async ([{ body, encodings, stages }, max]) => {
      const decoded = await decode(body, encodings, max)
      if (stages.some((stage) => stage.length > max)) {
        expect(errorOf(decoded)).toMatchObject({ code: 'DECODED_TOO_LARGE', status: 413 })
      } else {
        expect(decoded).toEqual({ bytes: stages.at(-1)! })
      }
    })
    await fc.assert(property, fuzz(300))
  },
  FUZZ_TIMEOUT_MS,
)

test(
  'a damaged compressed body decodes or fails with a 400, 413 or 415, within the cap',
  async () => {
    const cases = fc.tuple(original, formats, mutations).chain(([bytes, applied, changes]) => {
      const { body, encodings } = compress(bytes, applied)
      return fc.tuple(fc.constant(mutate(body, changes)), fc.constant(encodings), cap(bytes.length))
    })
    const property = fc.asyncProperty(cases, async ([body, encodings, max]) => {
      const error = errorOf(await decode(body, encodings, max))
      if (error) expect([400, 413, 415]).toContain(error.status)
    })
    await fc.assert(property, fuzz(600))
  },
  FUZZ_TIMEOUT_MS,
)

test(
  'any Content-Encoding header reads as at most two codings or fails with a 415',
  () => {
    const header = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 40 }),
      fc
        .array(
          fc.constantFrom('gzip', 'x-gzip', 'GZip', 'deflate', 'br', 'zstd', 'identity', '', ' ', 'compress'),
          {
            maxLength: 5,
          },
        )
        .map((names) => names.join(',')),
    )
    fc.assert(
      fc.property(header, (value) => {
        try {
          expect(parseContentEncoding(value).length).toBeLessThanOrEqual(2)
        } catch (error) {
          expect(error).toBeInstanceOf(AppError)
          expect((error as AppError).status).toBe(415)
        }
      }),
      fuzz(1000),
    )
  },
  FUZZ_TIMEOUT_MS,
)
