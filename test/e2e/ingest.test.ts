/**
 * Ingest over real HTTP and HTTPS against the running server (source tree or binary): events sent with
 * fetch and with hand-written requests on a raw socket (to hit the 1 MiB limit at the exact byte, with
 * and without Content-Length), then read back from the event log once the server has stopped.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { connect as connectTcp } from 'node:net'
import { gzipSync } from 'node:zlib'
import { tempDir } from '../helpers.ts'
import { makeCertificate, type RunningInlet, startInlet } from './server.ts'

const API_KEY = 'e2e-ingest-api-key-0001'
const REQUEST_BYTES_MAX = 1_048_576

async function createSource(inlet: RunningInlet, body: object, init: RequestInit = {}) {
  const response = await fetch(`${inlet.url}/log-sources/http`, {
    ...init,
    method: 'POST',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ integrationLabel: `e2e-${Math.random()}`, ...body }),
  })
  expect(response.status).toBe(201)
  return (await response.json()) as { integrationId: string; url: string } & Record<string, string>
}

/** Sends raw bytes on a fresh connection and returns the status line's code (the server closes after). */
function rawRequest(port: number, chunks: (string | Uint8Array)[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1')
    let received = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer; got ${JSON.stringify(received.slice(0, 200))}`))
    }, 10_000)
    const finish = () => {
      clearTimeout(timer)
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]
      if (status) resolve(Number(status))
      else reject(new Error(`no status line in ${JSON.stringify(received.slice(0, 200))}`))
    }
    socket.on('data', (data) => {
      received += data.toString('latin1')
      if (/\r\n\r\n/.test(received) && /^HTTP\/1\.1 \d{3}/.test(received)) socket.end()
    })
    socket.on('close', finish)
    // The server may answer 413 and close before the whole body is written; that is the point.
    socket.on('error', () => {})
    for (const chunk of chunks) socket.write(chunk)
  })
}

describe('ingest over HTTP', () => {
  let inlet: RunningInlet
  let open: { integrationId: string }
  let bearer: Record<string, string>

  beforeAll(async () => {
    inlet = await startInlet({ env: { INLET_API_KEY: API_KEY } })
    open = await createSource(inlet, { authMethod: 'None' })
    bearer = await createSource(inlet, { authMethod: 'Bearer' })
  })

  afterAll(async () => {
    if (inlet.process.exitCode === null) await inlet.stop()
  })

  test('fetch with Bearer auth and gzip, NDJSON, 200 only for the right token', async () => {
    const body = gzipSync('{"n":1}\n{"n":2}\n')
    const send = (token: string) =>
      fetch(`${inlet.url}/http/${bearer.integrationId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-encoding': 'gzip' },
        body,
      })
    const ok = await send(bearer.authBearerToken!)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ accepted: 2 })
    const refused = await send('wrong-token-value')
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toStartWith('Bearer')
  })

  test('other methods are 405 with Allow: POST', async () => {
    const response = await fetch(`${inlet.url}/http/${open.integrationId}`)
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
  })

  test('the 1 MiB limit holds at the byte, with Content-Length', async () => {
    const port = Number(new URL(inlet.url).port)
    const request = (total: number) => {
      const head = (length: number) =>
        `POST /http/${open.integrationId} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n` +
        `content-length: ${String(length).padStart(7, '0')}\r\n\r\n`
      const bodyBytes = total - head(0).length
      const body = `{"pad":"${'x'.repeat(bodyBytes - 10)}"}`
      return [head(bodyBytes), body]
    }
    expect(await rawRequest(port, request(REQUEST_BYTES_MAX))).toBe(200)
    expect(await rawRequest(port, request(REQUEST_BYTES_MAX + 1))).toBe(413)
  })

  test('the 1 MiB limit holds at the byte for chunked bodies, counted as they arrive', async () => {
    const port = Number(new URL(inlet.url).port)
    const head =
      `POST /http/${open.integrationId} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n` +
      'transfer-encoding: chunked\r\n\r\n'
    const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`
    /** The request line, headers and body bytes add up to `total`; the chunk framing is not counted. */
    const request = (total: number) => {
      const bodyBytes = total - head.length
      const pieces = Array.from({ length: 16 }, () => `{"chunked":"${'c'.repeat(1000)}"}\n`)
      const padBytes = bodyBytes - pieces.join('').length - 10
      pieces.push(`{"pad":"${'p'.repeat(padBytes)}"}`)
      expect(pieces.join('').length).toBe(bodyBytes)
      return [head, ...pieces.map(chunk), '0\r\n\r\n']
    }
    expect(await rawRequest(port, request(REQUEST_BYTES_MAX))).toBe(200)
    expect(await rawRequest(port, request(REQUEST_BYTES_MAX + 1))).toBe(413)
  })

  test('after a clean stop, every accepted event is in the log with its p_ fields', async () => {
    const { code, events } = await inlet.stop()
    expect(code).toBe(0)
    expect(events.filter((event) => event.n !== undefined).map((event) => event.n)).toEqual([1, 2])
    expect(events.filter((event) => event.pad !== undefined)).toHaveLength(2)
    expect(events.filter((event) => event.chunked !== undefined)).toHaveLength(16)
    for (const event of events) expect(event.p_row_id).toMatch(/^[0-9a-f]{32}$/)
  })
})

describe('ingest over HTTPS', () => {
  test('an HMAC-signed gzip body over TLS is stored', async () => {
    using dir = tempDir()
    const { cert, key } = makeCertificate(dir.path)
    const inlet = await startInlet({
      args: ['--tls-cert', cert, '--tls-key', key],
      env: { INLET_API_KEY: API_KEY },
    })
    const tls = { tls: { ca: readFileSync(cert, 'utf8') } } as RequestInit
    const source = await createSource(inlet, { authMethod: 'HMAC', authHmacScheme: 'github' }, tls)
    const body = gzipSync('[{"action":"opened"},{"action":"closed"}]')
    const signature = createHmac('sha256', source.authSecretValue!).update(body).digest('hex')
    const response = await fetch(source.url.replace(/^http:/, 'https:'), {
      ...tls,
      method: 'POST',
      headers: { 'x-hub-signature-256': `sha256=${signature}`, 'content-encoding': 'gzip' },
      body,
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ accepted: 2 })
    const { code, events } = await inlet.stop()
    expect(code).toBe(0)
    expect(events.map((event) => event.action)).toEqual(['opened', 'closed'])
  })
})
