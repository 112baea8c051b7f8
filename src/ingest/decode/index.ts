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
 * - A decoder also keeps a window of past output, whose pages it touches only as it fills them: 32 KiB
 *   for gzip and deflate, up to 16 MiB for brotli, and for zstd whatever each frame asks, up to 128 MiB
 *   (a 64 MiB zstd bomb held 72 MiB). Zstd frames needing more than 8 MiB are refused, as RFC 9659
 *   allows for the HTTP content coding (window.ts), and each stage charges its window to the caller's
 *   meter as it fills, beside every chunk it hands out.
 * - The input goes in through a pull-based stream in 16 KiB slices, so a decoder is never handed more
 *   than it asks for; that also keeps runtimes whose decoders are eager per chunk bounded (support.ts).
 * - Bun rejects data cut anywhere, even inside the trailer, for gzip, zlib, raw deflate, brotli and zstd
 *   ("unexpected end of file"), so no trailer check of our own is needed. Deno's deflate decoder accepts
 *   truncated zlib and raw deflate silently; raw deflate has no trailer to check it by.
 */
import type { Meter } from '../../body.ts'
import { AppError } from '../../errors.ts'
import type { Encoding } from './encoding.ts'
import { assertDecodable, decompressor, type Format, formatOf } from './support.ts'
import { brotliWindowBytes, DEFLATE_WINDOW_BYTES, ZstdFrames } from './window.ts'

export { CODINGS_MAX, type Encoding, parseContentEncoding, sniffEncoding } from './encoding.ts'

/** Bytes in an ArrayBuffer (not shared memory), which is what DecompressionStream's writable takes. */
type Bytes = Uint8Array<ArrayBuffer>

/** Input slice size: small enough that an eager decoder's output per slice stays small. */
const SLICE_BYTES = 16 << 10

/** Enough leading bytes to tell zlib from raw deflate. */
const HEAD_BYTES = 2

/** The longest decoder message quoted in a 400, so the answer stays one short line. */
const REASON_CHARS_MAX = 120

const UNMETERED: Meter = { reserve() {}, release() {} }

/**
 * Decodes the whole raw body through `encodings`, in order, yielding decoded chunks as they come. Each
 * stage, intermediate ones too, may produce at most `decodedBytesMax` bytes: one more is a 413 and
 * cancels every stream at once. Corrupt or truncated data is a 400. With no encodings, yields `body`.
 * Each chunk handed out and each decoder's window is charged to `meter` while it is held: a chunk until
 * the consumer asks for the next one.
 */
export function decodeBody(
  body: Uint8Array,
  encodings: readonly Encoding[],
  decodedBytesMax: number,
  meter: Meter = UNMETERED,
): AsyncIterable<Uint8Array> {
  // A request body is read into a fresh ArrayBuffer, never into shared memory.
  let chunks: AsyncIterable<Bytes> = once(body as Bytes)
  for (const encoding of encodings) chunks = decodeStage(chunks, encoding, decodedBytesMax, meter)
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
  meter: Meter,
): AsyncGenerator<Bytes> {
  const iterator = input[Symbol.asyncIterator]()
  let reader: ReadableStreamDefaultReader<Bytes> | undefined
  let finished = false
  let windowCharged = 0
  try {
    const head = await readHead(iterator)
    const first = firstBytes(head)
    const format = formatOf(encoding, first)
    await assertDecodable(encoding, format)
    const window = windowOf(format, first)
    const output = pullStream(slices(head, iterator, window.frames))
      .pipeThrough(decompressor(format))
      .getReader()
    reader = output
    let decodedBytes = 0
    for (;;) {
      const result = await output.read().catch((error: unknown) => {
        throw error instanceof AppError ? error : decodeFailed(encoding, error)
      })
      if (result.done) break
      const length = result.value.length
      decodedBytes += length
      if (decodedBytes > decodedBytesMax) {
        throw new AppError('DECODED_TOO_LARGE', `decompressed body is larger than ${decodedBytesMax} bytes`)
      }
      // The window fills with the output: charged as it does, up to the window's size.
      const filling = Math.min(length, window.bytes() - windowCharged)
      meter.reserve(length + Math.max(filling, 0))
      windowCharged += Math.max(filling, 0)
      try {
        yield result.value
      } finally {
        meter.release(length)
      }
    }
    finished = true
  } finally {
    meter.release(windowCharged)
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

/**
 * The head chunks, then the rest of the input, in slices of at most SLICE_BYTES; a zstd stage's input
 * passes its frame watcher first, so an oversized window is refused before the decoder sees its frame.
 */
async function* slices(
  head: Bytes[],
  rest: AsyncIterator<Bytes>,
  frames: ZstdFrames | null,
): AsyncGenerator<Bytes> {
  for (const chunk of head) {
    frames?.feed(chunk)
    yield* sliced(chunk)
  }
  for (let next = await rest.next(); !next.done; next = await rest.next()) {
    frames?.feed(next.value)
    yield* sliced(next.value)
  }
}

/** A stage's window (window.ts): known from the first bytes, or for zstd as its frames go by. */
function windowOf(format: Format, first: Uint8Array): { bytes: () => number; frames: ZstdFrames | null } {
  if (format === 'zstd') {
    const frames = new ZstdFrames()
    return { bytes: () => frames.windowBytes, frames }
  }
  const bytes = format === 'brotli' ? brotliWindowBytes(first[0] ?? 0) : DEFLATE_WINDOW_BYTES
  return { bytes: () => bytes, frames: null }
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
