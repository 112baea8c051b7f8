/** The decode stage: Content-Encoding parsing, magic-byte sniffing, and bodies decoded through a byte cap. */
import { describe, expect, test } from 'bun:test'
import zlib from 'node:zlib'
import {
  CODINGS_MAX,
  decodeBody,
  type Encoding,
  parseContentEncoding,
  sniffEncoding,
} from '../../src/ingest/decode/index.ts'

const NDJSON = new TextEncoder().encode(
  Array.from({ length: 500 }, (_, i) =>
    JSON.stringify({ ts: new Date(1.7e12 + i * 1000).toISOString(), i, path: `/api/v1/items/${i * 7}` }),
  ).join('\n'),
)

/** Lower brotli quality than node's default of 11 keeps the tests fast; the format is the same. */
const compressors: Record<string, (bytes: Uint8Array) => Uint8Array> = {
  gzip: (bytes) => zlib.gzipSync(bytes),
  zlib: (bytes) => zlib.deflateSync(bytes),
  'raw deflate': (bytes) => zlib.deflateRawSync(bytes),
  brotli: (bytes) => zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }),
  zstd: (bytes) => zlib.zstdCompressSync(bytes),
}
const compress = (format: string, bytes: Uint8Array) => new Uint8Array(compressors[format]!(bytes))

/** Each format with the Content-Encoding a sender labels it with. */
const FORMATS: [format: string, header: string][] = [
  ['gzip', 'gzip'],
  ['zlib', 'deflate'],
  ['raw deflate', 'deflate'],
  ['brotli', 'br'],
  ['zstd', 'zstd'],
]

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return new Uint8Array(Buffer.concat(parts))
}

const decode = (body: Uint8Array, header: string | null, decodedBytesMax = 1 << 20) =>
  collect(decodeBody(body, parseContentEncoding(header), decodedBytesMax))

describe('parseContentEncoding', () => {
  test('no header means no decoding', () => {
    expect(parseContentEncoding(null)).toEqual([])
  })

  test.each([
    ['gzip', ['gzip']],
    ['x-gzip', ['gzip']],
    ['deflate', ['deflate']],
    ['br', ['br']],
    ['zstd', ['zstd']],
    ['identity', []],
    ['  GZip ', ['gzip']],
    ['X-GZIP,BR', ['br', 'gzip']],
    ['gzip , identity,, br ,', ['br', 'gzip']],
  ] satisfies [string, Encoding[]][])('%p → %p', (header, encodings) => {
    expect(parseContentEncoding(header)).toEqual(encodings)
  })

  test('codings are undone in the reverse of the order they were applied (RFC 9110 §8.4)', () => {
    expect(parseContentEncoding('deflate, zstd')).toEqual(['zstd', 'deflate'])
  })

  test('an unknown coding is a 415 that names it and the supported ones', () => {
    expect(() => parseContentEncoding('gzip, foo')).toThrow(
      expect.objectContaining({
        code: 'UNSUPPORTED_ENCODING',
        status: 415,
        message: 'Content-Encoding "foo" is not supported; use gzip, deflate, br, zstd or identity',
      }),
    )
    expect(() => parseContentEncoding('compress')).toThrow(expect.objectContaining({ status: 415 }))
  })

  test('more codings than CODINGS_MAX are a 415', () => {
    const header = Array.from({ length: CODINGS_MAX + 1 }, () => 'gzip').join(', ')
    expect(() => parseContentEncoding(header)).toThrow(expect.objectContaining({ status: 415 }))
  })
})

describe('sniffEncoding', () => {
  test.each([
    ['gzip', 'gzip'],
    ['zlib', 'deflate'],
    ['zstd', 'zstd'],
  ])('%s is recognised by its first bytes', (format, encoding) => {
    expect(sniffEncoding(compress(format, NDJSON))).toBe(encoding as Encoding)
  })

  test('plain JSON, brotli and raw deflate have no magic, so they are not sniffed', () => {
    expect(sniffEncoding(NDJSON)).toBeNull()
    expect(sniffEncoding(new TextEncoder().encode('[{"a":1}]'))).toBeNull()
    expect(sniffEncoding(compress('brotli', NDJSON))).toBeNull()
    expect(sniffEncoding(compress('raw deflate', NDJSON))).toBeNull()
    expect(sniffEncoding(new Uint8Array(0))).toBeNull()
  })

  test('a sniffed body decodes', async () => {
    const body = compress('zstd', NDJSON)
    const encoding = sniffEncoding(body)!
    expect(await collect(decodeBody(body, [encoding], 1 << 20))).toEqual(NDJSON)
  })
})

