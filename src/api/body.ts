/**
 * Reading a management API request body: the API key is checked first, so an unauthenticated caller
 * cannot make the server read (or learn anything from parsing) a body; then at most `maxBytes` are
 * read, within `timeoutMs`, and parsed as JSON. An empty body reads as `{}`. `jsonBodyRoute` gives the
 * route options every API plugin's body routes share.
 */
import type { TSchema } from '@sinclair/typebox'
import { readBody } from '../body.ts'
import { AppError, badRequest, type ErrorCode, unauthorized } from '../errors.ts'
import { depthExceededAt } from '../json-depth.ts'

/** What a route reading its body with `jsonBodyRoute` can refuse with before its handler runs. */
export const JSON_BODY_ERRORS: readonly ErrorCode[] = [
  'UNAUTHORIZED',
  'VALIDATION_ERROR',
  'MALFORMED_JSON',
  'BAD_CONTENT_LENGTH',
  'BODY_READ_FAILED',
  'REQUEST_TIMEOUT',
  'PAYLOAD_TOO_LARGE',
]

interface JsonBodyOptions {
  maxBytes: number
  timeoutMs: number
  authorized: (request: Request) => boolean
}

/**
 * Options for a route that takes a JSON body validated by `body`. The route parses with a function (key
 * check, then bounded JSON) that always answers, so the 'json' after it never runs: it is there to tell
 * the OpenAPI document the media type.
 */
export function jsonBodyRoute(options: JsonBodyOptions) {
  return <S extends TSchema, D>(body: S, detail: D) => ({
    parse: [
      function apiJsonBody({ request }: { request: Request }) {
        return readJsonBody(request, options)
      },
      'json' as const,
    ],
    body,
    detail,
  })
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Deepest nesting of a management API request body; the deepest real one (a source) has three levels. */
const API_BODY_DEPTH_MAX = 64

export async function readJsonBody(request: Request, options: JsonBodyOptions): Promise<unknown> {
  if (!options.authorized(request)) throw unauthorized()
  const bytes = await readBody(request, {
    bodyBytesMax: options.maxBytes,
    timeoutMs: options.timeoutMs,
    tooLarge: () => tooLarge(options.maxBytes),
  })
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw badRequest('request body is not valid UTF-8')
  }
  if (text.trim() === '') return {}
  // No request of this API nests more than a few levels; refusing deep bodies before the parse keeps
  // the validation after it (which walks the value recursively) linear in the body's size.
  const deep = depthExceededAt(text, API_BODY_DEPTH_MAX)
  if (deep >= 0) {
    throw badRequest(
      `request body nests objects and arrays deeper than ${API_BODY_DEPTH_MAX} levels (at character ${deep})`,
    )
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new AppError('MALFORMED_JSON', `request body is not valid JSON: ${(error as Error).message}`)
  }
}

export const tooLarge = (maxBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `request body is larger than ${maxBytes} bytes`)
