import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers.ts'
import { makeCertificate, type RunningInlet, runCli, startInlet } from './server.ts'

describe('inlet serve over HTTP', () => {
  let inlet: RunningInlet
  beforeAll(async () => {
    inlet = await startInlet()
  })
  afterAll(async () => {
    if (inlet.process.exitCode === null) await inlet.stop()
  })

  test('prints its URL and a generated API key once; healthz answers', async () => {
    expect(inlet.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(inlet.apiKey.length).toBeGreaterThanOrEqual(32)
    const keyLines = () => inlet.stdout.filter((line) => line.includes(inlet.apiKey))
    for (let wait = 0; wait < 100 && keyLines().length === 0; wait++) await Bun.sleep(20)
    expect(keyLines()).toHaveLength(1)
    expect(await (await fetch(`${inlet.url}/healthz`)).json()).toEqual({ status: 'ok' })
  })

  test('a source created over HTTP reads back, with its ingest URL', async () => {
    const headers = { 'x-api-key': inlet.apiKey, 'content-type': 'application/json' }
    const created = await fetch(`${inlet.url}/log-sources/http`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ integrationLabel: 'e2e', authMethod: 'Bearer' }),
    })
    expect(created.status).toBe(201)
    const source = (await created.json()) as Record<string, string>
    expect(source.url).toBe(`${inlet.url}/http/${source.integrationId}`)
    const read = await fetch(`${inlet.url}/log-sources/http/${source.integrationId}`, { headers })
    expect(((await read.json()) as Record<string, string>).integrationLabel).toBe('e2e')
  })

  test('the CLI manages sources by label against the running server', async () => {
    const env = { INLET_API_KEY: inlet.apiKey, INLET_SERVER: inlet.url }
    const created = await runCli(
      ['source', 'create', '--label', 'GitHub audit', '--auth', 'HMAC', '--hmac-scheme', 'github'],
      env,
    )
    expect(created.stderr).toBe('')
    expect(created.code).toBe(0)
    expect(created.stdout).toContain('X-Hub-Signature-256')
    expect(created.stdout).toContain('shown once')
    const basic = await runCli(
      [
        'source',
        'create',
        '--label',
        'shipper',
        '--auth',
        'Basic',
        '--username',
        'fluent',
        '--secret',
        'pass:with:colons',
        '--allowed-cidr',
        '10.0.0.0/8',
        '--allowed-cidr',
        '2001:db8::/32',
        '--http-header',
        'X-Request-Id',
        '--json',
      ],
      env,
    )
    expect(JSON.parse(basic.stdout)).toMatchObject({
      authUsername: 'fluent',
      authPassword: 'pass:with:colons',
      allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'],
      httpHeaders: ['x-request-id'],
    })
    expect((await runCli(['source', 'show', 'shipper'], env)).stdout).toMatch(
      /httpHeaders +\["x-request-id"\]/,
    )
    const listed = await runCli(['source', 'list'], env)
    expect(listed.stdout).toContain('GitHub audit')
    const shown = await runCli(['source', 'show', 'github AUDIT', '--json'], env)
    const source = JSON.parse(shown.stdout)
    expect(source.authHmacScheme).toBe('github')
    expect(source.authSecretValue).toBeUndefined()
    const rotated = await runCli(['source', 'rotate', 'GitHub audit', '--grace', '300', '--json'], env)
    expect(JSON.parse(rotated.stdout).previousSecretExpiresAt).toBeString()
    // The data dir's api-key file serves when INLET_API_KEY is unset.
    const deleted = await runCli(['source', 'delete', source.integrationId, '--data-dir', inlet.dataDir], {
      INLET_SERVER: inlet.url,
    })
    expect(deleted.code).toBe(0)
    const missing = await runCli(['source', 'show', 'GitHub audit'], env)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no source with label')
  })

  test('CLI errors are clear: wrong key, bad flag, no server', async () => {
    const wrongKey = await runCli(['source', 'list'], {
      INLET_API_KEY: 'not-the-right-key-at-all',
      INLET_SERVER: inlet.url,
    })
    expect(wrongKey.code).toBe(1)
    expect(wrongKey.stderr).toContain('401')
    const badFlag = await runCli(['source', 'list', '--colour'], { INLET_API_KEY: inlet.apiKey })
    expect(badFlag.code).toBe(2)
    expect(badFlag.stderr).toContain("'--colour'")
    const noServer = await runCli(['source', 'list', '--server', 'http://127.0.0.1:1'], {
      INLET_API_KEY: inlet.apiKey,
    })
    expect(noServer.code).toBe(1)
    expect(noServer.stderr).toContain('cannot reach http://127.0.0.1:1')
  })

  test('a second server on the same port fails with a clear message, leaving no new data directory', async () => {
    using dir = tempDir()
    const port = new URL(inlet.url).port
    const fresh = join(dir.path, 'fresh')
    const second = await runCli(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', fresh])
    expect(second.code).toBe(1)
    expect(second.stderr).toContain('already in use')
    expect(existsSync(fresh)).toBe(false)
    // A data directory that was there before is left alone.
    const kept = await runCli(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dir.path])
    expect(kept.code).toBe(1)
    expect(existsSync(dir.path)).toBe(true)
  })

  test('the event log is open under the data directory, and a second server there is refused', async () => {
    expect(existsSync(join(inlet.dataDir, 'log'))).toBe(true)
    const second = await runCli(['serve', '--listen', '127.0.0.1:0', '--data-dir', inlet.dataDir])
    expect(second.code).toBe(1)
    expect(second.stderr).toContain('in use by another inlet')
  })

  test('SIGTERM lets an in-flight request finish, then exits 0', async () => {
    const slow = await slowCreate(inlet)
    slow.push('{"integrationLabel": "slow", ')
    await Bun.sleep(200)
    const stopping = inlet.stop()
    await Bun.sleep(200)
    slow.push('"authMethod": "None"}')
    slow.end()
    expect((await slow.response).status).toBe(201)
    const { code, stderr } = await stopping
    expect(code).toBe(0)
    expect(stderr).toContain('draining')
  })
})

