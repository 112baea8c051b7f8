/**
 * Real senders, unmodified: the requests in test/fixtures/senders/ (captured from Fluent Bit's `out_http`
 * on the wire, or rebuilt from Vector's `http` sink source, as the README there says) are replayed byte
 * for byte on a raw socket against the running server. Only the request target and the Host value are
 * changed, to name this server and a source of it; every other header and every body byte is as sent.
 * Each must be answered 200 with its event count, and its events found by search with the record's fields.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { decodeMulti, ExtensionCodec } from '@msgpack/msgpack'
import { type RunningInlet, startInlet } from './server.ts'

const API_KEY = 'e2e-senders-api-key-0123456789'
const FIXTURES = join(import.meta.dir, '..', 'fixtures', 'senders')

const fluentBitRecord = { message: 'user login', user: 'alice', status: 200 }
/** Fluent Bit's JSON formats add the record's time under `json_date_key` ("date"), as a double. */
const fluentBitJsonRecord = { date: expect.any(Number), ...fluentBitRecord }
const vectorStdin = (message: string, user: string) => ({
  host: 'web-1',
  message,
  source_type: 'stdin',
  status: 200,
  timestamp: '2026-08-22T09:30:01.514913806Z',
  user,
})

interface Case {
  file: string
  /** The event fields other than the p_ ones each stored event must have exactly, in any order. */
  records: Record<string, unknown>[]
  /** A MessagePack body: each event's p_event_time must be its entry's EventTime. */
  msgpack?: boolean
}

const CASES: Case[] = [
  { file: 'fluent-bit-msgpack.http', records: [fluentBitRecord, fluentBitRecord], msgpack: true },
  { file: 'fluent-bit-msgpack-gzip.http', records: [fluentBitRecord, fluentBitRecord], msgpack: true },
  { file: 'fluent-bit-json.http', records: [fluentBitJsonRecord, fluentBitJsonRecord] },
  { file: 'fluent-bit-json-lines.http', records: [fluentBitJsonRecord, fluentBitJsonRecord] },
  { file: 'fluent-bit-json-lines-zstd.http', records: [fluentBitJsonRecord, fluentBitJsonRecord] },
  { file: 'fluent-bit-json-stream.http', records: [fluentBitJsonRecord, fluentBitJsonRecord] },
  {
    file: 'fluent-bit-gelf.http',
    records: Array.from({ length: 2 }, () => ({
      version: '1.1',
      short_message: 'user login',
      _user: 'alice',
      _status: 200,
      timestamp: expect.any(Number),
    })),
  },
  {
    file: 'vector-json.http',
    records: [vectorStdin('user login', 'alice'), vectorStdin('user logout', 'bob')],
  },
  {
    file: 'vector-ndjson.http',
    records: [vectorStdin('user login', 'alice'), vectorStdin('user logout', 'bob')],
  },
  {
    file: 'vector-text.http',
    records: [
      { message: 'user login', user: 'alice', status: 200 },
      { message: 'user logout', user: 'bob', status: 200 },
    ],
  },
]

interface Captured {
  head: string
  body: Buffer
  header(name: string): string | undefined
}

/** A fixture split into its head (request line and headers, without the blank line) and its body. */
function readFixture(file: string): Captured {
  const raw = readFileSync(join(FIXTURES, file))
  const end = raw.indexOf('\r\n\r\n')
  expect(end).toBeGreaterThan(0)
  const head = raw.subarray(0, end).toString('latin1')
  const header = (name: string) =>
    head
      .split('\r\n')
      .slice(1)
      .map((line) => /^([^:]+):[ \t]*(.*)$/.exec(line))
      .find((match) => match?.[1]?.toLowerCase() === name)?.[2]
  return { head, body: raw.subarray(end + 4), header }
}

