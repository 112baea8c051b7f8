/**
 * The ingest route through `app.handle`: every auth mode with right, wrong and missing credentials,
 * limits, atomicity, overload answers and the stored event shape, read back from the real event log.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { fdatasync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { headBytes } from '../../src/ingest/limits.ts'
import type { SourceInput } from '../../src/registry/model.ts'
import { BASE_URL, type TestApp, testApp } from '../helpers.ts'

let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(() => t.close())

function createSource(input: Partial<SourceInput> & Pick<SourceInput, 'authMethod'>) {
  const { source, secret } = t.registry.sources.create({ integrationLabel: `s-${Math.random()}`, ...input })
  return { id: source.id, secret: secret?.value ?? '' }
}

function post(
  id: string,
  body: BodyInit | null,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<Response> {
  return t.app.handle(new Request(`${BASE_URL}/http/${id}`, { method, headers, body }))
}

async function stored(): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = []
  for await (const record of t.log.read({ order: 'asc' })) {
    events.push(JSON.parse(new TextDecoder().decode(record.payload)))
  }
  return events
}

const hmac = (alg: string, key: string | Buffer, ...parts: (string | Uint8Array)[]) => {
  const mac = createHmac(alg, key)
  for (const part of parts) mac.update(part)
  return mac.digest()
}

const NDJSON = '{"a":1}\n{"b":"two"}\n\n{"c":[3]}\n'

describe('routing', () => {
  test('unknown or malformed source ids are 404', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const response = await post(id, '{}')
      expect(response.status).toBe(404)
      expect((await response.json()).error.code).toBe('NOT_FOUND')
    }
  })

  test('other methods are 405 with Allow: POST', async () => {
    const { id } = createSource({ authMethod: 'None' })
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
      const response = await post(id, null, {}, method)
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST')
    }
  })
})

describe('storing', () => {
  test('events get p_ fields and are durable when 200 answers', async () => {
    const { id } = createSource({ authMethod: 'None', integrationLabel: 'app-logs' })
    const response = await post(id, NDJSON)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ accepted: 3 })
    const events = await stored()
    expect(events.map(({ a, b, c }) => a ?? b ?? c)).toEqual([1, 'two', [3]])
    const parseTime = new Date(t.clock.now).toISOString()
    for (const event of events) {
      expect(event.p_source_id).toBe(id)
      expect(event.p_source_label).toBe('app-logs')
      expect(event.p_parse_time).toBe(parseTime)
      expect(event.p_event_time).toBe(parseTime)
      expect(event.p_row_id).toMatch(/^[0-9a-f]{32}$/)
    }
    expect(new Set(events.map((event) => event.p_row_id)).size).toBe(3)
  })

  test("a sender's own p_ fields are replaced, not duplicated; {} gets p_ fields too", async () => {
    const { id } = createSource({ authMethod: 'None' })
    await post(id, '{"p_source_id":"forged","x":1}\n{}\n{ }')
    const events = await stored()
    expect(events[0]).toMatchObject({ p_source_id: id, x: 1 })
    expect(events[1]!.p_source_id).toBe(id)
    expect(events[2]!.p_source_id).toBe(id)
  })

  test('empty body, blank lines and [] accept 0 events', async () => {
    const { id } = createSource({ authMethod: 'None' })
    for (const body of ['', '\n\n  \n', '[]', ' [ ] ']) {
      const response = await post(id, body)
      expect(await response.json()).toEqual({ accepted: 0 })
    }
    expect(await stored()).toEqual([])
  })

  test('the source stream type decides the framing', async () => {
    const lines = createSource({ authMethod: 'None', logStreamType: 'Lines' })
    const envelope = createSource({
      authMethod: 'None',
      logStreamType: 'JsonArray',
      logStreamTypeOptions: { jsonArrayEnvelopeField: 'Records' },
    })
    expect(await (await post(lines.id, 'plain text\n{"j":1}\n')).json()).toEqual({ accepted: 2 })
    expect(await (await post(envelope.id, '{"Records":[{"r":1},{"r":2}]}')).json()).toEqual({ accepted: 2 })
    const events = await stored()
    expect(events.map(({ message, j, r }) => message ?? j ?? r)).toEqual(['plain text', 1, 1, 2])
  })

  test('a source with log types stores its events classified; one without stores them as received', async () => {
    t.registry.schemas.create({
      name: 'Custom.App',
      spec: 'fields:\n  - { name: at, type: timestamp, timeFormats: [rfc3339], isEventTime: true }\n  - { name: n, type: bigint }\n',
    })
    const typed = createSource({ authMethod: 'None', logTypes: ['Custom.App'] })
    const plain = createSource({ authMethod: 'None' })
    await post(typed.id, '{"at":"2026-01-02T03:04:05Z","n":"1","dropped":true}')
    await post(plain.id, '{"at":"2026-01-02T03:04:05Z","n":2}')
    const [classified, asReceived] = await stored()
    expect(classified).toMatchObject({
      at: '2026-01-02T03:04:05.000Z',
      n: 1,
      p_log_type: 'Custom.App',
      p_event_time: '2026-01-02T03:04:05.000Z',
    })
    expect(classified!.dropped).toBeUndefined()
    expect(asReceived!.p_log_type).toBeUndefined()
    expect(asReceived!.p_event_time).toBe(new Date(t.clock.now).toISOString())
  })

  test('a bad event anywhere stores nothing and names the event', async () => {
    const { id } = createSource({ authMethod: 'None' })
    const body = `${'{"ok":true}\n'.repeat(50)}{"broken":\n`
    const response = await post(id, body)
    expect(response.status).toBe(400)
    const error = (await response.json()).error
    expect(error.code).toBe('MALFORMED_JSON')
    expect(error.message).toContain('event 51')
    expect(await stored()).toEqual([])
  })

  test('gzip is decoded by header and by magic bytes; unknown encodings are 415, corrupt ones 400', async () => {
    const { id } = createSource({ authMethod: 'None' })
    const zipped = gzipSync(NDJSON)
    expect((await post(id, zipped, { 'content-encoding': 'gzip' })).status).toBe(200)
    expect((await post(id, zipped)).status).toBe(200)
    expect((await post(id, zipped, { 'content-encoding': 'compress' })).status).toBe(415)
    const corrupt = zipped.subarray(0, zipped.length - 9)
    expect((await post(id, corrupt, { 'content-encoding': 'gzip' })).status).toBe(400)
    expect(await stored()).toHaveLength(6)
  })
})

describe('auth modes: right, wrong and missing credentials', () => {
  interface Case {
    name: string
    input: Partial<SourceInput> & Pick<SourceInput, 'authMethod'>
    sign: (secret: string, body: string) => Record<string, string>
    challenge?: string
  }
  const now = () => Math.floor(t.clock.now / 1000)
  const cases: Case[] = [
    {
      name: 'SharedSecret',
      input: { authMethod: 'SharedSecret', authHeaderKey: 'X-Token' },
      sign: (secret) => ({ 'x-token': secret }),
    },
    {
      name: 'Bearer',
      input: { authMethod: 'Bearer' },
      sign: (secret) => ({ authorization: `Bearer ${secret}` }),
      challenge: 'Bearer',
    },
    {
      name: 'Basic',
      input: { authMethod: 'Basic', authUsername: 'sender', authPassword: 'pa:ss:wörd-123' },
      sign: (secret) => ({
        authorization: `Basic ${Buffer.from(`sender:${secret}`).toString('base64')}`,
      }),
      challenge: 'Basic',
    },
    {
      name: 'HMAC raw sha512 hex',
      input: { authMethod: 'HMAC', authHeaderKey: 'X-Sig', authHmacAlg: 'sha512' },
      sign: (secret, body) => ({ 'x-sig': hmac('sha512', secret, body).toString('hex') }),
    },
    {
      name: 'HMAC github',
      input: { authMethod: 'HMAC', authHmacScheme: 'github' },
      sign: (secret, body) => ({
        'x-hub-signature-256': `sha256=${hmac('sha256', secret, body).toString('hex')}`,
      }),
    },
    {
      name: 'HMAC standard-webhooks',
      input: { authMethod: 'HMAC', authHmacScheme: 'standard-webhooks' },
      sign: (secret, body) => {
        const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
        const id = `msg_${Math.random()}`
        const signature = hmac('sha256', key, `${id}.${now()}.`, body).toString('base64')
        return {
          'webhook-id': id,
          'webhook-timestamp': String(now()),
          'webhook-signature': `v1,${signature}`,
        }
      },
    },
    {
      name: 'HMAC stripe',
      input: { authMethod: 'HMAC', authHmacScheme: 'stripe' },
      sign: (secret, body) => ({
        'stripe-signature': `t=${now()},v1=${hmac('sha256', secret, `${now()}.`, body).toString('hex')}`,
      }),
    },
    {
      name: 'HMAC slack',
      input: { authMethod: 'HMAC', authHmacScheme: 'slack' },
      sign: (secret, body) => ({
        'x-slack-request-timestamp': String(now()),
        'x-slack-signature': `v0=${hmac('sha256', secret, `v0:${now()}:`, body).toString('hex')}`,
      }),
    },
  ]

  for (const c of cases) {
    test(c.name, async () => {
      const { id, secret } = createSource(c.input)
      const body = '{"event":"signed"}'
      const right = await post(id, body, c.sign(secret, body))
      expect(right.status).toBe(200)

      const wrongSecret = `${secret.slice(0, -4)}XXXX`
      const wrong = await post(id, body, c.sign(wrongSecret, body))
      expect(wrong.status).toBe(401)
      const wrongBody = await wrong.text()
      expect(wrongBody).not.toContain(secret)
      expect(JSON.parse(wrongBody).error.code).toBe('UNAUTHORIZED')

      const missing = await post(id, body)
      expect(missing.status).toBe(401)
      if (c.challenge) {
        expect(wrong.headers.get('www-authenticate')).toStartWith(c.challenge)
        expect(missing.headers.get('www-authenticate')).toStartWith(c.challenge)
      }
      expect(await stored()).toHaveLength(1)
      const counters = t.counters.source(id)
      expect(counters.authFailures).toBe(2)
      expect(t.counters.authFailureReasons.get('missing')).toBe(1)
      expect(t.counters.authFailureReasons.get('mismatch')).toBe(1)
      expect(counters.events).toBe(1)
    })
  }

  test('HMAC covers the raw body as sent, compressed', async () => {
    const { id, secret } = createSource({ authMethod: 'HMAC', authHeaderKey: 'X-Sig' })
    const zipped = gzipSync(NDJSON)
    const signature = hmac('sha256', secret, zipped).toString('base64')
    const response = await post(id, zipped, { 'x-sig': signature, 'content-encoding': 'gzip' })
    expect(await response.json()).toEqual({ accepted: 3 })
    const overDecoded = hmac('sha256', secret, NDJSON).toString('base64')
    expect((await post(id, zipped, { 'x-sig': overDecoded, 'content-encoding': 'gzip' })).status).toBe(401)
  })

  test('a GitHub webhook keeps X-GitHub-Event and X-GitHub-Delivery as p_http_headers by default', async () => {
    const { id, secret } = createSource({ authMethod: 'HMAC', authHmacScheme: 'github' })
    const body = '{"action":"opened","number":7}'
    const signature = `sha256=${hmac('sha256', secret, body).toString('hex')}`
    const response = await post(id, body, {
      'x-hub-signature-256': signature,
      'X-GitHub-Event': 'pull_request',
      'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-other': 'not kept',
    })
    expect(response.status).toBe(200)
    const [event] = await stored()
    expect(event!.p_http_headers).toEqual({
      'x-github-event': 'pull_request',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    })
    expect(t.registry.sources.get(id).httpHeaders).toEqual([
      'x-github-event',
      'x-github-delivery',
      'x-github-hook-id',
    ])
  })

  test('httpHeaders names the headers a source keeps; none named, none kept', async () => {
    const { id } = createSource({ authMethod: 'None', httpHeaders: ['X-Request-Id', 'User-Agent'] })
    await post(id, '{"a":1}', { 'x-request-id': 'r-1', 'user-agent': 'vector/0.50' })
    const plain = createSource({ authMethod: 'None' })
    await post(plain.id, '{"b":1}', { 'x-request-id': 'r-2' })
    const [kept, none] = await stored()
    expect(kept!.p_http_headers).toEqual({ 'x-request-id': 'r-1', 'user-agent': 'vector/0.50' })
    expect('p_http_headers' in none!).toBe(false)
    expect(() => createSource({ authMethod: 'None', httpHeaders: ['X-A', 'x-a'] })).toThrow('named twice')
  })

  test('None takes anything', async () => {
    const { id } = createSource({ authMethod: 'None' })
    expect((await post(id, '{}', { authorization: 'Bearer whatever' })).status).toBe(200)
  })

  test('a rotation grace period lets both secrets through until it ends', async () => {
    const { id, secret: old } = createSource({ authMethod: 'Bearer' })
    expect((await post(id, '{}', { authorization: `Bearer ${old}` })).status).toBe(200)
    const fresh = t.registry.sources.rotate(id, { graceSeconds: 60 }).secret!.value
    expect((await post(id, '{}', { authorization: `Bearer ${old}` })).status).toBe(200)
    expect((await post(id, '{}', { authorization: `Bearer ${fresh}` })).status).toBe(200)
    t.clock.now += 61_000
    expect((await post(id, '{}', { authorization: `Bearer ${old}` })).status).toBe(401)
    expect((await post(id, '{}', { authorization: `Bearer ${fresh}` })).status).toBe(200)
  })

  test('a replaced secret stops working at once', async () => {
    const { id, secret: old } = createSource({ authMethod: 'Bearer', integrationLabel: 'replace-me' })
    expect((await post(id, '{}', { authorization: `Bearer ${old}` })).status).toBe(200)
    t.registry.sources.replace(id, {
      integrationLabel: 'replace-me',
      authMethod: 'Bearer',
      authBearerToken: 'a-brand-new-token',
    })
    expect((await post(id, '{}', { authorization: `Bearer ${old}` })).status).toBe(401)
    expect((await post(id, '{}', { authorization: 'Bearer a-brand-new-token' })).status).toBe(200)
    t.registry.sources.remove(id)
    expect((await post(id, '{}', { authorization: 'Bearer a-brand-new-token' })).status).toBe(404)
  })

  test('a standard-webhooks retry of a stored delivery is 200 and stored once', async () => {
    const { id, secret } = createSource({ authMethod: 'HMAC', authHmacScheme: 'standard-webhooks' })
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
    const body = '{"type":"invoice.paid"}'
    const timestamp = String(Math.floor(t.clock.now / 1000))
    const headers = {
      'webhook-id': 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${hmac('sha256', key, `msg_2KWPBgLlAfxdpx2AI54pPJ85f4W.${timestamp}.`, body).toString('base64')}`,
    }
    const responses = await Promise.all([post(id, body, headers), post(id, body, headers)])
    const third = await post(id, body, headers)
    const answers = [...(await Promise.all(responses.map((r) => r.json()))), await third.json()]
    expect(answers.filter((answer) => answer.accepted === 1)).toHaveLength(1)
    expect(answers.filter((answer) => answer.duplicate === true)).toHaveLength(2)
    expect(await stored()).toHaveLength(1)
  })

  test('timestamped schemes refuse requests outside the tolerance', async () => {
    const { id, secret } = createSource({ authMethod: 'HMAC', authHmacScheme: 'slack' })
    const body = '{}'
    const sign = (ts: number) => ({
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': `v0=${hmac('sha256', secret, `v0:${ts}:`, body).toString('hex')}`,
    })
    const now = Math.floor(t.clock.now / 1000)
    expect((await post(id, body, sign(now - 300))).status).toBe(200)
    expect((await post(id, body, sign(now - 301))).status).toBe(401)
    expect((await post(id, body, sign(now + 301))).status).toBe(401)
  })
})

describe('limits', () => {
  /** A request whose line, headers and body add up to exactly `total` bytes. */
  function sized(id: string, total: number, headers: Record<string, string> = {}) {
    const probe = new Request(`${BASE_URL}/http/${id}`, {
      method: 'POST',
      headers: { ...headers, 'content-length': '0000000' },
    })
    const head = headBytes(probe, `/http/${id}`)
    const bodyBytes = total - head
    const body = `{"pad":"${'x'.repeat(bodyBytes - 10)}"}`
    expect(Buffer.byteLength(body)).toBe(bodyBytes)
    return {
      declared: new Request(probe.url, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(bodyBytes).padStart(7, '0') },
        body,
      }),
      body,
    }
  }

  test('the whole request may be 1 MiB, not one byte more', async () => {
    const { id } = createSource({ authMethod: 'None' })
    expect((await t.app.handle(sized(id, 1_048_576).declared)).status).toBe(200)
    const over = await t.app.handle(sized(id, 1_048_577).declared)
    expect(over.status).toBe(413)
    expect((await over.json()).error.code).toBe('PAYLOAD_TOO_LARGE')
    expect(await stored()).toHaveLength(1)
  })

  test('a chunked body is counted as it arrives', async () => {
    const { id } = createSource({ authMethod: 'None' })
    const streamed = (bytes: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          const chunk = new Uint8Array(64 * 1024).fill(0x20)
          for (let sent = 0; sent < bytes; sent += chunk.length) controller.enqueue(chunk)
          controller.close()
        },
      })
    const over = await post(id, streamed(2 * 1024 * 1024))
    expect(over.status).toBe(413)
    const under = await post(id, streamed(512 * 1024))
    expect(await under.json()).toEqual({ accepted: 0 })
  })
})

