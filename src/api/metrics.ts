/**
 * `GET /metrics`: the Prometheus text exposition (health/metrics.ts writes it). Read with the admin key
 * (`X-API-Key`), or `Authorization: Bearer` with `[health] metrics_token` or the admin key, so a scraper
 * can be given a token that reads the metrics and nothing else.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { Elysia } from 'elysia'
import { AppError } from '../errors.ts'
import { type MetricsDeps, renderMetrics } from '../health/metrics.ts'
import { errorResponses } from '../openapi-docs.ts'
import type { ApiKeyGuard } from '../registry/api-key.ts'
import { API_KEY_HEADER } from './guard.ts'

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
const BEARER_CHALLENGE = 'Bearer realm="inlet"'

export interface MetricsRouteDeps extends MetricsDeps {
  apiKey: ApiKeyGuard
  /** May read /metrics as a Bearer token; '' when none is configured. */
  metricsToken: string
}

export function metricsRoute(deps: MetricsRouteDeps) {
  const authorized = metricsAuthorization(deps.apiKey, deps.metricsToken)
  return new Elysia({ name: 'metrics', normalize: false }).get(
    '/metrics',
    function metrics({ request }) {
      if (!authorized(request)) {
        throw new AppError('UNAUTHORIZED', 'missing or invalid API key or metrics token', {
          headers: { 'www-authenticate': BEARER_CHALLENGE },
        })
      }
      return new Response(renderMetrics(deps), { headers: { 'content-type': METRICS_CONTENT_TYPE } })
    },
    {
      detail: {
        tags: ['health'],
        summary: 'Metrics in the Prometheus text format',
        description:
          'Needs the admin key in X-API-Key, or `Authorization: Bearer` with `[health] metrics_token` or the admin key.',
        security: [{ apiKey: [] }, { metricsToken: [] }],
        responses: {
          200: {
            description: 'The metrics, in the Prometheus text exposition format 0.0.4.',
            content: { [METRICS_CONTENT_TYPE]: { schema: { type: 'string' } } },
          },
          ...errorResponses('UNAUTHORIZED'),
        },
      },
    },
  )
}

/**
 * The check for /metrics: the admin key as `X-API-Key` or as a Bearer token, or the metrics token as a
 * Bearer token. The metrics token is compared by digest, in constant time whatever its length.
 */
export function metricsAuthorization(apiKey: ApiKeyGuard, metricsToken: string) {
  const tokenDigest = metricsToken === '' ? null : digest(metricsToken)
  return function authorized(request: Request): boolean {
    if (apiKey.verify(request.headers.get(API_KEY_HEADER))) return true
    const bearer = bearerToken(request.headers.get('authorization'))
    if (bearer === null) return false
    const isToken = tokenDigest !== null && timingSafeEqual(digest(bearer), tokenDigest)
    // Both are checked whatever the first says, so the time taken does not tell which matched.
    const isKey = apiKey.verify(bearer)
    return isToken || isKey
  }
}

/** RFC 9110 §11.6.2 with the Bearer scheme (case-insensitive, §11.1): the credentials, or null. */
function bearerToken(header: string | null): string | null {
  const match = header === null ? null : /^bearer +(\S+) *$/i.exec(header)
  return match ? match[1]! : null
}

const digest = (text: string) => createHash('sha256').update(text).digest()
