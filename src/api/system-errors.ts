/**
 * `GET /system-errors`: the problems the appliance noticed on its own, open ones first, then past ones
 * newest first (docs/reference.md).
 */
import { Elysia, t } from 'elysia'
import { errorResponses } from '../openapi-docs.ts'
import type { Registry } from '../registry/index.ts'
import { SystemError } from '../registry/model.ts'
import { canonicalId } from '../registry/sources.ts'
import { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX } from '../registry/system-errors.ts'
import { apiKeyCheck } from './guard.ts'
import { integerParam, integerQuery } from './params.ts'

export function systemErrorsApi({ registry }: { registry: Registry }) {
  const { requireApiKey } = apiKeyCheck(registry.apiKey)
  // The key is checked on transform, which runs before the query is validated: a caller without the
  // key learns nothing from which parameters are refused.
  return new Elysia({ name: 'system-errors-api', normalize: false }).onTransform(requireApiKey).get(
    '/system-errors',
    ({ query }) => ({
      results: registry.systemErrors.list({
        ...query,
        limit: integerParam('limit', query.limit, {
          min: 1,
          max: LIST_LIMIT_MAX,
          fallback: LIST_LIMIT_DEFAULT,
        }),
        sourceId: query.sourceId === undefined ? undefined : canonicalId(query.sourceId),
      }),
    }),
    {
      query: t.Object({
        state: t.Optional(
          t.Union([t.Literal('open'), t.Literal('resolved')], { description: 'Only these.' }),
        ),
        sourceId: t.Optional(t.String({ maxLength: 64, description: 'Only errors of this source.' })),
        limit: integerQuery(1, LIST_LIMIT_MAX, `At most this many errors, default ${LIST_LIMIT_DEFAULT}.`),
      }),
      response: t.Object({ results: t.Array(SystemError) }),
      detail: {
        tags: ['system errors'],
        summary: 'List open and past system errors',
        responses: errorResponses('UNAUTHORIZED', 'VALIDATION_ERROR'),
      },
    },
  )
}
