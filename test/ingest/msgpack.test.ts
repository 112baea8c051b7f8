/**
 * MessagePack bodies through the real ingest route: the stream Fluent Bit's `out_http` sends by default
 * (`Content-Type: application/msgpack`), built byte for byte with `@msgpack/msgpack`: concatenated
 * `[time, record]` and `[[time, metadata], record]` entries, the time an EventTime (extension type 0) or
 * seconds; plain maps and arrays of maps; the limits; JSON bodies unaffected.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { gzipSync } from 'node:zlib'
import { ExtData, ExtensionCodec, encode } from '@msgpack/msgpack'
import { isMsgpackContentType } from '../../src/ingest/framing/msgpack.ts'
import { BASE_URL, type TestApp, testApp } from '../helpers.ts'

/** Fluent Bit's EventTime: seconds and nanoseconds, each a big-endian uint32 in extension type 0. */
class EventTime {
  constructor(
    readonly seconds: number,
    readonly nanoseconds: number,
  ) {}
}

const codec = new ExtensionCodec()
codec.register({
  type: 0,
  encode: (value) => {
    if (!(value instanceof EventTime)) return null
    const bytes = new Uint8Array(8)
    const view = new DataView(bytes.buffer)
    view.setUint32(0, value.seconds)
    view.setUint32(4, value.nanoseconds)
    return bytes
  },
  decode: (data) => new EventTime(0, data.length),
})

const pack = (...values: unknown[]): Uint8Array<ArrayBuffer> => {
  const parts = values.map((value) =>
    encode(value, { extensionCodec: codec, useBigInt64: true, maxDepth: 1000 }),
  )
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

const MSGPACK = { 'content-type': 'application/msgpack' }
/** 2026-11-28T11:59:00.123456789Z */
const T1 = new EventTime(Date.parse('2026-11-28T11:59:00Z') / 1000, 123_456_789)

let t: TestApp
beforeEach(async () => {
  t = await testApp({ env: { INLET_INGEST_EVENTS_PER_REQUEST_MAX: '5' } })
})
afterEach(() => t.close())

function createSource(logStreamType?: 'JSON' | 'Lines' | 'Auto' | 'JsonArray') {
  const { source } = t.registry.sources.create({
    integrationLabel: `s-${Math.random()}`,
    authMethod: 'None',
    ...(logStreamType ? { logStreamType } : {}),
  })
  return source.id
}

function post(id: string, body: BodyInit, headers: Record<string, string> = MSGPACK): Promise<Response> {
  return t.app.handle(new Request(`${BASE_URL}/http/${id}`, { method: 'POST', headers, body }))
}

async function stored(): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = []
  for await (const record of t.log.read({ order: 'asc' })) {
    events.push(JSON.parse(new TextDecoder().decode(record.payload)))
  }
  return events
}

async function refusal(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } }
  return { status: response.status, ...body.error }
}

/** What a Fluent Bit tail input piped to out_http (format msgpack) sends: forward pairs, v1 and v2. */
const fluentBitBody = () =>
  pack(
    [
      T1,
      { log: 'GET /index.html 200', stream: 'stdout', kubernetes: { pod: 'web-1', labels: { app: 'web' } } },
    ],
    [[T1, { tag: 'kube.var.log' }], { log: 'second', level: 3, ok: true, none: null, ratio: 0.5 }],
    [1764330000, { log: 'integer seconds' }],
    [1764330000.25, { log: 'float seconds' }],
  )

