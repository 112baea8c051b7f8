/**
 * The first stage of the data path: how big a request may be and how long its sender may take, checked
 * before anything else spends memory or CPU on it.
 *
 * The 1 MiB request limit counts what the sender put on the wire: the request line, the header fields
 * and the body as sent (compressed or not). The head is measured as HTTP/1.1 would frame it (RFC 9112
 * §3 and §5: `name: value\r\n` per field); a declared Content-Length is checked against what is left
 * before a byte of the body is read, and a chunked body (no Content-Length) is counted as it arrives
 * (`readBody` in src/body.ts, with the body's share of the limit).
 */
import { AppError } from '../errors.ts'
import type { DirectRequest } from '../runtime/serve.ts'

/** Bytes of the request line and header section, as an HTTP/1.1 client sends them. */
export function headBytes(request: Pick<DirectRequest, 'method' | 'headers'>, pathAndQuery: string): number {
  // "METHOD SP request-target SP HTTP/1.1 CRLF", then the fields, then the empty line's CRLF.
  let bytes = request.method.length + pathAndQuery.length + 12
  for (const [name, value] of request.headers) bytes += name.length + value.length + 4
  return bytes + 2
}

export const requestTooLarge = (requestBytesMax: number) =>
  new AppError(
    'PAYLOAD_TOO_LARGE',
    `request is larger than ${requestBytesMax} bytes (request line, headers and body as sent)`,
  )
