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
import type { AuthFailureReason } from '../auth/index.ts'
import { headerBytes, headerValue } from '../auth/verifier.ts'
import type { IngestPipeline } from '../pipeline.ts'
import { HecError, hecAnswer, hecRefusal } from './answers.ts'
import { defaultsFrom, envelopeFramer, type FramerFactory, type HecDefaults, rawFramer } from './envelope.ts'
import { TokenIndex } from './tokens.ts'

const CHALLENGE = { 'www-authenticate': 'Splunk realm="inlet"' }
const BASE = '/services/collector'

export function hecRoutes(
  pipeline: IngestPipeline,
  registry: ConstructorParameters<typeof TokenIndex>[0],
  clock: () => number,
) {
  const tokens = new TokenIndex(registry, clock)

  /** The source the request's token finds, or the refusal (counted and logged) with its auth failure. */
  function sourceOf(request: Request, query: URLSearchParams): string {
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

  async function collect(request: Request, framer: (defaults: HecDefaults) => FramerFactory) {
    try {
      const query = new URL(request.url).searchParams
      const id = sourceOf(request, query)
      await pipeline.run(request, pipeline.sources.get(id), id, {
        authenticated: true,
        framer: framer(defaultsFrom(query)),
      })
      return hecAnswer(0)
    } catch (error) {
      return hecRefusal(error)
    }
  }

  const health = () => (pipeline.admission.busy ? hecAnswer(18) : hecAnswer(17))
  const event = ({ request }: { request: Request }) => collect(request, envelopeFramer)
  const raw = ({ request }: { request: Request }) => collect(request, rawFramer)
  const ingest = { parse: 'none' as const, detail: { tags: ['splunk hec'], security: [] } }
  const doc = (summary: string) => ({ ...ingest, detail: { ...ingest.detail, summary } })

  return new Elysia({ name: 'hec' })
    .post(BASE, event, doc('Splunk HEC: send event envelopes (as /services/collector/event)'))
    .post(`${BASE}/event`, event, doc('Splunk HEC: send event envelopes'))
    .post(`${BASE}/event/1.0`, event, doc('Splunk HEC: send event envelopes (as /services/collector/event)'))
    .post(`${BASE}/raw`, raw, doc('Splunk HEC: send raw text, one event per line'))
    .post(`${BASE}/raw/1.0`, raw, doc('Splunk HEC: send raw text (as /services/collector/raw)'))
    .get(`${BASE}/health`, health, {
      detail: { tags: ['splunk hec'], security: [], summary: "Splunk HEC's health" },
    })
    .get(`${BASE}/health/1.0`, health, {
      detail: {
        tags: ['splunk hec'],
        security: [],
        summary: "Splunk HEC's health (as /services/collector/health)",
      },
    })
    .post(
      `${BASE}/ack`,
      () => hecAnswer(14),
      doc('Splunk HEC: acknowledgements are off (a 200 is durable already)'),
    )
}

/**
 * The token from `Authorization: Splunk <token>` or Basic with the token as the password; 'missing' or
 * 'malformed' when there is none.
 */
function readToken(headers: Headers): Uint8Array | 'missing' | 'malformed' {
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
