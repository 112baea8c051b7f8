/**
 * Splunk's HTTP Event Collector protocol, served for every Bearer source, so that the many tools that
 * send to Splunk send here unmodified (Splunk docs, "HTTP Event Collector REST API endpoints"):
 *
 * - `POST /services/collector/event` (also `/services/collector` and `…/event/1.0`): envelopes;
 * - `POST /services/collector/raw` (also `…/raw/1.0`): text, one event per line;
 * - `GET /services/collector/health` (also `…/health/1.0`): `{"text":"HEC is healthy","code":17}`, or
 *   code 18 with 503 while the server refuses new requests for memory or a full log queue;
 * - `POST /services/collector/ack`: code 14, `ACK is disabled`: a 200 here already means durable.
 *
 * The request carries `Authorization: Splunk <token>` (or Basic with the token as the password, as Splunk
 * also takes), and the token finds the source (tokens.ts). A token in the query string is refused (code
 * 16), since query strings end up in proxies' logs. From there the request runs the same pipeline as
 * `POST /http/{sourceId}`: the source's allowedCidrs, rate limit, limits, schemas and counters all apply.
 */
import { Buffer } from 'node:buffer'
import { Elysia } from 'elysia'
import { AppError } from '../../errors.ts'
import type { Logger } from '../../logger.ts'
import { hecErrorResponses } from '../../openapi-docs.ts'
import { type DirectResponse, type DirectRoute, toResponse } from '../../runtime/serve.ts'
import type { AuthFailureReason } from '../auth/index.ts'
import { type HeaderFields, headerBytes, headerValue } from '../auth/verifier.ts'
import type { IngestPipeline, IngestRequest } from '../pipeline.ts'
import { HecError, hecAnswer, hecRefusal } from './answers.ts'
import { defaultsFrom, envelopeFramer, type FramerFactory, type HecDefaults, rawFramer } from './envelope.ts'
import { TokenIndex } from './tokens.ts'

const CHALLENGE = { 'www-authenticate': 'Splunk realm="inlet"' }
const BASE = '/services/collector'

export function hecRoutes(
  pipeline: IngestPipeline,
  registry: ConstructorParameters<typeof TokenIndex>[0],
  clock: () => number,
  logger: Logger,
) {
  const tokens = new TokenIndex(registry, clock)

  /** The source the request's token finds, or the refusal (counted and logged) with its auth failure. */
  function sourceOf(request: IngestRequest, query: URLSearchParams): string {
    let reason: AuthFailureReason | undefined
    try {
      if (query.has('token')) {
        reason = 'malformed'
        throw new HecError(
          'VALIDATION_ERROR',
          'a token in the query string is refused, as it ends up in logs; send it as Authorization: Splunk <token>',
          16,
        )
      }
      const token = readToken(request.headers)
      if (typeof token !== 'object') {
        reason = token
        throw token === 'missing'
          ? new HecError(
              'UNAUTHORIZED',
              'missing header Authorization: Splunk <token>',
              2,
              undefined,
              CHALLENGE,
            )
          : new HecError(
              'UNAUTHORIZED',
              'Authorization must be "Splunk <token>" (or Basic with the token as the password)',
              3,
              undefined,
              CHALLENGE,
            )
      }
      const id = tokens.find(token)
      if (id === null) {
        reason = 'mismatch'
        throw new HecError('UNKNOWN_TOKEN', "the token is not a Bearer source's token", 4)
      }
      return id
    } catch (error) {
      if (error instanceof AppError) pipeline.refuse(request, error, reason)
      throw error
    }
  }

  async function collect(
    request: IngestRequest,
    framer: (defaults: HecDefaults) => FramerFactory,
  ): Promise<DirectResponse> {
    try {
      const query = new URL(request.url).searchParams
      const id = sourceOf(request, query)
      await pipeline.run(request, pipeline.sources.get(id), id, {
        authenticated: true,
        framer: framer(defaultsFrom(query)),
      })
      return hecAnswer(0)
    } catch (error) {
      // A refusal is HEC's to word; anything else is a bug, logged as the app's error mapping logs one.
      if (!(error instanceof AppError)) {
        logger.error('unhandled error', { path: new URL(request.url).pathname, error: String(error) })
      }
      return hecRefusal(error)
    }
  }

  const health = () => toResponse(pipeline.admission.busy ? hecRefusal(UNHEALTHY) : hecAnswer(17))
  const collectEvents: DirectRoute = (request) => collect(request, envelopeFramer)
  const collectRaw: DirectRoute = (request) => collect(request, rawFramer)
  const event = async ({ request }: { request: Request }) => toResponse(await collectEvents(request))
  const raw = async ({ request }: { request: Request }) => toResponse(await collectRaw(request))

  /** The direct route for a POST to `target` (runtime/serve.ts), or null for the app's routes. */
  const direct = (target: string): DirectRoute | null => {
    const query = target.indexOf('?')
    switch (query < 0 ? target : target.slice(0, query)) {
      case BASE:
      case `${BASE}/event`:
      case `${BASE}/event/1.0`:
        return collectEvents
      case `${BASE}/raw`:
      case `${BASE}/raw/1.0`:
        return collectRaw
      default:
        return null
    }
  }

  const plugin = new Elysia({ name: 'hec' })
    .post(BASE, event, ingestDoc(`Send HEC event envelopes (as ${BASE}/event)`, EVENT_BODY))
    .post(`${BASE}/event`, event, ingestDoc('Send HEC event envelopes', EVENT_BODY))
    .post(`${BASE}/event/1.0`, event, ingestDoc(`As ${BASE}/event`, EVENT_BODY))
    .post(`${BASE}/raw`, raw, ingestDoc('Send raw text to HEC, one event a line', RAW_BODY))
    .post(`${BASE}/raw/1.0`, raw, ingestDoc(`As ${BASE}/raw`, RAW_BODY))
    .get(`${BASE}/health`, health, HEALTH_DOC)
    .get(`${BASE}/health/1.0`, health, HEALTH_DOC)
    .post(`${BASE}/ack`, () => toResponse(hecRefusal(ACK_DISABLED)), ACK_DOC)
  return { plugin, direct }
}