/** The captured request aimed at `path` on `host`: the request target and Host value replaced, nothing else. */
function retarget(captured: Captured, path: string, host: string): Buffer {
  const [requestLine = '', ...headers] = captured.head.split('\r\n')
  const line = requestLine.replace(/^(\S+) \S+ (HTTP\/1\.1)$/, `$1 ${path} $2`)
  expect(line).not.toBe(requestLine)
  const fields = headers.map((field) => field.replace(/^(host):.*$/i, `$1: ${host}`))
  expect(fields.filter((field, i) => field !== headers[i])).toHaveLength(1)
  return Buffer.concat([Buffer.from(`${[line, ...fields].join('\r\n')}\r\n\r\n`, 'latin1'), captured.body])
}

/** Sends `request` on a fresh connection; the first response's status and body. */
function send(port: number, request: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = Buffer.alloc(0)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no whole answer; got ${JSON.stringify(received.toString('latin1'))}`))
    }, 10_000)
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data])
      const end = received.indexOf('\r\n\r\n')
      if (end < 0) return
      const head = received.subarray(0, end).toString('latin1')
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
      if (received.length < end + 4 + length) return
      clearTimeout(timer)
      socket.destroy()
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1])
      resolve({ status, body: received.subarray(end + 4, end + 4 + length).toString('utf8') })
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.write(request)
  })
}

/** The times of a Fluent Bit MessagePack body's entries, `[[EventTime, metadata], record]`, as ISO strings. */
function msgpackTimes(captured: Captured): string[] {
  const body = captured.header('content-encoding') === 'gzip' ? gunzipSync(captured.body) : captured.body
  const codec = new ExtensionCodec()
  codec.register({
    type: 0,
    encode: () => null,
    decode: (data) => {
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
      return view.getUint32(0) * 1000 + Math.floor(view.getUint32(4) / 1e6)
    },
  })
  return [...decodeMulti(body, { extensionCodec: codec })].map((entry) => {
    const [header] = entry as [[number, unknown], unknown]
    return new Date(header[0]).toISOString()
  })
}

const withoutPFields = (event: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(event).filter(([key]) => !key.startsWith('p_')))

describe('requests of real senders, replayed as sent', () => {
  let inlet: RunningInlet
  let port: number

  beforeAll(async () => {
    inlet = await startInlet({ env: { INLET_API_KEY: API_KEY } })
    port = Number(new URL(inlet.url).port)
  })

  afterAll(async () => {
    if (inlet.process.exitCode === null) await inlet.stop()
  })

  test.each(CASES)('$file', async ({ file, records, msgpack }) => {
    const captured = readFixture(file)
    // A capture cut short would fail for the wrong reason: the body is all its Content-Length says.
    expect(captured.body.length).toBe(Number(captured.header('content-length')))

    const created = await fetch(`${inlet.url}/log-sources/http`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ integrationLabel: file, authMethod: 'None' }),
    })
    expect(created.status).toBe(201)
    const { integrationId } = (await created.json()) as { integrationId: string }

    const answer = await send(port, retarget(captured, `/http/${integrationId}`, `127.0.0.1:${port}`))
    expect(answer).toEqual({ status: 200, body: JSON.stringify({ accepted: records.length }) })

    const query = new URLSearchParams({
      sourceId: integrationId,
      from: '2000-01-01T00:00:00Z',
      to: '2100-01-01T00:00:00Z',
    })
    const found = await fetch(`${inlet.url}/events?${query}`, { headers: { 'x-api-key': API_KEY } })
    expect(found.status).toBe(200)
    const { results } = (await found.json()) as { results: Record<string, unknown>[] }
    expect(results).toHaveLength(records.length)
    const fields = results.map(withoutPFields)
    for (const record of records) expect(fields).toContainEqual(record)
    for (const event of results) {
      expect(event).toMatchObject({ p_source_id: integrationId, p_source_label: file })
      expect(event.p_row_id).toMatch(/^[0-9a-f]{32}$/)
    }
    if (msgpack) {
      expect(results.map((event) => event.p_event_time).sort()).toEqual(msgpackTimes(captured).sort())
    }
  })
})
