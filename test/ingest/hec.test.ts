/**
 * Splunk's HTTP Event Collector protocol through the real app: a Bearer source's token finds it, HEC
 * envelopes and raw text are stored with their metadata and time, and every refusal is HEC's answer
 * (`{"text", "code"}`) with nothing stored. A real HEC client and curl are in test/e2e/hec.test.ts.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { fdatasync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { BASE_URL, type TestApp, testApp } from '../helpers.ts'

let t: TestApp
beforeEach(async () => {
  t = await testApp({ env: { INLET_INGEST_EVENTS_PER_REQUEST_MAX: '5' } })
})
afterEach(() => t.close())

function bearerSource(overrides: Record<string, unknown> = {}): { id: string; token: string } {
  const { source, secret } = t.registry.sources.create({
    integrationLabel: `hec-${Math.random()}`,
    authMethod: 'Bearer',
    ...overrides,
  })
  return { id: source.id, token: secret!.value }
}

function hec(path: string, body: BodyInit | null, headers: Record<string, string> = {}, method = 'POST') {
  return t.app.handle(new Request(`${BASE_URL}/services/collector${path}`, { method, headers, body }))
}

const splunk = (token: string) => ({ authorization: `Splunk ${token}` })

async function stored(): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = []
  for await (const record of t.log.read({ order: 'asc' })) {
    events.push(JSON.parse(new TextDecoder().decode(record.payload)))
  }
  return events
}

async function answer(response: Response): Promise<Record<string, unknown> & { status: number }> {
  return { status: response.status, ...((await response.json()) as Record<string, unknown>) }
}

describe('HEC envelopes', () => {
  test('concatenated envelopes are stored with their event, time and metadata', async () => {
    const { id, token } = bearerSource()
    const body =
      '{"time": 1426279439.123456, "host": "web-1", "source": "app", "sourcetype": "_json", "index": "main",' +
      ' "fields": {"region": "eu", "tags": ["a", "b"]}, "event": {"message": "user login", "user": "alice"}}' +
      '{"event": "plain text line", "time": "1426279440"}\n' +
      '{"event": "{\\"level\\": \\"warn\\", \\"n\\": 3}"}  {"event": 42}'
    const response = await hec('/event', body, splunk(token))
    expect(await answer(response)).toEqual({ status: 200, text: 'Success', code: 0 })
    const events = await stored()
    expect(events).toHaveLength(4)
    expect(events[0]).toMatchObject({
      message: 'user login',
      user: 'alice',
      splunk_host: 'web-1',
      splunk_source: 'app',
      splunk_sourcetype: '_json',
      splunk_index: 'main',
      splunk_fields: { region: 'eu', tags: ['a', 'b'] },
      p_source_id: id,
      p_event_time: '2015-03-13T20:43:59.123456Z',
    })
    expect(events[0]).not.toHaveProperty('event')
    expect(events[1]).toMatchObject({ message: 'plain text line', p_event_time: '2015-03-13T20:44:00.000Z' })
    expect(events[2]).toMatchObject({ level: 'warn', n: 3 })
    expect(events[3]).toMatchObject({ message: '42' })
    expect(t.counters.source(id)?.events).toBe(4)
  })

  test('/services/collector and /event/1.0 are the same endpoint; the query string gives defaults', async () => {
    const { token } = bearerSource()
    for (const path of ['', '/event/1.0']) {
      const response = await hec(
        `${path}?host=q-host&sourcetype=q-type`,
        '{"event": {"a": 1}, "host": "own"}',
        splunk(token),
      )
      expect(response.status).toBe(200)
    }
    const events = await stored()
    expect(events.map((event) => [event.splunk_host, event.splunk_sourcetype])).toEqual([
      ['own', 'q-type'],
      ['own', 'q-type'],
    ])
  })

  test("an event's own field of a metadata name is kept", async () => {
    const { token } = bearerSource()
    await hec('/event', '{"host": "h", "event": {"splunk_host": "mine"}}', splunk(token))
    expect((await stored())[0]).toMatchObject({ splunk_host: 'mine' })
  })

  test('gzip bodies are decoded', async () => {
    const { token } = bearerSource()
    const body = gzipSync('{"event": {"zipped": true}}')
    const response = await hec('/event', body, { ...splunk(token), 'content-encoding': 'gzip' })
    expect(response.status).toBe(200)
    expect((await stored())[0]).toMatchObject({ zipped: true })
  })

  test.each([
    ['no event field', '{"event": {"ok": 1}}{"time": 1}', 400, 12, 1],
    ['a blank event', '{"event": "   "}', 400, 13, 0],
    ['an empty event object', '{"event": {"a": 1}}{"event": {}}', 400, 13, 1],
    ['malformed JSON', '{"event": {"a": 1}}{"event": ', 400, 6, 1],
    ['a time that is no epoch', '{"event": "x", "time": "yesterday"}', 400, 6, 0],
    ['nested indexed fields', '{"event": "x", "fields": {"a": {"b": 1}}}', 400, 15, 0],
    ['a host that is no string', '{"event": "x", "host": 7}', 400, 6, 0],
    ['more events than allowed', '{"event": "x"}'.repeat(6), 413, 6, 5],
  ])('%s: HEC code and event number, nothing stored', async (_, body, status, code, number) => {
    const { id, token } = bearerSource()
    const result = await answer(await hec('/event', body, splunk(token)))
    expect(result).toMatchObject({ status, code, 'invalid-event-number': number })
    expect(typeof result.detail).toBe('string')
    expect(await stored()).toEqual([])
    expect(t.counters.source(id)?.events ?? 0).toBe(0)
  })

  test('an empty body is "No data"', async () => {
    const { token } = bearerSource()
    expect(await answer(await hec('/event', '', splunk(token)))).toMatchObject({
      status: 400,
      code: 5,
      text: 'No data',
    })
  })
})

describe('HEC raw', () => {
  test('each line is an event, with the query string metadata and time', async () => {
    const { token } = bearerSource()
    const response = await hec(
      '/raw?source=syslog&host=h1&time=1700000000.5',
      'first line\n{"json": "line"}\r\nthird\n',
      splunk(token),
    )
    expect(await answer(response)).toEqual({ status: 200, text: 'Success', code: 0 })
    const events = await stored()
    expect(events).toHaveLength(3)
    expect(events[0]).toMatchObject({
      message: 'first line',
      splunk_source: 'syslog',
      splunk_host: 'h1',
      p_event_time: '2023-11-14T22:13:20.500Z',
    })
    expect(events[1]).toMatchObject({ json: 'line', splunk_source: 'syslog' })
    expect((await hec('/raw/1.0', 'x', splunk(token))).status).toBe(200)
  })
})

describe('HEC auth', () => {
  test.each([
    ['no Authorization', {}, 401, 2, 'UNAUTHORIZED', 'missing'],
    ['another scheme', { authorization: 'Token abc' }, 401, 3, 'UNAUTHORIZED', 'malformed'],
    ['no token after the scheme', { authorization: 'Splunk ' }, 401, 3, 'UNAUTHORIZED', 'malformed'],
    [
      'an unknown token',
      { authorization: 'Splunk 00000000-0000-0000-0000-000000000000' },
      403,
      4,
      'UNKNOWN_TOKEN',
      'mismatch',
    ],
  ])('%s: refused with its HEC code, counted', async (_, headers, status, code, error, reason) => {
    bearerSource()
    const response = await hec('/event', '{"event": "x"}', headers)
    if (status === 401) expect(response.headers.get('www-authenticate')).toStartWith('Splunk')
    expect(await answer(response)).toMatchObject({ status, code, error })
    expect(await stored()).toEqual([])
    expect(t.counters.rejections.get(error)).toBe(1)
    expect(t.counters.authFailureReasons.get(reason)).toBe(1)
    expect(t.counters.unknownSourceResponses.get(status)).toBe(1)
  })

  test('a token in the query string is refused even when it is right', async () => {
    const { token } = bearerSource()
    const response = await hec(`/event?token=${token}`, '{"event": "x"}', splunk(token))
    expect(await answer(response)).toMatchObject({ status: 400, code: 16 })
  })

  test('Basic with the token as the password works, as in Splunk', async () => {
    const { token } = bearerSource()
    const basic = `Basic ${Buffer.from(`x:${token}`).toString('base64')}`
    expect((await hec('/event', '{"event": "x"}', { authorization: basic })).status).toBe(200)
  })

  test('the scheme is case-insensitive and a user-chosen token works', async () => {
    bearerSource({ authBearerToken: 'my-own-hec-token-123456' })
    const response = await hec('/event', '{"event": "x"}', {
      authorization: 'splunk my-own-hec-token-123456',
    })
    expect(response.status).toBe(200)
  })

  test('only Bearer sources take HEC; the token finds its own source among several', async () => {
    const other = bearerSource()
    const { id, token } = bearerSource()
    const { secret } = t.registry.sources.create({
      integrationLabel: 'shared',
      authMethod: 'SharedSecret',
      authHeaderKey: 'x-key',
    })
    expect((await hec('/event', '{"event": "x"}', splunk(secret!.value))).status).toBe(403)
    expect((await hec('/event', '{"event": "x"}', splunk(token))).status).toBe(200)
    const events = await stored()
    expect(events.map((event) => event.p_source_id)).toEqual([id])
    expect(events[0]?.p_source_id).not.toBe(other.id)
  })

  test('rotation: the previous token works during its grace, then stops; deletion stops the token', async () => {
    const { id, token } = bearerSource()
    const rotated = t.registry.sources.rotate(id, { graceSeconds: 60 })
    expect((await hec('/event', '{"event": "old"}', splunk(token))).status).toBe(200)
    expect((await hec('/event', '{"event": "new"}', splunk(rotated.secret!.value))).status).toBe(200)
    t.clock.now += 61_000
    expect((await hec('/event', '{"event": "late"}', splunk(token))).status).toBe(403)
    t.registry.sources.remove(id)
    expect((await hec('/event', '{"event": "gone"}', splunk(rotated.secret!.value))).status).toBe(403)
  })

  test('two Bearer sources cannot share a token', () => {
    bearerSource({ authBearerToken: 'one-token-for-two-sources' })
    expect(() => bearerSource({ authBearerToken: 'one-token-for-two-sources' })).toThrow(/already the token/)
  })

  test("the source's allowedCidrs still apply", async () => {
    const { token } = bearerSource({ allowedCidrs: ['10.0.0.0/8'] })
    const result = await answer(await hec('/event', '{"event": "x"}', splunk(token)))
    expect(result).toMatchObject({ status: 403, error: 'ADDRESS_NOT_ALLOWED' })
  })
})

describe('HEC health and ack', () => {
  test('health answers HEC is healthy without a token', async () => {
    for (const path of ['/health', '/health/1.0']) {
      expect(await answer(await hec(path, null, {}, 'GET'))).toEqual({
        status: 200,
        text: 'HEC is healthy',
        code: 17,
      })
    }
  })

  test('health answers code 18 with 503 while new requests are refused (the log queue half full)', async () => {
    await t.close()
    let release = () => {}
    const synced = new Promise<void>((resolve) => {
      release = resolve
    })
    t = await testApp({
      env: { INLET_LOG_QUEUE_BYTES_MAX: '1048576', INLET_INGEST_EVENTS_PER_REQUEST_MAX: '10000' },
      logOps: {
        fdatasync: async (fd) => {
          await synced
          await new Promise<void>((resolve, reject) =>
            fdatasync(fd, (error) => (error ? reject(error) : resolve())),
          )
        },
      },
    })
    const { token } = bearerSource()
    const first = hec(
      '/event',
      '{"event": {"k": "0123456789012345678901234567890123456789"}}\n'.repeat(4000),
      splunk(token),
    )
    await Bun.sleep(20)
    expect(await answer(await hec('/health', null, {}, 'GET'))).toMatchObject({
      status: 503,
      code: 18,
      text: 'HEC is unhealthy, queues are full',
      error: 'OVERLOADED',
    })
    release()
    expect((await first).status).toBe(200)
    expect(await answer(await hec('/health', null, {}, 'GET'))).toMatchObject({ status: 200, code: 17 })
  })

  test('ack says acknowledgements are off', async () => {
    expect(await answer(await hec('/ack', '{"acks": [0]}', {}))).toMatchObject({ status: 400, code: 14 })
  })
})
