/**
 * The SOURCE_NO_DATA alarm's life cycle with a clock the tests move: it waits for a first event, fires once
 * per quiet episode, clears on the next event, keeps its state across a restart, follows threshold
 * changes, and is resolved when it or its source is removed. Alerts go to a recording fetch.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import type { Alert } from '../../src/registry/alerts.ts'
import { type TestApp, tempDir, testApp } from '../helpers.ts'

const MINUTE = 60_000
const RECEIVER = 'http://127.0.0.1:9/alerts'

/** Records what the deliverer sends; every delivery succeeds. */
function receiver() {
  const alerts: Alert[] = []
  const fetch = (async (_url: string, init: RequestInit) => {
    alerts.push(JSON.parse(String(init.body)) as Alert)
    return new Response('ok')
  }) as unknown as typeof globalThis.fetch
  return { alerts, fetch }
}

let open: TestApp[] = []
afterEach(async () => {
  for (const app of open) await app.close()
  open = []
})

async function start(options: { dataDir?: string; now?: number; fetch?: typeof fetch } = {}) {
  const app = await testApp({ ...options, env: { INLET_ALERTS_WEBHOOK_URL: RECEIVER } })
  open.push(app)
  await app.health.totals.ready
  return app
}

async function createSource(app: TestApp, minutesThreshold = 15) {
  const response = await app.call('POST', '/log-sources/http', {
    body: { integrationLabel: 'quiet', authMethod: 'None', noDataAlarm: { minutesThreshold } },
  })
  expect(response.status).toBe(201)
  return ((await response.json()) as { integrationId: string }).integrationId
}

async function send(app: TestApp, id: string) {
  const response = await app.call('POST', `/http/${id}`, { body: '{"n":1}\n', key: null })
  expect(response.status).toBe(200)
  // A watched source's alarm is judged on a timer of its own, right after the request.
  await Bun.sleep(5)
}

