/**
 * Reading a management API request body: the API key is checked first, so an unauthenticated caller
 * cannot make the server read (or learn anything from parsing) a body; then at most `maxBytes` are
 * read and parsed as JSON. An empty body reads as `{}`.
 */
import { AppError, badRequest, unauthorized } from '../errors.ts'

export async function readJsonBody(
  request: Request,
  options: { maxBytes: number; authorized: (request: Request) => boolean },
): Promise<unknown> {
  if (!options.authorized(request)) throw unauthorized()
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > options.maxBytes) throw tooLarge(options.maxBytes)
  const text = await readLimited(request, options.maxBytes)
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new AppError('MALFORMED_JSON', 400, `request body is not valid JSON: ${(error as Error).message}`)
  }
}

async function readLimited(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return ''
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of request.body) {
    total += chunk.byteLength
    if (total > maxBytes) throw tooLarge(maxBytes)
    chunks.push(chunk)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
  } catch {
    throw badRequest('request body is not valid UTF-8')
  }
}

const tooLarge = (maxBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', 413, `request body is larger than ${maxBytes} bytes`)
