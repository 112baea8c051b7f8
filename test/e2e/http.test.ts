/**
 * The HTTP layer as clients meet it on the wire: pipelined requests, oversized heads, slow heads and
 * clients that go away mid-body. Raw sockets, because fetch never pipelines and never misbehaves.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect } from 'node:net'
import { type RunningInlet, startInlet } from './server.ts'

const API_KEY = 'e2e-http-api-key-0123456789'

/** Writes `text` on a fresh connection and collects everything until the server closes it or `ms` pass. */
function exchange(port: number, text: string, ms = 5000): Promise<{ received: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const timer = setTimeout(() => {
      socket.destroy()
      resolve({ received, closed: false })
    }, ms)
    socket.on('data', (data) => {
      received += data.toString('latin1')
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ received, closed: true })
    })
    socket.on('error', () => {})
    socket.write(text)
  })
}

/** The status codes and bodies of the HTTP/1.1 responses in `text`, in order. */
function responses(text: string): { status: number; body: string }[] {
  const found: { status: number; body: string }[] = []
  let rest = text
  for (;;) {
    const match = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(rest)
    if (!match) return found
    const length = Number(/content-length: *(\d+)/i.exec(match[2]!)?.[1] ?? 0)
    const start = match[0].length
    found.push({ status: Number(match[1]), body: rest.slice(start, start + length) })
    rest = rest.slice(start + length)
  }
}

const post = (id: string, body: string, extra = '') =>
  `POST /http/${id} HTTP/1.1\r\nhost: x\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`

describe('HTTP/1.1 on the wire', () => {
  let inlet: RunningInlet
  let port: number
  let id: string

  beforeAll(async () => {
    inlet = await startInlet({
      env: {
        INLET_API_KEY: API_KEY,
        INLET_SERVER_HEAD_TIMEOUT_MS: '800',
        INLET_SERVER_TRUSTED_PROXIES: '127.0.0.1',
      },
    })
    port = Number(new URL(inlet.url).port)
    const created = await fetch(`${inlet.url}/log-sources/http`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ integrationLabel: 'wire', authMethod: 'None' }),
    })
    id = ((await created.json()) as { integrationId: string }).integrationId
  })

  afterAll(async () => {
    if (inlet.process.exitCode === null) await inlet.stop()
  })

  const count = async (tag: string) => {
    const response = await fetch(
      `${inlet.url}/events?q=${encodeURIComponent(`tag = "${tag}"`)}&from=2000-01-01T00:00:00Z&limit=1000`,
      { headers: { 'x-api-key': API_KEY } },
    )
    return ((await response.json()) as { results: unknown[] }).results.length
  }

  test('pipelined POSTs are each answered, in order, and each stored once', async () => {
    const bodies = [1, 2, 3].map((n) =>
      Array.from({ length: n }, (_, k) => JSON.stringify({ tag: 'pipelined', n, k })).join('\n'),
    )
    const { received } = await exchange(port, bodies.map((body) => post(id, body)).join(''), 3000)
    expect(responses(received).map((r) => [r.status, JSON.parse(r.body)])).toEqual([
      [200, { accepted: 1 }],
      [200, { accepted: 2 }],
      [200, { accepted: 3 }],
    ])
    expect(await count('pipelined')).toBe(6)
  })

  test('pipelined requests of every kind are answered in order: a refusal does not cut the rest', async () => {
    const text =
      'GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n' +
      post(id, '{"tag":"mixed"}') +
      post(id, '{"tag":') +
      `GET /log-sources/http HTTP/1.1\r\nhost: x\r\nx-api-key: ${API_KEY}\r\n\r\n` +
      post(id, '{"tag":"mixed"}')
    const { received } = await exchange(port, text, 3000)
    expect(responses(received).map((r) => r.status)).toEqual([200, 200, 400, 200, 200])
    expect(await count('mixed')).toBe(2)
  })

  test('a request head over header_bytes_max is a 431 in the JSON error shape', async () => {
    const { received } = await exchange(
      port,
      `GET /healthz?q=${'a'.repeat(100_000)} HTTP/1.1\r\nhost: x\r\n\r\n`,
    )
    const [answer] = responses(received)
    expect(answer?.status).toBe(431)
    expect(JSON.parse(answer!.body).error.code).toBe('HEADERS_TOO_LARGE')
  })

  test('garbage instead of a request is a 400 in the JSON error shape', async () => {
    const { received } = await exchange(port, 'HELLO THERE\r\n\r\n')
    const [answer] = responses(received)
    expect(answer?.status).toBe(400)
    expect(JSON.parse(answer!.body).error.code).toBe('MALFORMED_REQUEST')
  })

  test('a connection that does not finish its request head in time is closed', async () => {
    const started = performance.now()
    const { received, closed } = await exchange(port, 'POST /http/x HTTP/1.1\r\nhost: x\r\n', 5000)
    expect(closed).toBe(true)
    expect(received).toBe('')
    expect(performance.now() - started).toBeLessThan(4000)
  })

  test('an idle keep-alive connection is closed after its answer', async () => {
    const { received, closed } = await exchange(port, 'GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n', 5000)
    expect(responses(received).map((r) => r.status)).toEqual([200])
    expect(closed).toBe(true)
  })

  test("the connection's address decides allowedCidrs; a trusted proxy may name the client", async () => {
    const create = async (allowedCidrs: string[]) => {
      const response = await fetch(`${inlet.url}/log-sources/http`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({
          integrationLabel: `cidr-${allowedCidrs[0]}`,
          authMethod: 'None',
          allowedCidrs,
        }),
      })
      return ((await response.json()) as { integrationId: string }).integrationId
    }
    const send = (id: string, headers: Record<string, string> = {}) =>
      fetch(`${inlet.url}/http/${id}`, { method: 'POST', headers, body: '{"tag":"cidr"}' })
    const loopback = await create(['127.0.0.0/8'])
    const office = await create(['10.0.0.0/8'])
    expect((await send(loopback)).status).toBe(200)
    expect((await send(office)).status).toBe(403)
    // 127.0.0.1 is a trusted proxy in this server's configuration, so it may say who it forwards.
    expect((await send(office, { 'x-forwarded-for': '10.1.2.3' })).status).toBe(200)
    expect((await send(loopback, { 'x-forwarded-for': '10.1.2.3' })).status).toBe(403)
    expect(await count('cidr')).toBe(2)
  })

  test('a client that disconnects mid-body stores nothing', async () => {
    const body = JSON.stringify({ tag: 'cut', pad: 'x'.repeat(5000) })
    const head = `POST /http/${id} HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n\r\n`
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(head + body.slice(0, 2000), () => setTimeout(() => socket.destroy(), 100))
      })
      socket.on('close', () => resolve())
      socket.on('error', () => {})
    })
    await Bun.sleep(200)
    expect(await count('cut')).toBe(0)
    // The server is still answering.
    expect((await fetch(`${inlet.url}/healthz`)).status).toBe(200)
  })
})