describe('Fluent Bit out_http bodies', () => {
  test('forward pairs, v1 and v2, are stored with their fields and their time', async () => {
    const id = createSource()
    const response = await post(id, fluentBitBody())
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ accepted: 4 })
    const events = await stored()
    expect(events.map((event) => event.log)).toEqual([
      'GET /index.html 200',
      'second',
      'integer seconds',
      'float seconds',
    ])
    expect(events[0]).toMatchObject({
      stream: 'stdout',
      kubernetes: { pod: 'web-1', labels: { app: 'web' } },
    })
    expect(events[1]).toMatchObject({ level: 3, ok: true, none: null, ratio: 0.5 })
    expect(events[1]).not.toHaveProperty('tag')
    expect(events.map((event) => event.p_event_time)).toEqual([
      '2026-11-28T11:59:00.123Z',
      '2026-11-28T11:59:00.123Z',
      new Date(1764330000_000).toISOString(),
      new Date(1764330000_250).toISOString(),
    ])
    for (const event of events) {
      expect(event.p_source_id).toBe(id)
      expect(event.p_row_id).toMatch(/^[0-9a-f]{32}$/)
    }
  })

  test('gzip-compressed, named or sniffed, and application/x-msgpack with parameters', async () => {
    const id = createSource('JSON')
    const gzipped = gzipSync(fluentBitBody())
    expect((await post(id, gzipped, { ...MSGPACK, 'content-encoding': 'gzip' })).status).toBe(200)
    expect((await post(id, gzipped, MSGPACK)).status).toBe(200)
    const other = { 'content-type': 'Application/X-MsgPack; charset=binary' }
    expect((await post(id, fluentBitBody(), other)).status).toBe(200)
    expect((await stored()).length).toBe(12)
  })

  test('plain maps and arrays of maps are events; values become JSON', async () => {
    const id = createSource('Lines')
    const big = 2n ** 60n + 1n
    const body = pack(
      { a: 1, bin: Uint8Array.of(1, 2, 255), when: new Date('2026-01-02T03:04:05.678Z') },
      [{ b: 2 }, { c: [3, { d: 'x' }] }],
      { big, small: 42n, negative: -(2n ** 62n), p_source_id: 'forged' },
      { ext: new ExtData(7, Uint8Array.of(0xde, 0xad)) },
    )
    const response = await post(id, body)
    expect(await response.json()).toEqual({ accepted: 5 })
    const events = await stored()
    expect(events[0]).toMatchObject({ a: 1, bin: 'AQL/', when: '2026-01-02T03:04:05.678Z' })
    expect(events[1]).toMatchObject({ b: 2 })
    expect(events[2]).toMatchObject({ c: [3, { d: 'x' }] })
    expect(events[3]).toMatchObject({ big: String(big), small: 42, negative: String(-(2n ** 62n)) })
    expect(events[3]!.p_source_id).toBe(id)
    expect(events[4]).toMatchObject({ ext: '3q0=' })
    expect(events[0]!.p_event_time).toBe(events[0]!.p_parse_time)
  })

  test('an empty body and an empty array store nothing', async () => {
    const id = createSource()
    expect(await (await post(id, new Uint8Array(0))).json()).toEqual({ accepted: 0 })
    expect(await (await post(id, pack([]))).json()).toEqual({ accepted: 0 })
  })
})

