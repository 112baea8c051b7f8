/**
 * Splunk HEC senders against the running server (source tree or binary), unmodified: Splunk's own
 * JavaScript logging library (`splunk-logging`, which posts to `/services/collector/event/1.0` with
 * `Authorization: Splunk <token>`) and curl as Splunk's documentation writes it. Events are read back from
 * the log once the server has stopped.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { Logger as SplunkLogger } from 'splunk-logging'
import { type RunningInlet, startInlet } from './server.ts'

const API_KEY = 'e2e-hec-api-key-000001'

describe('Splunk HEC senders', () => {
  let inlet: RunningInlet
  let token: string
  let sourceId: string

  beforeAll(async () => {
    inlet = await startInlet({ env: { INLET_API_KEY: API_KEY } })
    const response = await fetch(`${inlet.url}/log-sources/http`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ integrationLabel: 'hec-senders', authMethod: 'Bearer' }),
    })
    expect(response.status).toBe(201)
    const source = (await response.json()) as { integrationId: string; authBearerToken: string }
    token = source.authBearerToken
    sourceId = source.integrationId
  })
  afterAll(async () => {
    if (inlet.process.exitCode === null) await inlet.stop()
  })

  /** Sends one payload with splunk-logging; the callback's error, status and parsed body. */
  function sendWithLibrary(logger: SplunkLogger, payload: Parameters<SplunkLogger['send']>[0]) {
    return new Promise<{ error: unknown; status: number | undefined; body: unknown }>((resolve) => {
      logger.send(payload, (error, response, body) => resolve({ error, status: response?.statusCode, body }))
    })
  }

  test('splunk-logging sends events with metadata; Inlet answers Success', async () => {
    const logger = new SplunkLogger({ token, url: inlet.url, maxRetries: 0 })
    const result = await sendWithLibrary(logger, {
      message: { action: 'login', user: 'alice' },
      severity: 'info',
      metadata: { host: 'web-1', source: 'auth-service', sourcetype: '_json', index: 'main' },
    })
    expect(result.error).toBeFalsy()
    expect(result.status).toBe(200)
    expect(result.body).toEqual({ text: 'Success', code: 0 })
  })

  test('splunk-logging batches: several envelopes in one request', async () => {
    // maxBatchCount 0: events queue until flush(), which posts them as one request.
    const logger = new SplunkLogger({ token, url: inlet.url, maxBatchCount: 0, maxRetries: 0 })
    for (const n of [1, 2, 3]) logger.send({ message: { batch: n }, metadata: { source: 'batch' } })
    const result = await new Promise<{ error: unknown; status: number | undefined; body: unknown }>(
      (resolve) => {
        logger.flush((error, response, body) => resolve({ error, status: response?.statusCode, body }))
      },
    )
    expect(result.status).toBe(200)
    expect(result.body).toEqual({ text: 'Success', code: 0 })
  })

  test("splunk-logging hears HEC's refusal of a wrong token", async () => {
    const logger = new SplunkLogger({ token: 'not-a-real-token', url: inlet.url, maxRetries: 0 })
    const result = await sendWithLibrary(logger, { message: 'x' })
    expect(result.status).toBe(403)
    expect(result.body).toMatchObject({ text: 'Invalid token', code: 4 })
  })

  test("curl as Splunk's documentation shows it: event, raw and health", () => {
    const curl = (...args: string[]) => {
      const run = spawnSync('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'utf8' })
      expect(run.status).toBe(0)
      return JSON.parse(run.stdout)
    }
    const auth = ['-H', `Authorization: Splunk ${token}`]
    expect(
      curl(
        `${inlet.url}/services/collector/event`,
        ...auth,
        '-d',
        '{"event": "hello world", "sourcetype": "manual"}',
      ),
    ).toEqual({ text: 'Success', code: 0 })
    expect(
      curl(
        `${inlet.url}/services/collector/raw?sourcetype=syslog`,
        ...auth,
        '-d',
        '1, 2, 3... Hello, world!',
      ),
    ).toEqual({ text: 'Success', code: 0 })
    expect(curl(`${inlet.url}/services/collector/health`)).toEqual({ text: 'HEC is healthy', code: 17 })
  })

  test('every event is stored in the Bearer source, with its metadata', async () => {
    const { code, events } = await inlet.stop()
    expect(code).toBe(0)
    expect(events.every((event) => event.p_source_id === sourceId)).toBe(true)
    expect(events[0]).toMatchObject({
      message: { action: 'login', user: 'alice' },
      severity: 'info',
      splunk_host: 'web-1',
      splunk_source: 'auth-service',
      splunk_sourcetype: '_json',
      splunk_index: 'main',
    })
    expect(events.slice(1, 4).map((event) => event.message)).toEqual([
      { batch: 1 },
      { batch: 2 },
      { batch: 3 },
    ])
    expect(events[4]).toMatchObject({ message: 'hello world', splunk_sourcetype: 'manual' })
    expect(events[5]).toMatchObject({ message: '1, 2, 3... Hello, world!', splunk_sourcetype: 'syslog' })
    expect(events).toHaveLength(6)
  })
})
