/**
 * Source health and the no-data alarm over the management API (docs/reference.md):
 * `GET /log-sources/http/{id}/health` and `GET`, `PUT`, `DELETE /log-source-alarms/{id}/SOURCE_NO_DATA`.
 * Turning the alarm on, off or to a new threshold is a change of its source, made through the source
 * store; the health room hears of it and judges the alarm again at once.
 */
import { Elysia, t } from 'elysia'
import { type ErrorCode, notFound } from '../errors.ts'
import type { Health } from '../health/index.ts'
import { errorResponses } from '../openapi-docs.ts'
import { NO_DATA } from '../registry/health.ts'
import type { Registry } from '../registry/index.ts'
import { NoDataAlarm, SourceHealth } from '../registry/model.ts'
import { canonicalId } from '../registry/sources.ts'
import { JSON_BODY_ERRORS, jsonBodyRoute } from './body.ts'
import { apiKeyCheck } from './guard.ts'

export interface HealthApiDeps {
  registry: Registry
  health: Health
  bodyBytesMax: number
  bodyTimeoutMs: number
}

const AlarmState = t.Union([t.Literal('OK'), t.Literal('ALARM'), t.Literal('INSUFFICIENT_DATA')])

export const Alarm = t.Object({
  integrationId: t.String(),
  type: t.Literal(NO_DATA),
  minutesThreshold: t.Integer(),
  state: AlarmState,
  stateChangedAt: t.String(),
})

export function healthApi({ registry, health, bodyBytesMax, bodyTimeoutMs }: HealthApiDeps) {
  const { authorized, requireApiKey } = apiKeyCheck(registry.apiKey)
  const jsonBody = jsonBodyRoute({ maxBytes: bodyBytesMax, timeoutMs: bodyTimeoutMs, authorized })
  const params = t.Object({ id: t.String({ description: 'integrationId' }), type: t.String() })

  /** The alarm of an existing source, or a 404 that says whether the source or the alarm is missing. */
  const readAlarm = (id: string) => {
    const source = registry.sources.get(id)
    const alarm = registry.health.noDataAlarm(source.id)
    if (!alarm) throw notFound(`the ${NO_DATA} alarm of source ${source.id} is off`)
    return {
      integrationId: alarm.sourceId,
      type: NO_DATA,
      minutesThreshold: alarm.minutesThreshold,
      state: alarm.state,
      stateChangedAt: alarm.stateChangedAt,
    }
  }
  const checkType = (type: string) => {
    if (type !== NO_DATA) throw notFound(`unknown alarm type '${type}': the alarm type is ${NO_DATA}`)
  }
  const detail = (summary: string, codes: readonly ErrorCode[] = [], success = {}) => ({
    tags: ['health'],
    summary,
    responses: { ...success, ...errorResponses('UNAUTHORIZED', 'NOT_FOUND', ...codes) },
  })

  return new Elysia({ name: 'health-api', normalize: false })
    .onBeforeHandle(requireApiKey)
    .get(
      '/log-sources/http/:id/health',
      async ({ params: { id } }) => {
        const source = registry.sources.get(canonicalId(id))
        await health.totals.ready
        return health.sourceHealth(source.id)
      },
      {
        params: t.Object({ id: t.String({ description: 'integrationId' }) }),
        response: SourceHealth,
        detail: detail("A source's counters, last event and alarms"),
      },
    )
    .get(
      '/log-source-alarms/:id/:type',
      ({ params: { id, type } }) => {
        checkType(type)
        return readAlarm(id)
      },
      { params, response: Alarm, detail: detail("A source's SOURCE_NO_DATA alarm") },
    )
    .put(
      '/log-source-alarms/:id/:type',
      ({ params: { id, type }, body }) => {
        checkType(type)
        registry.sources.setNoDataAlarm(id, { minutesThreshold: body.minutesThreshold })
        return readAlarm(id)
      },
      {
        params,
        ...jsonBody(NoDataAlarm, detail('Turn the alarm on, or change its threshold', JSON_BODY_ERRORS)),
        response: Alarm,
      },
    )
    .delete(
      '/log-source-alarms/:id/:type',
      ({ params: { id, type }, set }) => {
        checkType(type)
        registry.sources.setNoDataAlarm(id, null)
        set.status = 204
      },
      {
        params,
        detail: detail('Turn the alarm off; what it raised is resolved', [], {
          204: { description: 'The alarm is off.' },
        }),
      },
    )
}
