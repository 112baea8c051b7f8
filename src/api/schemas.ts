/**
 * `/schemas`: create, list, read, update and delete log schemas (docs/reference.md), with Panther's
 * names so its clients and scripts work unchanged. Schema names hold dots (`Custom.Acme.Audit`), which
 * the `:name` parameter takes whole; a percent-encoded name is decoded.
 */
import { Elysia, t } from 'elysia'
import type { ErrorCode } from '../errors.ts'
import { errorResponses } from '../openapi-docs.ts'
import type { Registry } from '../registry/index.ts'
import { LogSchema, LogSchemaInput } from '../registry/model.ts'
import type { SchemaRecord } from '../registry/schemas.ts'
import { JSON_BODY_ERRORS, jsonBodyRoute } from './body.ts'
import { apiKeyCheck } from './guard.ts'

export interface SchemasDeps {
  registry: Registry
  bodyBytesMax: number
  bodyTimeoutMs: number
}

export function schemasApi({ registry, bodyBytesMax, bodyTimeoutMs }: SchemasDeps) {
  const { authorized, requireApiKey } = apiKeyCheck(registry.apiKey)
  const schemas = registry.schemas
  const params = t.Object({ name: t.String({ description: 'Schema name, e.g. Custom.MyApp' }) })
  const detail = (summary: string, codes: readonly ErrorCode[] = [], success = {}) => ({
    tags: ['schemas'],
    summary,
    responses: { ...success, ...errorResponses('UNAUTHORIZED', ...codes) },
  })
  const jsonBody = jsonBodyRoute({ maxBytes: bodyBytesMax, timeoutMs: bodyTimeoutMs, authorized })

  // normalize: false makes an unknown field a 400 instead of silently dropping it.
  return new Elysia({ name: 'schemas-api', prefix: '/schemas', normalize: false })
    .onBeforeHandle(requireApiKey)
    .post(
      '',
      ({ body, set }) => {
        set.status = 201
        return toApiSchema(schemas.create(body))
      },
      {
        ...jsonBody(
          LogSchemaInput,
          detail('Create a schema', [...JSON_BODY_ERRORS, 'CONFLICT', 'LIMIT_REACHED']),
        ),
        response: { 201: LogSchema },
      },
    )
    .get('', () => ({ results: schemas.list().map(toApiSchema) }), {
      response: t.Object({ results: t.Array(LogSchema) }),
      detail: detail('List schemas'),
    })
    .get('/:name', ({ params: { name } }) => toApiSchema(schemas.get(name)), {
      params,
      response: LogSchema,
      detail: detail('Read a schema', ['NOT_FOUND']),
    })
    .put('/:name', ({ params: { name }, body }) => toApiSchema(schemas.update(name, body)), {
      params,
      ...jsonBody(
        LogSchemaInput,
        detail('Update a schema: fields may be added and descriptions changed, nothing removed or retyped', [
          ...JSON_BODY_ERRORS,
          'NOT_FOUND',
        ]),
      ),
      response: LogSchema,
    })
    .delete(
      '/:name',
      ({ params: { name }, set }) => {
        schemas.remove(name)
        set.status = 204
      },
      {
        params,
        detail: detail(
          'Delete a schema no source uses (409 naming the sources that do)',
          ['NOT_FOUND', 'CONFLICT'],
          {
            204: { description: 'The schema is deleted.' },
          },
        ),
      },
    )
}

export function toApiSchema(schema: SchemaRecord): LogSchema {
  return {
    name: schema.name,
    ...(schema.description !== null && { description: schema.description }),
    ...(schema.referenceURL !== null && { referenceURL: schema.referenceURL }),
    spec: schema.spec,
    isFieldDiscoveryEnabled: schema.isFieldDiscoveryEnabled,
    revision: schema.revision,
    isManaged: false,
    createdAt: schema.createdAt,
    updatedAt: schema.updatedAt,
  }
}
