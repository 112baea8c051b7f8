/**
 * The decode stage of the ingest path: the raw body (already read, at most 1 MiB) → its content codings
 * undone, one DecompressionStream per coding, with every stage's output counted against one byte cap.
 *
 * Why it is shaped this way, as measured on Bun 1.4.5 with 1 GiB of zeros compressed (gzip 1.0 MB,
 * brotli 190 KB, zstd 32 KB) and a 64 MiB cap:
 * - Bun's DecompressionStream is lazy for every format: it decodes only when its reader pulls and hands
 *   out at most 64 KiB a read (or one input chunk's length, if larger). Writing a whole bomb and never
 *   reading grew RSS by 5 MiB. So pulling one chunk at a time and counting bounds memory whatever the
 *   ratio; RSS grew by 11 MiB (gzip), 16 MiB (brotli) and 9 MiB (zstd) before the cap stopped them
 *   (test/adversarial/bombs.test.ts). Decoding a 10 KB gzip body to 70 KB this way costs about the same
 *   as node:zlib's gunzipSync (roughly 75-110 µs here, nearly all of it inflate); setup adds about 10 µs.
 * - A zstd frame may ask for a window of up to 128 MiB (larger ones are refused), but its pages are
 *   touched only as output is produced, so a zstd stage holds at most about the cap (72 MiB measured).
 * - The input goes in through a pull-based stream in 16 KiB slices, so a decoder is never handed more
 *   than it asks for; that also keeps runtimes whose decoders are eager per chunk bounded (support.ts).
 * - Bun rejects data cut anywhere, even inside the trailer, for gzip, zlib, raw deflate, brotli and zstd
 *   ("unexpected end of file"), so no trailer check of our own is needed. Deno's deflate decoder accepts
 *   truncated zlib and raw deflate silently; raw deflate has no trailer to check it by.
 */
import { AppError } from '../../errors.ts'
import type { Encoding } from './encoding.ts'
import { assertDecodable, decompressor, formatOf } from './support.ts'

export { CODINGS_MAX, type Encoding, parseContentEncoding, sniffEncoding } from './encoding.ts'

/** Bytes in an ArrayBuffer (not shared memory), which is what DecompressionStream's writable takes. */
type Bytes = Uint8Array<ArrayBuffer>

/** Input slice size: small enough that an eager decoder's output per slice stays small. */
const SLICE_BYTES = 16 << 10

/** Enough leading bytes to tell zlib from raw deflate. */
const HEAD_BYTES = 2

/** The longest decoder message quoted in a 400, so the answer stays one short line. */
const REASON_CHARS_MAX = 120

/**
 * Decodes the whole raw body through `encodings`, in order, yielding decoded chunks as they come. Each
 * stage, intermediate ones too, may produce at most `decodedBytesMax` bytes: one more is a 413 and
 * cancels every stream at once. Corrupt or truncated data is a 400. With no encodings, yields `body`.
 */
export function decodeBody(
  body: Uint8Array,
  encodings: readonly Encoding[],
  decodedBytesMax: number,
): AsyncIterable<Uint8Array> {
  // A request body is read into a fresh ArrayBuffer, never into shared memory.
  let chunks: AsyncIterable<Bytes> = once(body as Bytes)
  for (const encoding of encodings) chunks = decodeStage(chunks, encoding, decodedBytesMax)
  return chunks
}

async function* once(body: Bytes): AsyncGenerator<Bytes> {
  yield body
}

/** One coding undone: pulls its input only as the decoder asks for it, and counts what comes out. */
async function* decodeStage(
  input: AsyncIterable<Bytes>,
  encoding: Encoding,
  decodedBytesMax: number,
): AsyncGenerator<Bytes> {
  const iterator = input[Symbol.asyncIterator]()
  let reader: ReadableStreamDefaultReader<Bytes> | undefined
  let finished = false
  try {
    const head = await readHead(iterator)
    const format = formatOf(encoding, firstBytes(head))
    await assertDecodable(encoding, format)
    const output = pullStream(slices(head, iterator)).pipeThrough(decompressor(format)).getReader()
    reader = output
    let decodedBytes = 0
    for (;;) {
      const result = await output.read().catch((error: unknown) => {
        throw error instanceof AppError ? error : decodeFailed(encoding, error)
      })
      if (result.done) break
      decodedBytes += result.value.length
      if (decodedBytes > decodedBytesMax) {
        throw new AppError('DECODED_TOO_LARGE', `decompressed body is larger than ${decodedBytesMax} bytes`)
      }
      yield result.value
    }
    finished = true
  } finally {
    // Cancelling the reader cancels the decoder and, through the pipe, the input; returning the
    // iterator also stops the input when it failed before the pipe existed.
    if (!finished) {
      await reader?.cancel().catch(() => {})
      await iterator.return?.()
    }
  }
}

/** Reads input chunks until at least HEAD_BYTES bytes (or the end) are in hand, to choose the format. */
async function readHead(iterator: AsyncIterator<Bytes>): Promise<Bytes[]> {
  const head: Bytes[] = []
  let bytes = 0
  while (bytes < HEAD_BYTES) {
    const next = await iterator.next()
    if (next.done) break
    head.push(next.value)
    bytes += next.value.length
  }
  return head
}

/** The first HEAD_BYTES bytes, which a decoder upstream may have handed out one chunk each. */
function firstBytes(head: Bytes[]): Uint8Array {
  const bytes = head.flatMap((chunk) => Array.from(chunk.subarray(0, HEAD_BYTES)))
  return Uint8Array.from(bytes.slice(0, HEAD_BYTES))
}

/**
 * A stream that asks `chunks` for the next one only when its reader pulls: with a high-water mark of 0
 * nothing is read ahead, so the decoder is never handed input it has not asked for.
 */
function pullStream(chunks: AsyncIterator<Bytes>): ReadableStream<Bytes> {
  return new ReadableStream<Bytes>(
    {
      async pull(controller) {
        const next = await chunks.next()
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      },
      async cancel() {
        await chunks.return?.()
      },
    },
    { highWaterMark: 0 },
  )
}

/** The head chunks, then the rest of the input, in slices of at most SLICE_BYTES. */
async function* slices(head: Bytes[], rest: AsyncIterator<Bytes>): AsyncGenerator<Bytes> {
  for (const chunk of head) yield* sliced(chunk)
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield* sliced(next.value)
}

function* sliced(chunk: Bytes): Generator<Bytes> {
  for (let offset = 0; offset < chunk.length; offset += SLICE_BYTES) {
    yield chunk.subarray(offset, offset + SLICE_BYTES)
  }
}

function decodeFailed(encoding: Encoding, error: unknown): AppError {
  const reason = (error instanceof Error ? error.message : String(error)).trim() || 'corrupt data'
  return new AppError('DECODE_FAILED', `body is not valid ${encoding}: ${reason.slice(0, REASON_CHARS_MAX)}`)
}