async function alarm(app: TestApp, id: string) {
  const response = await app.call('GET', `/log-source-alarms/${id}/SOURCE_NO_DATA`)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const openErrors = (app: TestApp, id: string) =>
  app.registry.systemErrors.list({ state: 'open', sourceId: id }).filter((e) => e.type === 'SOURCE_NO_DATA')

/** Lets the deliverer take what is in the outbox. */
async function delivered(app: TestApp) {
  await app.services.deliverer?.wake()
}

describe('the SOURCE_NO_DATA alarm', () => {
  test('waits for a first event, fires once the source is quiet for its threshold, and once only', async () => {
    const { alerts, fetch } = receiver()
    const app = await start({ fetch })
    const id = await createSource(app)
    expect((await alarm(app, id)).body).toMatchObject({ state: 'INSUFFICIENT_DATA', minutesThreshold: 15 })
    app.clock.now += 600 * MINUTE
    app.health.check()
    expect((await alarm(app, id)).body.state).toBe('INSUFFICIENT_DATA')

    await send(app, id)
    const lastEventAt = new Date(app.clock.now).toISOString()
    expect((await alarm(app, id)).body).toMatchObject({ state: 'OK', stateChangedAt: lastEventAt })
    app.clock.now += 15 * MINUTE - 1
    app.health.check()
    expect((await alarm(app, id)).body.state).toBe('OK')
    app.clock.now += 1
    app.health.check()
    expect((await alarm(app, id)).body).toMatchObject({
      state: 'ALARM',
      stateChangedAt: new Date(app.clock.now).toISOString(),
    })
    for (let i = 0; i < 3; i++) {
      app.clock.now += 10 * MINUTE
      app.health.check()
    }
    expect(openErrors(app, id)).toHaveLength(1)
    expect(openErrors(app, id)[0]!.count).toBe(1)
    const health = await (await app.call('GET', `/log-sources/http/${id}/health`)).json()
    expect(health).toMatchObject({ isHealthy: false, lastEventReceivedAtTime: lastEventAt, eventsTotal: 1 })
    await delivered(app)
    expect(alerts).toEqual([
      {
        type: 'SOURCE_NO_DATA',
        state: 'ALARM',
        sourceId: id,
        sourceLabel: 'quiet',
        minutesThreshold: 15,
        lastEventReceivedAtTime: lastEventAt,
        at: new Date(Date.parse(lastEventAt) + 15 * MINUTE).toISOString(),
        message: `source 'quiet' has received no events for 15 minutes (threshold 15 minutes; last event at ${lastEventAt})`,
      },
    ])
  })

  test('clears on the next event: the error is resolved and an OK alert sent; a later quiet spell fires again', async () => {
    const { alerts, fetch } = receiver()
    const app = await start({ fetch })
    const id = await createSource(app)
    await send(app, id)
    app.clock.now += 20 * MINUTE
    app.health.check()
    await send(app, id)
    expect((await alarm(app, id)).body.state).toBe('OK')
    expect(openErrors(app, id)).toHaveLength(0)
    const health = await (await app.call('GET', `/log-sources/http/${id}/health`)).json()
    expect(health.isHealthy).toBe(true)
    app.clock.now += 16 * MINUTE
    app.health.check()
    await delivered(app)
    expect(alerts.map((a) => a.state)).toEqual(['ALARM', 'OK', 'ALARM'])
    expect(alerts[1]!.message).toContain("source 'quiet' receives events again")
    const history = app.registry.systemErrors.list({ sourceId: id })
    expect(history.map((e) => e.state)).toEqual(['open', 'resolved'])
  })

  test('a restart in the middle of an episode neither fires again nor forgets it; time passed while stopped counts', async () => {
    using dir = tempDir()
    const { alerts, fetch } = receiver()
    let app = await start({ dataDir: dir.path, fetch })
    const id = await createSource(app)
    await send(app, id)
    app.clock.now += 20 * MINUTE
    app.health.check()
    await delivered(app)
    const stoppedAt = app.clock.now
    await app.close()
    open = []

    app = await start({ dataDir: dir.path, now: stoppedAt + 60 * MINUTE, fetch })
    app.health.check()
    expect((await alarm(app, id)).body.state).toBe('ALARM')
    expect(openErrors(app, id)[0]!.count).toBe(1)
    await send(app, id)
    await delivered(app)
    expect(alerts.map((a) => a.state)).toEqual(['ALARM', 'OK'])

    // Stopped while OK, for longer than the threshold: the first check after start fires.
    const okAt = app.clock.now
    await app.close()
    open = []
    app = await start({ dataDir: dir.path, now: okAt + 30 * MINUTE, fetch })
    await Bun.sleep(5)
    expect((await alarm(app, id)).body.state).toBe('ALARM')
  })

  test('a threshold changed while in ALARM clears it if the source is now within it, and keeps it if not', async () => {
    const { alerts, fetch } = receiver()
    const app = await start({ fetch })
    const id = await createSource(app)
    await send(app, id)
    app.clock.now += 20 * MINUTE
    app.health.check()
    const put = (minutesThreshold: number) =>
      app.call('PUT', `/log-source-alarms/${id}/SOURCE_NO_DATA`, { body: { minutesThreshold } })

    const lower = await put(16)
    expect(lower.status).toBe(200)
    expect(await lower.json()).toMatchObject({ state: 'ALARM', minutesThreshold: 16 })
    expect(openErrors(app, id)[0]!.count).toBe(1)

    const higher = await put(60)
    expect(await higher.json()).toMatchObject({ state: 'OK', minutesThreshold: 60 })
    expect(openErrors(app, id)).toHaveLength(0)
    app.clock.now += 40 * MINUTE
    app.health.check()
    expect((await alarm(app, id)).body.state).toBe('ALARM')
    await delivered(app)
    expect(alerts.map((a) => [a.state, a.minutesThreshold])).toEqual([
      ['ALARM', 15],
      ['OK', 60],
      ['ALARM', 60],
    ])
  })

  test('turning the alarm off resolves what it raised; turning it on again waits for a new event', async () => {
    const { alerts, fetch } = receiver()
    const app = await start({ fetch })
    const id = await createSource(app)
    await send(app, id)
    app.clock.now += 20 * MINUTE
    app.health.check()
    const off = await app.call('DELETE', `/log-source-alarms/${id}/SOURCE_NO_DATA`)
    expect(off.status).toBe(204)
    expect(openErrors(app, id)).toHaveLength(0)
    expect(await alarm(app, id)).toMatchObject({ status: 404 })
    const health = await (await app.call('GET', `/log-sources/http/${id}/health`)).json()
    expect(health).toMatchObject({ isHealthy: true, alarms: [] })
    const source = await (await app.call('GET', `/log-sources/http/${id}`)).json()
    expect(source.noDataAlarm).toBeNull()

    await app.call('PUT', `/log-source-alarms/${id}/SOURCE_NO_DATA`, { body: { minutesThreshold: 15 } })
    app.clock.now += 20 * MINUTE
    app.health.check()
    expect((await alarm(app, id)).body.state).toBe('INSUFFICIENT_DATA')
    await delivered(app)
    expect(alerts.map((a) => a.state)).toEqual(['ALARM', 'OK'])
    expect(alerts[1]!.message).toContain('was turned off')
  })

  test('deleting a source in ALARM resolves its open errors and sends the clearing alert; history stays', async () => {
    const { alerts, fetch } = receiver()
    const app = await start({ fetch })
    const id = await createSource(app)
    const kept = await (
      await app.call('POST', '/log-sources/http', { body: { integrationLabel: 'kept', authMethod: 'None' } })
    ).json()
    app.registry.systemErrors.raise({ type: 'SOURCE_CLASSIFICATION_FAILURES', sourceId: id, message: 'x' })
    app.registry.systemErrors.raise({
      type: 'SOURCE_CLASSIFICATION_FAILURES',
      sourceId: kept.integrationId,
      message: 'x',
    })
    await send(app, id)
    app.clock.now += 20 * MINUTE
    app.health.check()
    expect((await app.call('DELETE', `/log-sources/http/${id}`)).status).toBe(204)
    expect(app.registry.systemErrors.list({ state: 'open', sourceId: id })).toEqual([])
    expect(app.registry.systemErrors.list({ sourceId: id }).map((e) => e.state)).toEqual([
      'resolved',
      'resolved',
    ])
    expect(app.registry.systemErrors.list({ state: 'open' }).map((e) => e.sourceId)).toEqual([
      kept.integrationId,
    ])
    await delivered(app)
    expect(alerts.map((a) => `${a.type} ${a.state}`)).toEqual([
      'SOURCE_NO_DATA ALARM',
      expect.stringMatching(/^SOURCE_(NO_DATA|CLASSIFICATION_FAILURES) OK$/),
      expect.stringMatching(/^SOURCE_(NO_DATA|CLASSIFICATION_FAILURES) OK$/),
    ])
    expect(app.registry.health.noDataAlarms().map((a) => a.sourceId)).toEqual([kept.integrationId])
  })
})

describe('the alarm and health routes', () => {
  test('a threshold outside 15..43200 is a 400 naming the field; unknown sources and types are 404', async () => {
    const app = await start()
    const id = await createSource(app)
    for (const minutesThreshold of [14, 43_201, 15.5]) {
      const response = await app.call('PUT', `/log-source-alarms/${id}/SOURCE_NO_DATA`, {
        body: { minutesThreshold },
      })
      expect(response.status).toBe(400)
      expect(JSON.stringify(await response.json())).toContain('minutesThreshold')
    }
    const missing = '00000000-0000-4000-8000-000000000000'
    for (const [method, path] of [
      ['GET', `/log-source-alarms/${missing}/SOURCE_NO_DATA`],
      ['PUT', `/log-source-alarms/${missing}/SOURCE_NO_DATA`],
      ['DELETE', `/log-source-alarms/${missing}/SOURCE_NO_DATA`],
      ['GET', `/log-sources/http/${missing}/health`],
      ['GET', `/log-source-alarms/${id}/SOURCE_LOUD`],
    ] as const) {
      const response = await app.call(
        method,
        path,
        method === 'PUT' ? { body: { minutesThreshold: 30 } } : {},
      )
      expect([method, path, response.status]).toEqual([method, path, 404])
    }
    const noKey = await app.call('GET', `/log-source-alarms/${id}/SOURCE_NO_DATA`, { key: null })
    expect(noKey.status).toBe(401)
    const upper = await app.call('GET', `/log-source-alarms/${id.toUpperCase()}/SOURCE_NO_DATA`)
    expect(upper.status).toBe(200)
  })

  test('the source list and a source read carry the same health summary as the health route', async () => {
    const app = await start()
    const id = await createSource(app)
    await send(app, id)
    const refused = await app.call('POST', `/http/${id}`, {
      body: '{}',
      key: null,
      headers: { 'content-encoding': 'compress' },
    })
    expect(refused.status).toBe(415)
    const health = await (await app.call('GET', `/log-sources/http/${id}/health`)).json()
    expect(health).toEqual({
      isHealthy: true,
      lastEventReceivedAtTime: new Date(app.clock.now).toISOString(),
      eventsTotal: 1,
      bytesTotal: 8,
      requestsTotal: 2,
      classificationFailuresTotal: 0,
      authFailuresTotal: 0,
      alarms: [
        {
          type: 'SOURCE_NO_DATA',
          state: 'OK',
          minutesThreshold: 15,
          stateChangedAt: new Date(app.clock.now).toISOString(),
        },
      ],
    })
    const list = await (await app.call('GET', '/log-sources/http')).json()
    expect(list.results[0].health).toEqual(health)
    const one = await (await app.call('GET', `/log-sources/http/${id}`)).json()
    expect(one.health).toEqual(health)
    // What a GET returns can be sent back as a PUT: the health summary is ignored, not refused.
    const put = await app.call('PUT', `/log-sources/http/${id}`, {
      body: { ...one, url: undefined, integrationId: undefined },
    })
    expect(put.status).toBe(200)
  })
})

describe('system errors with a life cycle', () => {
  test('SOURCE_CLASSIFICATION_FAILURES is resolved after the quiet period without failures', async () => {
    const app = await start()
    const id = await createSource(app)
    app.health.notifier.raise({ type: 'SOURCE_CLASSIFICATION_FAILURES', sourceId: id, message: 'failed' })
    app.clock.now += 59 * MINUTE
    app.health.check()
    expect(app.registry.systemErrors.list({ state: 'open', sourceId: id })).toHaveLength(1)
    app.clock.now += MINUTE
    app.health.check()
    expect(app.registry.systemErrors.list({ state: 'open', sourceId: id })).toHaveLength(0)
    expect(app.registry.systemErrors.list({ sourceId: id })[0]).toMatchObject({ state: 'resolved' })
  })

  test('LOG_WRITE_FAILURE opens when the disk refuses a write and resolves when writes succeed again', async () => {
    let full = false
    const { alerts, fetch } = receiver()
    const app = await testApp({
      env: { INLET_ALERTS_WEBHOOK_URL: RECEIVER },
      fetch,
      logOps: {
        write: async (fd, bytes, offset, length, position) => {
          if (full) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
          const fs = await import('node:fs')
          return fs.writeSync(fd, bytes, offset, length, position)
        },
      },
    })
    open.push(app)
    const id = await createSource(app)
    full = true
    const refused = await app.call('POST', `/http/${id}`, { body: '{"n":1}\n', key: null })
    expect(refused.status).toBe(503)
    await Bun.sleep(5)
    const failures = () =>
      app.registry.systemErrors.list({}).filter((error) => error.type === 'LOG_WRITE_FAILURE')
    expect(failures()).toMatchObject([{ state: 'open', sourceId: null }])
    expect(failures()[0]!.message).toContain('ENOSPC')
    full = false
    await send(app, id)
    await Bun.sleep(5)
    expect(failures()).toMatchObject([{ state: 'resolved' }])
    await delivered(app)
    expect(alerts.map((a) => `${a.type} ${a.state}`)).toEqual([
      'LOG_WRITE_FAILURE ALARM',
      'LOG_WRITE_FAILURE OK',
    ])
  })
})
