/**
 * `POST /alerts/test` on a plugin mounted the way the app mounts it: the admin key first, then 409 when no
 * receiver is configured, else the receiver's own answer to a signed test alert.
 */
import { afterEach, beforeEach, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { Webhook } from 'standardwebhooks'
import { alertsApi } from '../../src/api/alerts.ts'
import { errorMapping } from '../../src/api/errors.ts'
import type { AlertDeliverer } from '../../src/health/alerts/deliver.ts'
import { silentLogger } from '../../src/logger.ts'
import { BASE_URL, TEST_API_KEY, type TestApp, testApp } from '../helpers.ts'
import { rig, SECRET, startReceiver, stopReceivers } from './alerts-fixtures.ts'

let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(async () => {
  stopReceivers()
  await t.close()
})

function post(deliverer: AlertDeliverer | null, key: string | null = TEST_API_KEY, body?: string) {
  const app = new Elysia({ name: 'alerts-api-test' })
    .use(errorMapping(silentLogger))
    .use(alertsApi({ registry: t.registry, deliverer, clock: () => t.clock.now }))
  const headers: Record<string, string> = key === null ? {} : { 'x-api-key': key }
  return app.handle(new Request(`${BASE_URL}/alerts/test`, { method: 'POST', headers, body }))
}

test('401 without the key or with a wrong one, configured or not', async () => {
  const { deliverer } = rig(startReceiver().url)
  for (const configured of [null, deliverer]) {
    expect((await post(configured, null)).status).toBe(401)
    expect((await post(configured, 'wrong-key-wrong-key')).status).toBe(401)
  }
})

test('409 ALERTS_NOT_CONFIGURED when no webhook_url is set', async () => {
  const response = await post(null)
  expect(response.status).toBe(409)
  expect(await response.json()).toEqual({
    message: expect.stringContaining('[alerts] webhook_url (INLET_ALERTS_WEBHOOK_URL)'),
    error: { code: 'ALERTS_NOT_CONFIGURED', message: expect.any(String) },
  })
})

test("200 with the receiver's answer to a signed test alert; a body is ignored", async () => {
  const receiver = startReceiver(() => new Response('got it', { status: 200 }))
  const { deliverer, outbox } = rig(receiver.url)
  const response = await post(deliverer, TEST_API_KEY, '{"anything": true}')
  expect(response.status).toBe(200)
  const answer = (await response.json()) as Record<string, unknown>
  expect(answer).toEqual({
    delivered: true,
    status: 200,
    response: 'got it',
    webhookId: expect.stringMatching(/^msg_/),
    durationMs: expect.any(Number),
  })
  const [received] = receiver.received
  expect(received!.headers['webhook-id']).toBe(answer.webhookId as string)
  expect(new Webhook(SECRET).verify(received!.body, received!.headers)).toEqual({
    type: 'TEST',
    state: 'OK',
    sourceId: null,
    sourceLabel: null,
    minutesThreshold: null,
    lastEventReceivedAtTime: null,
    at: '2026-11-28T12:00:00.000Z',
    message: 'Test alert from Inlet',
  })
  expect(outbox.size()).toBe(0)
})

test("200 with delivered false and the receiver's refusal", async () => {
  const receiver = startReceiver(() => new Response('invalid_token', { status: 403 }))
  const { deliverer } = rig(receiver.url)
  const response = await post(deliverer)
  expect(response.status).toBe(200)
  expect(await response.json()).toMatchObject({
    delivered: false,
    status: 403,
    response: 'invalid_token',
    error: 'the receiver answered HTTP 403',
  })
})
