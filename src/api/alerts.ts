/**
 * `POST /alerts/test`: sends a test alert to the configured receiver at once, outside the outbox, and
 * answers with what the receiver said (docs/reference.md), so an operator setting up `[alerts]` sees
 * whether the URL, the format and the receiver's signature check work without waiting for a real alarm.
 */
import { Elysia, t } from 'elysia'
import { AppError } from '../errors.ts'
import type { AlertDeliverer } from '../health/alerts/deliver.ts'
import { errorResponses } from '../openapi-docs.ts'
import type { Alert } from '../registry/alerts.ts'
import type { Registry } from '../registry/index.ts'
import { apiKeyCheck } from './guard.ts'

export interface AlertsApiDeps {
  registry: Registry
  /** Null when `[alerts] webhook_url` is empty. */
  deliverer: Pick<AlertDeliverer, 'send'> | null
  clock?: () => number
}

const DeliveryResult = t.Object({
  delivered: t.Boolean({ description: 'The receiver answered 2xx.' }),
  status: t.Union([t.Integer(), t.Null()], {
    description: "The receiver's HTTP status; null when none came (unreachable, timed out).",
  }),
  response: t.String({ description: "The start of the receiver's answer body (at most 1 KiB)." }),
  error: t.Optional(t.String({ description: 'Why the alert was not delivered.' })),
  webhookId: t.String({ description: 'The `webhook-id` the test alert was sent with.' }),
  durationMs: t.Integer(),
})

export function testAlert(atMs: number): Alert {
  return {
    type: 'TEST',
    state: 'OK',
    sourceId: null,
    sourceLabel: null,
    minutesThreshold: null,
    lastEventReceivedAtTime: null,
    at: new Date(atMs).toISOString(),
    message: 'Test alert from Inlet',
  }
}

export function alertsApi({ registry, deliverer, clock = Date.now }: AlertsApiDeps) {
  const { requireApiKey } = apiKeyCheck(registry.apiKey)
  return new Elysia({ name: 'alerts-api', normalize: false }).onTransform(requireApiKey).post(
    '/alerts/test',
    () => {
      if (!deliverer) {
        throw new AppError(
          'ALERTS_NOT_CONFIGURED',
          'no alert receiver is configured: set [alerts] webhook_url (INLET_ALERTS_WEBHOOK_URL)',
        )
      }
      return deliverer.send(testAlert(clock()))
    },
    {
      // The request needs no body; whatever is sent is left unread.
      parse: 'none',
      response: DeliveryResult,
      detail: {
        tags: ['alerts'],
        summary: "Send a test alert to the configured receiver and return the receiver's answer",
        responses: errorResponses('UNAUTHORIZED', 'ALERTS_NOT_CONFIGURED'),
      },
    },
  )
}
