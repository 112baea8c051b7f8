/**
 * `/log-sources/http`: create, list, read, replace and delete HTTP log sources, and rotate their
 * secrets (docs/reference.md). Secrets appear only in the response of the request that set them.
 */
import { Elysia, t } from 'elysia'
import { badRequest, type ErrorCode } from '../errors.ts'
import type { Health, SourceHealth } from '../health/index.ts'
import { errorResponses } from '../openapi-docs.ts'
import type { Registry } from '../registry/index.ts'
import { RotateInput, Source, SourceInput } from '../registry/model.ts'
import { canonicalId, type SourceChange, type SourceRecord } from '../registry/sources.ts'
import { JSON_BODY_ERRORS, jsonBodyRoute } from './body.ts'
import { apiKeyCheck } from './guard.ts'

export interface LogSourcesDeps {
  registry: Registry
  /** Base URL senders reach this server at, without a trailing slash. */
  publicUrl: () => string
  bodyBytesMax: number
  bodyTimeoutMs: number
  /** Each source is shown with its health summary, so a table of sources needs one call. */
  health: Health
}

export function logSourcesApi({ registry, publicUrl, bodyBytesMax, bodyTimeoutMs, health }: LogSourcesDeps) {
  const { authorized, requireApiKey } = apiKeyCheck(registry.apiKey)
  const present = (source: SourceRecord, summary = health.sourceHealth(source.id)) =>
    toApiSource(source, publicUrl(), summary)
  const presentChange = ({ source, secret }: SourceChange) =>
    secret ? { ...present(source), [secret.field]: secret.value } : present(source)
  const sources = registry.sources
  const params = t.Object({ id: t.String({ description: 'integrationId' }) })
  const detail = (summary: string, codes: readonly ErrorCode[] = [], success = {}) => ({
    tags: ['log sources'],
    summary,
    responses: { ...success, ...errorResponses('UNAUTHORIZED', ...codes) },
  })
  const jsonBody = jsonBodyRoute({ maxBytes: bodyBytesMax, timeoutMs: bodyTimeoutMs, authorized })

  // normalize: false makes an unknown field a 400 instead of silently dropping it.
  return new Elysia({ name: 'log-sources-api', prefix: '/log-sources/http', normalize: false })
    .onBeforeHandle(requireApiKey)
    .post(
      '',
      ({ body, set }) => {
        if (body.integrationId !== undefined) {
          throw badRequest('integrationId is set by the server; leave it out when creating', 'integrationId')
        }
        set.status = 201
        return presentChange(sources.create(body))
      },
      {
        ...jsonBody(SourceInput, detail('Create a source', [...JSON_BODY_ERRORS, 'CONFLICT'])),
        response: { 201: Source },
      },
    )
    .get(
      '',
      async () => {
        // Right after a crash the totals are being read back from the log: no short counts are shown.
        await health.totals.ready
        const all = sources.list()
        const summaries = health.healthOf(all.map((source) => source.id))
        return { results: all.map((source) => present(source, summaries.get(source.id))) }
      },
      {
        response: t.Object({ results: t.Array(Source) }),
        detail: detail('List sources, each with its health'),
      },
    )
    .get(
      '/:id',
      async ({ params: { id } }) => {
        const source = sources.get(id)
        await health.totals.ready
        return present(source)
      },
      {
        params,
        response: Source,
        detail: detail('Read a source, with its health', ['NOT_FOUND']),
      },
    )
    .put(
      '/:id',
      ({ params: { id }, body }) => {
        if (body.integrationId !== undefined && canonicalId(body.integrationId) !== canonicalId(id)) {
          throw badRequest('integrationId in the body differs from the one in the path', 'integrationId')
        }
        return presentChange(sources.replace(id, body))
      },
      {
        params,
        ...jsonBody(
          SourceInput,
          detail('Replace a source (secrets kept unless given)', [
            ...JSON_BODY_ERRORS,
            'NOT_FOUND',
            'CONFLICT',
          ]),
        ),
        response: Source,
      },
    )
    .delete(
      '/:id',
      ({ params: { id }, set }) => {
        sources.remove(id)
        set.status = 204
      },
      {
        params,
        detail: detail('Delete a source', ['NOT_FOUND'], { 204: { description: 'The source is deleted.' } }),
      },
    )
    .post('/:id/rotate-secret', ({ params: { id }, body }) => presentChange(sources.rotate(id, body)), {
      params,
      ...jsonBody(
        RotateInput,
        detail('Issue a new secret; the old one stays valid for graceSeconds', [
          ...JSON_BODY_ERRORS,
          'NOT_FOUND',
        ]),
      ),
      response: Source,
    })
}

export function toApiSource(source: SourceRecord, baseUrl: string, health?: SourceHealth) {
  const optional = <V>(value: V | null) => (value === null ? undefined : value)
  return {
    integrationId: source.id,
    integrationLabel: source.label,
    logTypes: source.logTypes,
    logStreamType: source.streamType,
    logStreamTypeOptions: source.streamOptions,
    authMethod: source.authMethod,
    authHeaderKey: optional(source.authHeaderKey),
    authHmacAlg: optional(source.authHmacAlg),
    authHmacScheme: optional(source.authHmacScheme),
    authUsername: optional(source.authUsername),
    previousSecretExpiresAt: source.previousSecretExpiresAt,
    noDataAlarm: source.noDataAlarmMinutes === null ? null : { minutesThreshold: source.noDataAlarmMinutes },
    allowedCidrs: source.allowedCidrs,
    httpHeaders: source.httpHeaders,
    url: `${baseUrl}/http/${source.id}`,
    createdAt: source.createdAt,
    lastModified: source.lastModified,
    health,
  }
}