const UNHEALTHY = new HecError(
  'OVERLOADED',
  'the server is refusing new requests for now: memory is near [ingest] memory_max or the log queue is half full',
  18,
)
const ACK_DISABLED = new HecError(
  'VALIDATION_ERROR',
  'acknowledgements are off: a 200 from Inlet already means the events are durable',
  14,
)

const answer = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/HecAnswer' } } },
})

const EVENT_BODY = {
  'application/json': {
    schema: {
      type: 'object',
      description:
        'One or more envelopes, concatenated or one a line: `event` (required: an object, or text), `time` ' +
        '(epoch seconds), `host`, `source`, `sourcetype`, `index` (stored as `splunk_host` and so on) and ' +
        '`fields` (stored as `splunk_fields`). The query string may give `host`, `source`, `sourcetype`, ' +
        '`index` and `time` for envelopes without them.',
    },
  },
} as const

const RAW_BODY = {
  'text/plain': {
    schema: {
      type: 'string',
      description:
        'One event a line (a JSON object line is that object). The query string may give `host`, `source`, ' +
        '`sourcetype`, `index` and `time`.',
    },
  },
} as const

const ingestDoc = (summary: string, content: typeof EVENT_BODY | typeof RAW_BODY) => ({
  parse: 'none' as const,
  detail: {
    tags: ['splunk hec'],
    summary,
    description:
      'Authenticated by `Authorization: Splunk <token>` (or Basic with the token as the password), the ' +
      "token being a Bearer source's `authBearerToken`; a token in the query string is refused (code 16). " +
      'The request is stored whole or not at all, and answered once durable.',
    security: [],
    requestBody: { required: true, content },
    responses: {
      200: answer('`{"text": "Success", "code": 0}`: every event is stored.'),
      ...hecErrorResponses(
        'UNAUTHORIZED',
        'UNKNOWN_TOKEN',
        'ADDRESS_NOT_ALLOWED',
        'NOT_FOUND',
        'VALIDATION_ERROR',
        'MALFORMED_JSON',
        'INVALID_UTF8',
        'EVENT_TOO_DEEP',
        'DECODE_FAILED',
        'BODY_READ_FAILED',
        'BAD_CONTENT_LENGTH',
        'REQUEST_TIMEOUT',
        'PAYLOAD_TOO_LARGE',
        'DECODED_TOO_LARGE',
        'EVENT_TOO_LARGE',
        'TOO_MANY_EVENTS',
        'UNSUPPORTED_ENCODING',
        'RATE_LIMITED',
        'OVERLOADED',
        'LOG_OVERLOADED',
        'LOG_UNAVAILABLE',
      ),
    },
  },
})

const HEALTH_DOC = {
  detail: {
    tags: ['splunk hec'],
    summary: "HEC's health",
    security: [],
    responses: {
      200: answer('`{"text": "HEC is healthy", "code": 17}`'),
      ...hecErrorResponses('OVERLOADED'),
    },
  },
}

const ACK_DOC = {
  parse: 'none' as const,
  detail: {
    tags: ['splunk hec'],
    summary: 'HEC acknowledgements: off',
    description: 'Always `{"text": "ACK is disabled", "code": 14}` with 400: a 200 is durable already.',
    security: [],
    responses: hecErrorResponses('VALIDATION_ERROR'),
  },
}

/**
 * The token from `Authorization: Splunk <token>` or Basic with the token as the password; 'missing' or
 * 'malformed' when there is none.
 */
function readToken(headers: HeaderFields): Uint8Array | 'missing' | 'malformed' {
  const value = headerValue(headers, 'authorization')
  if (value === null) return 'missing'
  const space = value.indexOf(' ')
  const scheme = space === -1 ? value.toLowerCase() : value.slice(0, space).toLowerCase()
  const credentials = space === -1 ? '' : value.slice(space + 1).trim()
  if (credentials === '') return 'malformed'
  if (scheme === 'splunk') return headerBytes(credentials)
  if (scheme !== 'basic') return 'malformed'
  const pair = Buffer.from(credentials, 'base64')
  const colon = pair.indexOf(0x3a)
  return colon < 0 || colon === pair.length - 1 ? 'malformed' : new Uint8Array(pair.subarray(colon + 1))
}