describe('refusals store nothing', () => {
  test('a truncated body is 400 MALFORMED_MSGPACK', async () => {
    const id = createSource()
    const body = fluentBitBody()
    for (const cut of [1, 7, body.length - 1]) {
      const answer = await refusal(await post(id, body.subarray(0, cut)))
      expect(answer.status).toBe(400)
      expect(answer.code).toBe('MALFORMED_MSGPACK')
    }
    const second = pack([T1, { a: 1 }])
    const answer = await refusal(
      await post(id, pack([T1, { a: 1 }], [T1, { b: 2 }]).subarray(0, second.length + 5)),
    )
    expect(answer.message).toContain('entry 2')
    // The offset is that of the value the body ends inside: entry 2's time, after its array header.
    expect(answer.message).toContain(`byte ${second.length + 1}`)
    expect(await stored()).toEqual([])
  })

  test('a record that is not a map is 400 naming the entry', async () => {
    const id = createSource()
    for (const body of [pack([T1, { a: 1 }], [T1, 'just a string']), pack({ a: 1 }, [T1, [1, 2]])]) {
      const answer = await refusal(await post(id, body))
      expect(answer).toMatchObject({ status: 400, code: 'MALFORMED_MSGPACK' })
      expect(answer.message).toContain('entry 2')
      expect(answer.message).toContain('not a map')
    }
    const scalar = await refusal(await post(id, pack({ a: 1 }, 'text')))
    expect(scalar).toMatchObject({ status: 400, code: 'MALFORMED_MSGPACK' })
    expect(scalar.message).toContain('entry 2')
    const item = await refusal(await post(id, pack([{ a: 1 }, 5])))
    expect(item.message).toContain('entry 1 item 2')
    const time = await refusal(await post(id, pack(['yesterday', { a: 1 }])))
    expect(time.message).toContain('not a timestamp')
    expect(await stored()).toEqual([])
  })

  test('a map key that is not a string, or a byte that starts no value, is 400', async () => {
    const id = createSource()
    // {1: "one"}: the encoder writes only string keys, so the bytes are spelled out.
    const numberKey = Uint8Array.of(0x81, 0x01, 0xa3, 0x6f, 0x6e, 0x65)
    const answer = await refusal(await post(id, Uint8Array.of(...pack({ a: 1 }), ...numberKey)))
    expect(answer).toMatchObject({ status: 400, code: 'MALFORMED_MSGPACK' })
    expect(answer.message).toContain('entry 2')
    expect(answer.message).toContain('not a string')
    const never = await refusal(await post(id, Uint8Array.of(0x81, 0xa1, 0x61, 0xc1)))
    expect(never).toMatchObject({ status: 400, code: 'MALFORMED_MSGPACK' })
    expect(await stored()).toEqual([])
  })

  test('more than events_per_request_max events is 413', async () => {
    const id = createSource()
    const entries = Array.from({ length: 6 }, (_, i) => [T1, { i }])
    const answer = await refusal(await post(id, pack(...entries)))
    expect(answer).toMatchObject({ status: 413, code: 'TOO_MANY_EVENTS' })
    const array = await refusal(await post(id, pack(Array.from({ length: 6 }, (_, i) => ({ i })))))
    expect(array).toMatchObject({ status: 413, code: 'TOO_MANY_EVENTS' })
    expect((await post(id, pack(...entries.slice(0, 5)))).status).toBe(200)
    expect((await stored()).length).toBe(5)
  })

  test('an event nested deeper than event_depth_max is 400 EVENT_TOO_DEEP, counted from the record', async () => {
    const id = createSource()
    const nested = (levels: number) => {
      let value: unknown = {}
      for (let i = 1; i < levels; i++) value = { v: value }
      return value
    }
    // 512 levels pass, in a pair as well as alone; 513 do not.
    expect((await post(id, pack([T1, nested(512)]), MSGPACK)).status).toBe(200)
    expect((await post(id, pack(nested(512)), MSGPACK)).status).toBe(200)
    for (const body of [pack([T1, nested(513)]), pack(nested(513)), pack([nested(513)])]) {
      const answer = await refusal(await post(id, body))
      expect(answer).toMatchObject({ status: 400, code: 'EVENT_TOO_DEEP' })
      expect(answer.message).toContain('entry 1')
    }
    // Far deeper than any stack: refused from the bytes, never decoded.
    const deep = new Uint8Array(200_000).fill(0x91)
    deep[deep.length - 1] = 0x80
    const answer = await refusal(await post(id, Uint8Array.of(0x81, 0xa1, 0x76, ...deep)))
    expect(answer).toMatchObject({ status: 400, code: 'EVENT_TOO_DEEP' })
    expect((await stored()).length).toBe(2)
  })

  test('an event over event_bytes_max is 413 EVENT_TOO_LARGE', async () => {
    const small = await testApp({ env: { INLET_INGEST_EVENT_BYTES_MAX: '1024' } })
    try {
      const { source } = small.registry.sources.create({ integrationLabel: 'small', authMethod: 'None' })
      const body = pack([T1, { log: 'x'.repeat(2000) }])
      const response = await small.app.handle(
        new Request(`${BASE_URL}/http/${source.id}`, { method: 'POST', headers: MSGPACK, body }),
      )
      expect(await refusal(response)).toMatchObject({ status: 413, code: 'EVENT_TOO_LARGE' })
    } finally {
      await small.close()
    }
  })
})

describe('other content types', () => {
  test('application/json bodies are framed as JSON, as before', async () => {
    const id = createSource()
    const response = await post(id, '{"a":1}\n{"b":2}', { 'content-type': 'application/json' })
    expect(await response.json()).toEqual({ accepted: 2 })
    const answer = await refusal(await post(id, fluentBitBody(), { 'content-type': 'application/json' }))
    expect(answer.status).toBe(400)
    expect(answer.code).not.toBe('MALFORMED_MSGPACK')
  })

  test('only the msgpack media types select the MessagePack framer', () => {
    expect(isMsgpackContentType('application/msgpack')).toBe(true)
    expect(isMsgpackContentType(' APPLICATION/X-MSGPACK ; q=1')).toBe(true)
    expect(isMsgpackContentType('application/json')).toBe(false)
    expect(isMsgpackContentType('application/msgpack+json')).toBe(false)
    expect(isMsgpackContentType('text/plain; x=application/msgpack')).toBe(false)
    expect(isMsgpackContentType(null)).toBe(false)
  })
})
