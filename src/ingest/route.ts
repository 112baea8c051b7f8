/**
 * `POST /http/{sourceId}`: Inlet's own way in, answering `200 {"accepted": N}` once the request's events
 * are durable (pipeline.ts runs the data path), beside Splunk's HTTP Event Collector (hec/route.ts). The
 * routes are registered with `parse: 'none'` so that Elysia leaves the body stream to the pipeline, and no
 * other plugin may register a global `onParse`.
 *
 * The same endpoints are also offered to the server as direct routes (`direct`, runtime/serve.ts), which
 * skip the web Request and Response, the app's routing and its error mapping: the server takes them for
 * every POST it recognises, and the app's routes serve the rest (and tests, and Deno).
 */
import { Elysia, t } from 'elysia'
import { AppError, errorAnswer } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { errorResponses } from '../openapi-docs.ts'
import { type DirectResponse, type DirectRoute, type DirectRoutes, toResponse } from '../runtime/serve.ts'
import { hecRoutes } from './hec/route.ts'
import { type IngestDeps, type IngestRequest, ingestPipeline } from './pipeline.ts'

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }

export function ingestRoute(deps: IngestDeps) {
  const pipeline = ingestPipeline(deps)
  const hec = hecRoutes(pipeline, deps.registry, deps.clock ?? Date.now, deps.logger)

  async function accept(request: IngestRequest, id: string): Promise<DirectResponse> {
    const accepted = await pipeline.run(request, pipeline.sources.get(id), id)
    return {
      status: 200,
      headers: { ...JSON_HEADERS },
      body: accepted === null ? DUPLICATE : `{"accepted":${accepted}}`,
    }
  }

  const direct: DirectRoutes = (method, target) => {
    if (method !== 'POST') return null
    if (target.startsWith('/http/')) {
      const query = target.indexOf('?')
      const id = target.slice('/http/'.length, query < 0 ? undefined : query)
      // Anything but a plain id (empty, encoded, a deeper path) is the app's to answer, as it always was.
      if (id === '' || id.includes('/') || id.includes('%')) return null
      return answering((request) => accept(request, id), deps.logger)
    }
    return hec.direct(target)
  }

  const params = t.Object({ id: t.String({ description: 'integrationId of the source' }) })
  const plugin = new Elysia({ name: 'ingest' })
    .post('/http/:id', async ({ request, params: { id } }) => toResponse(await accept(request, id)), {
      parse: 'none',
      params,
      detail: {
        tags: ['ingest'],
        summary: 'Send events to a source',
        description:
          'Authenticated by the source, not by the API key, as its `authMethod` says:\n\n' +
          '- `SharedSecret`: the secret itself in the header `authHeaderKey`.\n' +
          '- `HMAC`: a signature of the raw body under the secret, by `authHmacScheme`: `raw` (hex or base64 ' +
          'in `authHeaderKey`, with `authHmacAlg`), `github` (`X-Hub-Signature-256`), `standard-webhooks` ' +
          '(`webhook-id`, `webhook-timestamp`, `webhook-signature`), `stripe` (`Stripe-Signature`), `slack` ' +
          '(`X-Slack-Signature`, `X-Slack-Request-Timestamp`).\n' +
          '- `Bearer`: `Authorization: Bearer <token>`.\n' +
          '- `Basic`: `Authorization: Basic` with `authUsername` and the password.\n' +
          '- `None`: no check.\n\n' +
          'A source with `allowedCidrs` takes requests only from those addresses. Any other method than POST ' +
          'gets 405 `METHOD_NOT_ALLOWED`.',
        security: [],
        parameters: [
          {
            name: 'Content-Encoding',
            in: 'header',
            description:
              'How the body is compressed: gzip, deflate, br or zstd (at most two, in the order applied). ' +
              'Without it, a compressed body is recognised by its first bytes.',
            schema: { type: 'string' },
          },
        ],
        requestBody: {
          required: true,
          description:
            "The events, read as the source's `logStreamType` says (`Auto` tells them apart by the first byte): " +
            'one JSON object, NDJSON, concatenated objects, a JSON array (or the array at ' +
            '`jsonArrayEnvelopeField`), plain lines, or CloudWatch Logs subscription payloads. At most ' +
            '`[ingest] request_bytes_max` as sent, `decoded_bytes_max` decompressed, `events_per_request_max` ' +
            'events, each at most `event_bytes_max` and `event_depth_max` levels deep.',
          content: {
            'application/json': {
              schema: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] },
            },
            'application/x-ndjson': { schema: { type: 'string', description: 'One JSON object a line.' } },
            'text/plain': { schema: { type: 'string', description: 'One event a line on Lines sources.' } },
            'application/msgpack': {
              schema: {
                description:
                  'MessagePack (also as application/x-msgpack): maps, arrays of maps or `[time, map]` pairs, ' +
                  'one after another, on any source.',
              },
            },
          },
        },
        responses: {
          200: {
            description:
              'The events are stored durably. A Standard Webhooks retry of a delivery already stored is ' +
              'answered `{"accepted": 0, "duplicate": true}` and stores nothing.',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['accepted'],
                  properties: { accepted: { type: 'integer' }, duplicate: { type: 'boolean' } },
                },
              },
            },
          },
          ...errorResponses(
            'NOT_FOUND',
            'UNAUTHORIZED',
            'ADDRESS_NOT_ALLOWED',
            'RATE_LIMITED',
            'OVERLOADED',
            'PAYLOAD_TOO_LARGE',
            'BAD_CONTENT_LENGTH',
            'BODY_READ_FAILED',
            'REQUEST_TIMEOUT',
            'UNSUPPORTED_ENCODING',
            'DECODE_FAILED',
            'DECODED_TOO_LARGE',
            'MALFORMED_JSON',
            'MALFORMED_MSGPACK',
            'NOT_AN_OBJECT',
            'INVALID_UTF8',
            'EVENT_TOO_DEEP',
            'EVENT_TOO_LARGE',
            'TOO_MANY_EVENTS',
            'LOG_OVERLOADED',
            'LOG_UNAVAILABLE',
          ),
        },
      },
    })
    .route('ALL', '/http/:id', methodNotAllowed, { detail: { hide: true } })
    .use(hec.plugin)
  return { plugin, direct }
}

const DUPLICATE = '{"accepted":0,"duplicate":true}'

/** A direct route that answers every error itself, as the app's error mapping would. */
function answering(route: DirectRoute, logger: Logger): DirectRoute {
  return async (request) => {
    try {
      return await route(request)
    } catch (error) {
      if (error instanceof AppError) return errorAnswer(error)
      logger.error('unhandled error', { path: new URL(request.url).pathname, error: String(error) })
      return errorAnswer(new AppError('INTERNAL', 'internal error'))
    }
  }
}

/** RFC 9110 §15.5.6: a 405 must list the methods the resource allows. */
function methodNotAllowed({ request }: { request: Request }): never {
  throw new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use POST`, {
    headers: { allow: 'POST' },
  })
}
