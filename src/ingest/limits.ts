/**
 * The first stage of the data path: how big a request may be and how long its sender may take, checked
 * before anything else spends memory or CPU on it.
 *
 * The 1 MiB request limit counts what the sender put on the wire: the request line, the header fields
 * and the body as sent (compressed or not). The head is measured as HTTP/1.1 would frame it (RFC 9112
 * §3 and §5: `name: value\r\n` per field); a declared Content-Length is checked against what is left
 * before a byte of the body is read, and a chunked body (no Content-Length) is counted as it arrives.
 */
import { AppError } from '../errors.ts'

/** Bytes of the request line and header section, as an HTTP/1.1 client sends them. */
export function headBytes(request: Request, pathAndQuery: string): number {
  // "METHOD SP request-target SP HTTP/1.1 CRLF", then the fields, then the empty line's CRLF.
  let bytes = request.method.length + pathAndQuery.length + 12
  for (const [name, value] of request.headers) bytes += name.length + value.length + 4
  return bytes + 2
}

export const requestTooLarge = (requestBytesMax: number) =>
  new AppError(
    'PAYLOAD_TOO_LARGE',
    413,
    `request is larger than ${requestBytesMax} bytes (request line, headers and body as sent)`,
  )

export interface BodyLimits {
  /** Bytes the body may have: the request limit less the head. */
  bodyBytesMax: number
  /** What the whole request may have, for the error message. */
  requestBytesMax: number
  timeoutMs: number
}

/**
 * Reads the whole body as sent, at most `bodyBytesMax` bytes and within `timeoutMs`. A declared body is
 * read by the runtime in one piece (the fastest path, and its size is already known to fit); a chunked
 * one is counted as it arrives and cut off at the limit. A sender slower than the deadline gets 408.
 */
export async function readBody(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  const declared = declaredLength(request)
  if (declared !== null && declared > limits.bodyBytesMax) throw requestTooLarge(limits.requestBytesMax)
  if (!request.body || declared === 0) return new Uint8Array(0)
  const reader = declared === null ? request.body.getReader() : null
  const reading = reader
    ? readCounted(reader, limits)
    : request.arrayBuffer().then((bytes) => new Uint8Array(bytes))
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(TIMED_OUT), limits.timeoutMs)
  })
  try {
    const body = await Promise.race([reading, deadline])
    if (declared !== null && body.byteLength !== declared) throw incomplete(body.byteLength, declared)
    return body
  } catch (error) {
    if (error === TIMED_OUT) {
      // The read goes on until the connection closes; its outcome no longer matters to anyone.
      reading.catch(() => {})
      reader?.cancel().catch(() => {})
      throw new AppError('REQUEST_TIMEOUT', 408, `request body not received within ${limits.timeoutMs} ms`)
    }
    if (error instanceof AppError) throw error
    throw new AppError('BODY_READ_FAILED', 400, 'the request body could not be read to its end')
  } finally {
    clearTimeout(timer)
  }
}

const TIMED_OUT = Symbol('timed out')

const incomplete = (got: number, declared: number) =>
  new AppError('BODY_READ_FAILED', 400, `body ended after ${got} of ${declared} declared bytes`)

function declaredLength(request: Request): number | null {
  const header = request.headers.get('content-length')
  if (header === null) return null
  const length = Number(header)
  if (!Number.isSafeInteger(length) || length < 0 || !/^\d+$/.test(header)) {
    throw new AppError('BAD_CONTENT_LENGTH', 400, 'Content-Length is not a byte count')
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
      throw requestTooLarge(limits.requestBytesMax)
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]!
  const body = new Uint8Array(total)
  let at = 0
  for (const chunk of chunks) {
    body.set(chunk, at)
    at += chunk.byteLength
  }
  return body
}
