/**
 * `POST /log-sources/http/{id}/infer-schema`: the source's draft schema, inferred from the events it has
 * stored (docs/reference.md), as `{"spec": "<yaml>", "eventsSampled": N}`. With `{"saveAs": {"name"}}`
 * the draft is also saved as a schema and attached to the source, so a sender's events start being
 * classified with one call; the answer then carries the new `schema` and the updated `source` too.
 */
import { Elysia, t } from 'elysia'
import { errorResponses } from '../openapi-docs.ts'
import type { Registry } from '../registry/index.ts'
import { InferSchemaInput, LogSchema, Source } from '../registry/model.ts'
import type { InferenceJob } from '../schemas/job.ts'
import { JSON_BODY_ERRORS, jsonBodyRoute } from './body.ts'
import { apiKeyCheck } from './guard.ts'
import { toApiSource } from './log-sources.ts'
import { toApiSchema } from './schemas.ts'

export interface InferSchemaDeps {
  registry: Registry
  inference: InferenceJob
  publicUrl: () => string
  bodyBytesMax: number
  bodyTimeoutMs: number
}

export function inferSchemaApi({
  registry,
  inference,
  publicUrl,
  bodyBytesMax,
  bodyTimeoutMs,
}: InferSchemaDeps) {
  const { authorized, requireApiKey } = apiKeyCheck(registry.apiKey)
  const jsonBody = jsonBodyRoute({ maxBytes: bodyBytesMax, timeoutMs: bodyTimeoutMs, authorized })
  return new Elysia({ name: 'infer-schema-api', prefix: '/log-sources/http', normalize: false })
    .onBeforeHandle(requireApiKey)
    .post(
      '/:id/infer-schema',
      async ({ params: { id }, body }) => {
        const draft = await inference.infer(id)
        if (!body.saveAs) return draft
        const schema = registry.schemas.create({ ...body.saveAs, spec: draft.spec })
        const source = registry.sources.attachLogType(id, schema.name)
        return { ...draft, schema: toApiSchema(schema), source: toApiSource(source, publicUrl()) }
      },
      {
        params: t.Object({ id: t.String({ description: 'integrationId' }) }),
        ...jsonBody(InferSchemaInput, {
          tags: ['log sources'],
          summary: 'Infer a schema from the events the source has stored; optionally save and attach it',
          responses: errorResponses(
            ...JSON_BODY_ERRORS,
            'NOT_FOUND',
            'NO_EVENTS',
            'CONFLICT',
            'LIMIT_REACHED',
          ),
        }),
        response: t.Object({
          spec: t.String({ description: 'The draft schema as YAML.' }),
          eventsSampled: t.Integer(),
          schema: t.Optional(LogSchema),
          source: t.Optional(Source),
        }),
      },
    )
}