describe('limits from the config', () => {
  async function withEnv(env: Record<string, string>) {
    await t.close()
    t = await testApp({ env })
  }

  test('events per request and bytes per event', async () => {
    await withEnv({ INLET_INGEST_EVENTS_PER_REQUEST_MAX: '3', INLET_INGEST_EVENT_BYTES_MAX: '100' })
    const { id } = createSource({ authMethod: 'None' })
    expect((await post(id, '{}\n{}\n{}')).status).toBe(200)
    const many = await post(id, '{}\n{}\n{}\n{}')
    expect(many.status).toBe(413)
    expect((await many.json()).error.code).toBe('TOO_MANY_EVENTS')
    const large = await post(id, `{"x":"${'y'.repeat(100)}"}`)
    expect(large.status).toBe(413)
    expect((await large.json()).error.code).toBe('EVENT_TOO_LARGE')
    expect(await stored()).toHaveLength(3)
  })

  test('decoded bytes are capped', async () => {
    await withEnv({ INLET_INGEST_DECODED_BYTES_MAX: '10000' })
    const { id } = createSource({ authMethod: 'None' })
    const body = `${'{"k":"0123456789"}\n'.repeat(600)}`
    const response = await post(id, gzipSync(body), { 'content-encoding': 'gzip' })
    expect(response.status).toBe(413)
    expect((await response.json()).error.code).toBe('DECODED_TOO_LARGE')
    const fits = '{"k":"0123456789"}\n'.repeat(500)
    expect((await post(id, gzipSync(fits), { 'content-encoding': 'gzip' })).status).toBe(200)
  })

  test('a slow sender times out with 408', async () => {
    await withEnv({ INLET_INGEST_BODY_TIMEOUT_MS: '100' })
    const { id } = createSource({ authMethod: 'None' })
    const never = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"partial":'))
      },
    })
    const response = await post(id, never)
    expect(response.status).toBe(408)
    expect(await stored()).toEqual([])
  })

  test('events nested deeper than event_depth_max are a 400 naming the event; none of the request is stored', async () => {
    await withEnv({ INLET_INGEST_EVENT_DEPTH_MAX: '3' })
    const { id } = createSource({ authMethod: 'None' })
    expect((await post(id, '{"a":{"b":[1]}}')).status).toBe(200)
    const refused = await post(id, '{"ok":1}\n{"a":{"b":[[1]]}}\n')
    expect(refused.status).toBe(400)
    expect((await refused.json()).error).toEqual({
      code: 'EVENT_TOO_DEEP',
      message:
        'event 2 at byte 20: objects and arrays nested deeper than [ingest] event_depth_max (3 levels)',
    })
    expect(await stored()).toHaveLength(1)
  })

  test('a source over its rate limit gets 429 with Retry-After', async () => {
    await withEnv({ INLET_INGEST_SOURCE_EVENTS_PER_SECOND: '10' })
    const { id } = createSource({ authMethod: 'None' })
    const other = createSource({ authMethod: 'None' })
    const ten = '{}\n'.repeat(10)
    expect((await post(id, ten)).status).toBe(200)
    const limited = await post(id, ten)
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('1')
    expect((await post(other.id, ten)).status).toBe(200)
    t.clock.now += 500
    expect((await post(id, ten)).status).toBe(200)
    expect((await post(id, ten)).status).toBe(429)
    t.clock.now += 1000
    expect((await post(id, ten)).status).toBe(200)
    expect(t.counters.rejections.get('RATE_LIMITED')).toBe(2)
  })

  test('bodies declared but not yet arrived are charged to memory_max: past the high mark new requests get 503', async () => {
    // 144 MiB leaves 32 MiB for requests past the process's reserve; the high mark is half of it.
    await withEnv({
      INLET_INGEST_MEMORY_MAX: String(144 * 1024 * 1024),
      INLET_INGEST_DECODED_BYTES_MAX: String(4 * 1024 * 1024),
      INLET_INGEST_EVENTS_PER_REQUEST_MAX: '1000',
      INLET_LOG_QUEUE_BYTES_MAX: String(1024 * 1024),
    })
    const { id } = createSource({ authMethod: 'None' })
    const held: ReadableStreamDefaultController<Uint8Array>[] = []
    const slow = (bytes: number) => {
      const body = new ReadableStream<Uint8Array>({ start: (controller) => void held.push(controller) })
      return post(id, body, { 'content-length': String(bytes) })
    }
    // Each declared body is charged twice its size (the body and the reader's copy): 2 MB each, and the
    // ninth passes half of the 32 MiB.
    const waiting = Array.from({ length: 9 }, () => slow(1_000_000))
    await Bun.sleep(20)
    const refused = await post(id, '{}')
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect((await refused.json()).error.code).toBe('OVERLOADED')
    for (const controller of held) {
      controller.enqueue(new TextEncoder().encode(`[${' '.repeat(1_000_000 - 2)}]`))
      controller.close()
    }
    for (const answer of await Promise.all(waiting)) expect(answer.status).toBe(200)
    expect((await post(id, '{}')).status).toBe(200)
  })

  test('while the log queue is half full, new requests get 503 before their body is read', async () => {
    await t.close()
    let release = () => {}
    const synced = new Promise<void>((resolve) => {
      release = resolve
    })
    t = await testApp({
      env: { INLET_LOG_QUEUE_BYTES_MAX: '1048576' },
      logOps: {
        fdatasync: async (fd) => {
          await synced
          await new Promise<void>((resolve, reject) =>
            fdatasync(fd, (error) => (error ? reject(error) : resolve())),
          )
        },
      },
    })
    const { id } = createSource({ authMethod: 'None' })
    const big = `${'{"k":"0123456789012345678901234567890123456789"}\n'.repeat(4000)}`
    const first = post(id, big)
    await Bun.sleep(20)
    const refused = await post(id, '{}')
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect((await refused.json()).error.code).toBe('OVERLOADED')
    release()
    expect(await (await first).json()).toEqual({ accepted: 4000 })
    expect((await post(id, '{}')).status).toBe(200)
  })

  test('a log that cannot write answers 503 with Retry-After and stores nothing', async () => {
    await t.close()
    let failing = false
    t = await testApp({
      logOps: {
        fdatasync: (fd) =>
          failing
            ? Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }))
            : new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve()))),
      },
    })
    const { id } = createSource({ authMethod: 'None' })
    failing = true
    const response = await post(id, NDJSON)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('1')
    const body = await response.text()
    expect(JSON.parse(body).error.code).toBe('LOG_UNAVAILABLE')
    expect(body).not.toContain('ENOSPC')
    failing = false
    expect((await post(id, NDJSON)).status).toBe(200)
    expect(await stored()).toHaveLength(3)
  })
})
