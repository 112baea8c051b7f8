/**
 * Reading a request body whole, bounded in size and in time: the ingest route and the management API
 * both read bodies this way. A declared body is read by the runtime in one piece (the fastest path, and
 * its size is known to fit before a byte is read); a chunked one is counted as it arrives and cut off at
 * the limit. A sender slower than the deadline gets 408, which guards against slow-sender attacks.
 */
import { AppError } from './errors.ts'
import type { DirectRequest } from './runtime/serve.ts'

export interface BodyLimits {
  bodyBytesMax: number
  timeoutMs: number
  /** The 413 to answer with: each caller words its limit its own way. */
  tooLarge: () => AppError
  /** Charged for the body and the reader's copies of it while they are held; the body stays charged. */
  meter?: Meter
}

/**
 * Accounts for memory a request holds: `reserve` before it holds more (it may throw, which stops the
 * work), `release` once it no longer does. The ingest path's meter charges its admission budget.
 */
export interface Meter {
  reserve(bytes: number): void
  release(bytes: number): void
}

/** What a body is read from: a web Request, or the server's own request (runtime/serve.ts). */
export type BodySource = Pick<DirectRequest, 'headers' | 'body' | 'bytes'>

/** The whole body as sent: at most `bodyBytesMax` bytes, within `timeoutMs`. */
export async function readBody(request: BodySource, limits: BodyLimits): Promise<Uint8Array> {
  const declared = declaredLength(request)
  if (declared !== null && declared > limits.bodyBytesMax) throw limits.tooLarge()
  if (declared === 0) return new Uint8Array(0)
  // The stream is asked for only when the length is unknown: a server's request may build it on demand.
  const stream = declared === null ? request.body : null
  if (declared === null && !stream) return new Uint8Array(0)
  // Reading a declared body gathers its pieces and then copies them into one buffer: twice its size,
  // for a moment. A chunked body is charged as it arrives (readCounted).
  if (declared !== null) limits.meter?.reserve(2 * declared)
  const reader = stream ? stream.getReader() : null
  const reading = reader ? readCounted(reader, limits) : request.bytes()
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(TIMED_OUT), limits.timeoutMs)
  })
  try {
    const body = await Promise.race([reading, deadline])
    if (declared !== null) {
      limits.meter?.release(declared)
      if (body.byteLength !== declared) throw incomplete(body.byteLength, declared)
    }
    return body
  } catch (error) {
    if (error === TIMED_OUT) {
      // The read goes on until the connection closes; its outcome no longer matters to anyone.
      reading.catch(() => {})
      reader?.cancel().catch(() => {})
      throw new AppError('REQUEST_TIMEOUT', `request body not received within ${limits.timeoutMs} ms`)
    }
    if (error instanceof AppError) throw error
    throw new AppError('BODY_READ_FAILED', 'the request body could not be read to its end')
  } finally {
    clearTimeout(timer)
  }
}

const TIMED_OUT = Symbol('timed out')

const incomplete = (got: number, declared: number) =>
  new AppError('BODY_READ_FAILED', `body ended after ${got} of ${declared} declared bytes`)

function declaredLength(request: BodySource): number | null {
  const header = request.headers.get('content-length')
  if (header === null) return null
  const length = Number(header)
  if (!Number.isSafeInteger(length) || length < 0 || !/^\d+$/.test(header)) {
    throw new AppError('BAD_CONTENT_LENGTH', 'Content-Length is not a byte count')
  }
  return length
}

type BodyReader = ReadableStreamDefaultReader<Uint8Array>

async function readCounted(reader: BodyReader, limits: BodyLimits): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limits.bodyBytesMax) {
      await reader.cancel().catch(() => {})
      throw limits.tooLarge()
    }
    limits.meter?.reserve(value.byteLength)
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]!
  limits.meter?.reserve(total)
  const body = new Uint8Array(total)
  let at = 0
  for (const chunk of chunks) {
    body.set(chunk, at)
    at += chunk.byteLength
  }
  limits.meter?.release(total)
  return body
}
