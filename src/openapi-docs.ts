/**
 * The error answers a route lists in its OpenAPI `detail`, made from the error catalogue: each code is
 * listed under the status the catalogue fixes for it, so no route can document a code with a status it
 * never comes with. A route names the codes its handler and the shared code it runs (key check, body
 * reader, parameters) can raise; the codes any request can get are added to every route.
 *
 *   detail: { summary: 'Read a schema', responses: errorResponses('UNAUTHORIZED', 'NOT_FOUND') }
 *
 * Each answer names its codes in `x-error-codes`, which the reference page links to the catalogue's table.
 * A route with `response` schemas keeps its success answers there; api/openapi.ts adds these to them.
 */
import { ERROR_CATALOGUE, type ErrorCode } from './errors.ts'

/** What any request can get, whatever its route: the HTTP parser's refusals (runtime/serve.ts) and a bug. */
const ANY_REQUEST_ERRORS: readonly ErrorCode[] = ['MALFORMED_REQUEST', 'HEADERS_TOO_LARGE', 'INTERNAL']

interface ErrorResponse {
  description: string
  'x-error-codes': ErrorCode[]
  content: { 'application/json': { schema: { $ref: string } } }
}

/** The body of every Splunk HEC answer, success and refusal alike (ingest/hec/answers.ts). */
export const HEC_ANSWER_SCHEMA = {
  type: 'object',
  required: ['text', 'code'],
  properties: {
    text: {
      type: 'string',
      description: "Splunk's text for the code, such as `Success` or `Invalid token`.",
    },
    code: { type: 'integer', description: "Splunk's HEC status code: 0 success, 2–4 auth, 5–15 the data." },
    'invalid-event-number': { type: 'integer', description: 'The 0-based number of the event at fault.' },
    error: { type: 'string', description: "Inlet's error code (`ErrorCode`), on a refusal." },
    detail: { type: 'string', description: "Inlet's message: what is wrong, where." },
  },
}

/** The error answers for `codes` and those of any request, one per status, in the catalogue's order. */
export function errorResponses(...codes: ErrorCode[]): Record<string, ErrorResponse> {
  return responsesFor(codes, ERROR_BODY)
}

/** The same for a Splunk HEC route, whose refusals are HEC answers with Inlet's code in `error`. */
export function hecErrorResponses(...codes: ErrorCode[]): Record<string, ErrorResponse> {
  return responsesFor(codes, HEC_BODY)
}

const ERROR_BODY = '#/components/schemas/Error'
const HEC_BODY = '#/components/schemas/HecAnswer'

function responsesFor(codes: ErrorCode[], body: string): Record<string, ErrorResponse> {
  const listed = new Set<string>([...codes, ...ANY_REQUEST_ERRORS])
  const byStatus = new Map<number, ErrorCode[]>()
  for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
    if (listed.has(code)) byStatus.set(status, [...(byStatus.get(status) ?? []), code as ErrorCode])
  }
  const statuses = [...byStatus.keys()].sort((a, b) => a - b)
  return Object.fromEntries(
    statuses.map((status) => [String(status), errorResponse(byStatus.get(status)!, body)]),
  )
}

const errorResponse = (codes: ErrorCode[], body: string): ErrorResponse => ({
  description: codes.map((code) => `- \`${code}\`: ${ERROR_CATALOGUE[code].meaning}`).join('\n'),
  'x-error-codes': codes,
  content: { 'application/json': { schema: { $ref: body } } },
})