describe('inlet serve limits and addresses', () => {
  test('a request still unfinished after shutdown_grace_ms is cut off, and the server exits 0', async () => {
    const inlet = await startInlet({ args: ['--shutdown-grace-ms', '300'] })
    const slow = await slowCreate(inlet)
    const outcome = slow.response.then(
      () => 'answered',
      () => 'cut off',
    )
    slow.push('{"integrationLabel": ')
    await Bun.sleep(100)
    const started = performance.now()
    const { code } = await inlet.stop()
    expect(code).toBe(0)
    expect(performance.now() - started).toBeLessThan(10_000) // bounded by the grace, not by the sender
    expect(await outcome).toBe('cut off')
  })

  test('a non-loopback address is served without TLS when --allow-plain-http says so', async () => {
    const inlet = await startInlet({ args: ['--listen', '0.0.0.0:0', '--allow-plain-http'] })
    try {
      expect(inlet.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/)
      const port = new URL(inlet.url).port
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' })
    } finally {
      expect((await inlet.stop()).code).toBe(0)
    }
  })
})

/** Starts a source creation whose body the test sends piece by piece, as a slow sender would. */
async function slowCreate(inlet: RunningInlet) {
  const { promise: opened, resolve } = Promise.withResolvers<ReadableStreamDefaultController<Uint8Array>>()
  const body = new ReadableStream<Uint8Array>({ start: resolve })
  const response = fetch(`${inlet.url}/log-sources/http`, {
    method: 'POST',
    headers: { 'x-api-key': inlet.apiKey, 'content-type': 'application/json' },
    body,
    duplex: 'half',
  } as RequestInit)
  const controller = await opened
  return {
    response,
    push: (chunk: string) => controller.enqueue(new TextEncoder().encode(chunk)),
    end: () => controller.close(),
  }
}

describe('inlet serve over HTTPS', () => {
  test('serves TLS with a certificate made by openssl; the CLI talks to it; URLs use --public-url', async () => {
    using dir = tempDir()
    const { cert, key } = makeCertificate(dir.path)
    const inlet = await startInlet({
      args: ['--tls-cert', cert, '--tls-key', key, '--public-url', 'https://logs.example.com/'],
      env: { INLET_API_KEY: 'tls-test-api-key-0001' },
    })
    try {
      expect(inlet.url).toMatch(/^https:\/\//)
      const response = await fetch(`${inlet.url}/healthz`, {
        tls: { ca: await Bun.file(cert).text() },
      } as RequestInit)
      expect(await response.json()).toEqual({ status: 'ok' })
      await expect(fetch(`${inlet.url}/healthz`)).rejects.toThrow()
      const listed = await runCli(['source', 'list', '--insecure'], {
        INLET_API_KEY: 'tls-test-api-key-0001',
        INLET_SERVER: inlet.url,
      })
      expect(listed.stdout).toContain('no sources')
      const created = await runCli(
        ['source', 'create', '--label', 'x', '--auth', 'None', '--insecure', '--json'],
        {
          INLET_API_KEY: 'tls-test-api-key-0001',
          INLET_SERVER: inlet.url,
        },
      )
      const source = JSON.parse(created.stdout)
      expect(source.url).toBe(`https://logs.example.com/http/${source.integrationId}`)
    } finally {
      expect((await inlet.stop()).code).toBe(0)
    }
  })
})