describe('decodeBody', () => {
  test.each(FORMATS)('%s labelled %p decodes', async (format, header) => {
    expect(await decode(compress(format, NDJSON), header)).toEqual(NDJSON)
  })

  test('x-gzip and an uppercase, padded header decode like gzip', async () => {
    const body = compress('gzip', NDJSON)
    expect(await decode(body, 'x-gzip')).toEqual(NDJSON)
    expect(await decode(body, ' GZIP ')).toEqual(NDJSON)
  })

  test('with no codings, or identity only, the body itself comes back once', async () => {
    for (const header of [null, 'identity']) {
      const chunks: Uint8Array[] = []
      for await (const chunk of decodeBody(NDJSON, parseContentEncoding(header), 1)) chunks.push(chunk)
      expect(chunks).toHaveLength(1)
      expect(chunks[0]).toBe(NDJSON)
    }
  })

  test('"gzip, br" means gzip then brotli, so brotli is undone first', async () => {
    expect(await decode(compress('brotli', compress('gzip', NDJSON)), 'gzip, br')).toEqual(NDJSON)
    expect(await decode(compress('gzip', compress('zstd', NDJSON)), 'zstd, gzip')).toEqual(NDJSON)
  })

  test('a body larger than one input slice decodes whole', async () => {
    const random = crypto.getRandomValues(new Uint8Array(60_000))
    const big = new Uint8Array(Buffer.concat([random, random, random, NDJSON]))
    expect(await decode(compress('gzip', big), 'gzip')).toEqual(big)
  })

  test.each(FORMATS)(
    '%s: a cap of exactly the decoded size passes, one byte less is a 413',
    async (format, header) => {
      const body = compress(format, NDJSON)
      expect(await decode(body, header, NDJSON.length)).toEqual(NDJSON)
      await expect(decode(body, header, NDJSON.length - 1)).rejects.toMatchObject({
        code: 'DECODED_TOO_LARGE',
        status: 413,
        message: `decompressed body is larger than ${NDJSON.length - 1} bytes`,
      })
    },
  )

  test('the cap applies to an intermediate stage too', async () => {
    // Brotli makes random bytes slightly larger, so the middle stage is the largest of the three.
    const random = crypto.getRandomValues(new Uint8Array(100_000))
    const middle = compress('brotli', random)
    const body = compress('gzip', middle)
    expect(middle.length).toBeGreaterThan(random.length)
    await expect(decode(body, 'br, gzip', random.length)).rejects.toMatchObject({ status: 413 })
    expect(await decode(body, 'br, gzip', middle.length)).toEqual(random)
  })

  test.each(FORMATS)('%s cut short is a 400, wherever it is cut', async (format, header) => {
    const body = compress(format, NDJSON)
    for (const length of [body.length >> 1, body.length - 4, body.length - 1]) {
      await expect(decode(body.subarray(0, length), header)).rejects.toMatchObject({
        code: 'DECODE_FAILED',
        status: 400,
        message: expect.stringMatching(new RegExp(`^body is not valid ${header}: .+`)),
      })
    }
  })

  test.each(FORMATS.filter(([format]) => format !== 'raw deflate'))(
    '%s with a corrupted byte is a 400',
    async (format, header) => {
      const body = compress(format, NDJSON)
      body[body.length - 6]! ^= 0xff
      await expect(decode(body, header)).rejects.toMatchObject({ code: 'DECODE_FAILED', status: 400 })
    },
  )

  test('plain JSON labelled as compressed is a 400', async () => {
    for (const header of ['gzip', 'deflate', 'br', 'zstd']) {
      await expect(decode(NDJSON, header)).rejects.toMatchObject({ code: 'DECODE_FAILED', status: 400 })
    }
  })

  test('a consumer may stop reading early', async () => {
    const body = compress('gzip', new Uint8Array(32 << 20))
    for await (const chunk of decodeBody(body, ['gzip'], 1 << 30)) {
      expect(chunk.length).toBeGreaterThan(0)
      break
    }
  })
})
