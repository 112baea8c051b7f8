/**
 * Operational errors: things that go wrong because of the outside world (bad input, a missing record,
 * a full disk). Each carries a stable machine-readable `code` from the catalogue below, which fixes the
 * HTTP status it maps to, so the one mapping in `api/errors.ts` answers every route alike. Programmer
 * errors are not AppErrors: they are assertions and crash loudly.
 *
 * The catalogue is the single list of codes: the OpenAPI document and the table of error codes in
 * docs/reference.md are made from it (a test keeps the reference in step), so a code cannot drift from what
 * users are told.
 */
import { Type as T } from '@sinclair/typebox'

export const ERROR_CATALOGUE = {
  VALIDATION_ERROR: { status: 400, meaning: 'A field or parameter is invalid; `field` names it.' },
  MALFORMED_JSON: {
    status: 400,
    meaning: 'A body or event is not valid JSON; the message gives the event and byte offset.',
  },
  MALFORMED_MSGPACK: {
    status: 400,
    meaning: 'A MessagePack body is malformed, or an entry is not a map or a `[time, map]` pair.',
  },
  NOT_AN_OBJECT: { status: 400, meaning: 'An event is a JSON value other than an object.' },
  EVENT_TOO_DEEP: {
    status: 400,
    meaning: 'An event nests objects and arrays deeper than `[ingest] event_depth_max`.',
  },
  INVALID_UTF8: { status: 400, meaning: 'An event or body is not valid UTF-8.' },
  DECODE_FAILED: {
    status: 400,
    meaning: 'A compressed body is corrupt or truncated, or a zstd frame needs a window over 8 MiB.',
  },
  BODY_READ_FAILED: {
    status: 400,
    meaning: 'The body ended before its declared length, or the client went away.',
  },
  BAD_CONTENT_LENGTH: { status: 400, meaning: 'Content-Length is not a byte count.' },
  MALFORMED_REQUEST: { status: 400, meaning: 'The HTTP request itself could not be parsed.' },
  INVALID_QUERY: {
    status: 400,
    meaning: 'The search query `q` is malformed; the message names the position.',
  },
  UNAUTHORIZED: {
    status: 401,
    meaning: "A missing or wrong API key, or a request that fails its source's auth.",
  },
  UNKNOWN_TOKEN: {
    status: 403,
    meaning: "A Splunk HEC request's token is no Bearer source's token (HEC's code 4, `Invalid token`).",
  },
  ADDRESS_NOT_ALLOWED: { status: 403, meaning: "The client address is outside the source's `allowedCidrs`." },
  NOT_FOUND: { status: 404, meaning: 'No such source, schema or endpoint.' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    meaning: 'The method is not allowed here; `Allow` lists the ones that are.',
  },
  REQUEST_TIMEOUT: { status: 408, meaning: 'The body was not delivered within its time limit.' },
  CONFLICT: { status: 409, meaning: 'The name or label is already taken.' },
  LIMIT_REACHED: { status: 409, meaning: 'The registry holds as many of these as it may.' },
  NO_EVENTS: { status: 409, meaning: 'The source has stored no events to infer a schema from.' },
  ALERTS_NOT_CONFIGURED: {
    status: 409,
    meaning: 'No alert receiver is configured: set `[alerts] webhook_url`.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'The request, as sent, is larger than its limit.' },
  DECODED_TOO_LARGE: {
    status: 413,
    meaning: 'The body, once decompressed, is larger than `[ingest] decoded_bytes_max`.',
  },
  EVENT_TOO_LARGE: { status: 413, meaning: 'One event is larger than `[ingest] event_bytes_max`.' },
  TOO_MANY_EVENTS: {
    status: 413,
    meaning: 'The request carries more than `[ingest] events_per_request_max` events.',
  },
  UNSUPPORTED_ENCODING: { status: 415, meaning: 'The Content-Encoding is not gzip, deflate, br or zstd.' },
  RATE_LIMITED: {
    status: 429,
    meaning: 'The source is over `[ingest] source_events_per_second`; retry after `Retry-After`.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    meaning: 'The request line and headers are larger than `[server] header_bytes_max`.',
  },
  INTERNAL: { status: 500, meaning: 'A bug: the server logged it.' },
  OVERLOADED: {
    status: 503,
    meaning:
      'The server is near `[ingest] memory_max`, or its log queue is half full; retry after `Retry-After`.',
  },
  LOG_OVERLOADED: {
    status: 503,
    meaning: "The event log's queue is full: the disk is slower than the senders.",
  },
  LOG_UNAVAILABLE: {
    status: 503,
    meaning: 'The event log cannot write (disk full or failing); nothing was stored.',
  },
} as const satisfies Record<string, { status: number; meaning: string }>

export type ErrorCode = keyof typeof ERROR_CATALOGUE

/** The catalogue as a Markdown table (code, status, meaning), columns aligned: the reference's table. */
export function errorTable(): string {
  const rows = [
    ['code', 'status', 'meaning'],
    ...Object.entries(ERROR_CATALOGUE).map(([code, { status, meaning }]) => [
      `\`${code}\``,
      String(status),
      meaning,
    ]),
  ]
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)))
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`
  const [header, ...body] = rows
  return [line(header!), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n')
}

/** The error body's schemas for the OpenAPI document, with every code and its status from the catalogue. */
export function errorSchemas() {
  const ErrorCode = T.Union(
    Object.keys(ERROR_CATALOGUE).map((code) => T.Literal(code)),
    {
      description: `Every error code, with the HTTP status it comes with:\n\n${errorTable()}`,
      'x-error-catalogue': Object.entries(ERROR_CATALOGUE).map(([code, entry]) => ({ code, ...entry })),
    },
  )
  const ErrorBody = T.Object({
    message: T.String(),
    error: T.Object({
      code: T.Unsafe<ErrorCode>({ $ref: '#/components/schemas/ErrorCode' }),
      message: T.String(),
      field: T.Optional(
        T.String({ description: 'The request field the problem is about, when there is one.' }),
      ),
    }),
  })
  return { ErrorCode, Error: ErrorBody }
}

export interface AppErrorOptions {
  /** The request field the problem is about, when there is one (`integrationLabel`, `authHeaderKey`). */
  field?: string
  /** Response headers the status needs, such as `Retry-After` (429, 503) or `WWW-Authenticate` (401). */
  headers?: Record<string, string>
  cause?: unknown
}

export class AppError extends Error {
  readonly status: number
  readonly field: string | undefined
  readonly headers: Record<string, string> | undefined

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AppError'
    this.status = ERROR_CATALOGUE[code].status
    this.field = options.field
    this.headers = options.headers
  }
}

export const badRequest = (message: string, field?: string) =>
  new AppError('VALIDATION_ERROR', message, { field })
export const unauthorized = (message = 'missing or invalid API key') => new AppError('UNAUTHORIZED', message)
export const notFound = (message: string) => new AppError('NOT_FOUND', message)
export const conflict = (message: string, field?: string) => new AppError('CONFLICT', message, { field })

/**
 * The error body every answer shares: `message` for Panther-style API clients, `error.code` and
 * `error.message` for webhook senders and scripts that branch on a code.
 */
export function errorBody(code: ErrorCode, message: string, field?: string): string {
  const error = field === undefined ? { code, message } : { code, message, field }
  return JSON.stringify({ message, error })
}

/** The answer to an AppError, as the one error mapping (api/errors.ts) and the server's direct routes give it. */
export function errorAnswer(error: AppError): {
  status: number
  headers: Record<string, string>
  body: string
} {
  return {
    status: error.status,
    headers: { ...error.headers, 'content-type': 'application/json; charset=utf-8' },
    body: errorBody(error.code, error.message, error.field),
  }
}

/** The answer to a request the HTTP parser refused before any route saw it (runtime/serve.ts). */
export function malformedAnswer(
  status: 400 | 431,
  headerBytesMax: number,
): { body: string; contentType: string } {
  return {
    contentType: 'application/json; charset=utf-8',
    body:
      status === 431
        ? errorBody('HEADERS_TOO_LARGE', `request line and headers are larger than ${headerBytesMax} bytes`)
        : errorBody('MALFORMED_REQUEST', 'the request is not valid HTTP/1.1'),
  }
}

/** Asserts a programmer's invariant; a failure is a bug, never a user's mistake. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`)
}
