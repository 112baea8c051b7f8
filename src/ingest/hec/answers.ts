/**
 * Splunk HTTP Event Collector's answers: a JSON body `{"text": ..., "code": N}` whose code a HEC client
 * acts on (retry on 9, give up on 4). A refusal's HTTP status is its Inlet catalogue code's, which for
 * the refusals HEC names is Splunk's own (401 for a missing token, 403 for an unknown one, 400 for a
 * blank event); one HEC has no code for (413, 429) takes the nearest HEC code. `error` and `detail` carry
 * Inlet's catalogue code and message, which a HEC client ignores and a person reading the answer needs.
 */
import { AppError, type ErrorCode } from '../../errors.ts'
import type { DirectResponse } from '../../runtime/serve.ts'

/** Splunk's HEC status codes (Splunk docs, "Troubleshoot HTTP Event Collector"), those Inlet answers. */
export const HEC_CODES = {
  0: { status: 200, text: 'Success' },
  2: { status: 401, text: 'Token is required' },
  3: { status: 401, text: 'Invalid authorization' },
  4: { status: 403, text: 'Invalid token' },
  5: { status: 400, text: 'No data' },
  6: { status: 400, text: 'Invalid data format' },
  8: { status: 500, text: 'Internal server error' },
  9: { status: 503, text: 'Server is busy' },
  12: { status: 400, text: 'Event field is required' },
  13: { status: 400, text: 'Event field cannot be blank' },
  14: { status: 400, text: 'ACK is disabled' },
  15: { status: 400, text: 'Error in handling indexed fields' },
  16: { status: 400, text: 'Query string authorization is not enabled' },
  17: { status: 200, text: 'HEC is healthy' },
  18: { status: 503, text: 'HEC is unhealthy, queues are full' },
} as const

export type HecCode = keyof typeof HEC_CODES

/** A refusal in HEC's own terms: its code, and the 0-based number of the event at fault, as Splunk counts. */
export class HecError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly hecCode: HecCode,
    readonly invalidEventNumber?: number,
    headers?: Record<string, string>,
  ) {
    super(code, message, { headers })
  }
}

const HEADERS = { 'content-type': 'application/json; charset=utf-8' }

/** HEC's answer for `code`; `extra` adds fields after `text` and `code`. */
export function hecAnswer(
  code: HecCode,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  status: number = HEC_CODES[code].status,
): DirectResponse {
  const body = JSON.stringify({ text: HEC_CODES[code].text, code, ...extra })
  return { status, headers: { ...HEADERS, ...headers }, body }
}

/** The HEC code nearest each Inlet refusal that HEC has none of its own for. */
function nearestCode(error: AppError): HecCode {
  if (error.status >= 500 && error.status !== 503) return 8
  if (error.status === 503 || error.status === 429) return 9
  if (error.status === 401 || error.status === 403) return 3
  return 6
}

/** The answer to a refused request, with its status and headers (Retry-After, so a client's backoff works). */
export function hecRefusal(error: unknown): DirectResponse {
  if (!(error instanceof AppError)) return hecAnswer(8)
  const hec = error instanceof HecError ? error.hecCode : nearestCode(error)
  const extra: Record<string, unknown> = {}
  if (error instanceof HecError && error.invalidEventNumber !== undefined) {
    extra['invalid-event-number'] = error.invalidEventNumber
  }
  extra.error = error.code
  extra.detail = error.message
  return hecAnswer(hec, extra, error.headers, error.status)
}
