/**
 * The console's curl example builder (src/console/client/curl.ts): shell quoting, the body for each stream
 * type, and each auth method's headers. The scripts are run by bash with `curl` replaced by a function that
 * prints its arguments, and the signatures they compute with openssl are checked here against node:crypto
 * and the Standard Webhooks reference library, independently of the server (test/browser/sources.test.ts
 * sends them to the server).
 */
import { describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import {
  type CurlSource,
  curlExample,
  exampleBody,
  SECRET_PLACEHOLDER,
  shellQuote,
} from '../../src/console/client/curl.ts'

const URL = 'http://127.0.0.1:8080/http/0e580c06-cd39-457b-a4ae-392b4f7978dc'
const NASTY = `it's "quoted" $HOME \`id\` $(id) !x \\ ''end'`

async function bash(script: string): Promise<string> {
  const child = Bun.spawn(['bash', '-c', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  if (code !== 0 || err !== '') throw new Error(`bash exited ${code}: ${err}`)
  return out
}

interface Sent {
  url: string
  headers: Record<string, string>
  user?: string
  body: string
}

/** Runs the example with a `curl` that reports its arguments instead of sending anything. */
async function send(source: CurlSource): Promise<Sent> {
  const fake = `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n`
  const args = (await bash(fake + curlExample(source))).split('\0').slice(0, -1)
  const sent: Sent = { url: '', headers: {}, body: '' }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '-H') {
      const header = args[++i]!
      const colon = header.indexOf(': ')
      sent.headers[header.slice(0, colon).toLowerCase()] = header.slice(colon + 2)
    } else if (arg === '-u') sent.user = args[++i]
    else if (arg === '--data-binary') sent.body = args[++i]!
    else if (arg === '-w') i++
    else if (arg === '-X') expect(args[++i]).toBe('POST')
    else if (arg.startsWith('http')) sent.url = arg
  }
  return sent
}

const hmac = (alg: string, key: string | Buffer, text: string, encoding: 'hex' | 'base64' = 'hex') =>
  createHmac(alg, key).update(text).digest(encoding)

const base = { url: URL } as const

describe('shellQuote', () => {
  test("single-quotes, writing an embedded ' as '\\''", () => {
    expect(shellQuote('abc')).toBe("'abc'")
    expect(shellQuote("it's")).toBe(`'it'\\''s'`)
    expect(shellQuote('')).toBe("''")
  })

  test('bash reads every quoted string back as it was', async () => {
    const texts = [NASTY, "'", "''", 'a\nb', '$((1+1))', '*', '~', 'tab\there', 'ünïcødé ✓', '\\', '-n']
    const script = texts.map((text) => `printf '%s\\0' ${shellQuote(text)}`).join('\n')
    expect((await bash(script)).split('\0').slice(0, -1)).toEqual(texts)
  })
})

describe('exampleBody', () => {
  test('one event in the form each stream type reads', () => {
    expect(exampleBody({})).toBe('{"message":"hello from curl"}')
    expect(exampleBody({ logStreamType: 'Lines' })).toBe('{"message":"hello from curl"}')
    expect(exampleBody({ logStreamType: 'JsonArray', logStreamTypeOptions: {} })).toBe(
      '[{"message":"hello from curl"}]',
    )
    expect(
      exampleBody({
        logStreamType: 'JsonArray',
        logStreamTypeOptions: { jsonArrayEnvelopeField: 'data.items' },
      }),
    ).toBe('{"data":{"items":[{"message":"hello from curl"}]}}')
    const cloudWatch = JSON.parse(exampleBody({ logStreamType: 'CloudWatchLogs' }))
    expect(cloudWatch.messageType).toBe('DATA_MESSAGE')
    expect(cloudWatch.logEvents).toEqual([{ id: '1', message: 'hello from curl' }])
  })
})

describe('curlExample', () => {
  test('None: the body and nothing else', async () => {
    const sent = await send({ ...base, authMethod: 'None' })
    expect(sent).toEqual({
      url: URL,
      headers: { 'content-type': 'application/json' },
      body: '{"message":"hello from curl"}',
    })
  })

  test("SharedSecret: the secret in its header, quoted safely whatever it holds (a ' included)", async () => {
    const source: CurlSource = {
      ...base,
      authMethod: 'SharedSecret',
      authHeaderKey: 'X-Token',
      authSecretValue: NASTY,
    }
    const script = curlExample(source)
    expect(script).toContain(`SECRET='it'\\''s "quoted" $HOME`)
    expect(script).toContain('-H "X-Token: $SECRET"')
    expect((await send(source)).headers['x-token']).toBe(NASTY)
  })

  test('a header name with characters the shell reads is single-quoted too', async () => {
    const source: CurlSource = {
      ...base,
      authMethod: 'SharedSecret',
      authHeaderKey: "X-$HOME`id`!'",
      authSecretValue: 'secret-1',
    }
    expect((await send(source)).headers["x-$home`id`!'"]).toBe('secret-1')
  })

  test('Bearer: Authorization: Bearer <token>', async () => {
    const sent = await send({ ...base, authMethod: 'Bearer', authBearerToken: NASTY })
    expect(sent.headers.authorization).toBe(`Bearer ${NASTY}`)
  })

  test('Basic: -u user:password', async () => {
    const source: CurlSource = {
      ...base,
      authMethod: 'Basic',
      authUsername: "o'brien",
      authPassword: `pa:ss${NASTY}`,
    }
    expect(curlExample(source)).toContain('-u "$USERNAME:$PASSWORD"')
    expect((await send(source)).user).toBe(`o'brien:pa:ss${NASTY}`)
  })

  test('without the secret, a placeholder stands in for it', () => {
    expect(curlExample({ ...base, authMethod: 'Bearer' })).toContain(`TOKEN='${SECRET_PLACEHOLDER}'`)
  })

  for (const alg of ['sha256', 'sha1', 'sha512'] as const) {
    test(`HMAC raw ${alg}: the hex HMAC of the body in the header`, async () => {
      const sent = await send({
        ...base,
        authMethod: 'HMAC',
        authHmacScheme: 'raw',
        authHmacAlg: alg,
        authHeaderKey: 'X-Sig',
        authSecretValue: NASTY,
      })
      expect(sent.headers['x-sig']).toBe(hmac(alg, NASTY, sent.body))
    })
  }

  test('HMAC github: X-Hub-Signature-256: sha256=<hex>, and sha1= for the old header', async () => {
    const secret = 'gh-secret-0123456789'
    const sent = await send({
      ...base,
      authMethod: 'HMAC',
      authHmacScheme: 'github',
      authHmacAlg: 'sha256',
      authHeaderKey: 'X-Hub-Signature-256',
      authSecretValue: secret,
    })
    expect(sent.headers['x-hub-signature-256']).toBe(`sha256=${hmac('sha256', secret, sent.body)}`)
    const old = await send({
      ...base,
      authMethod: 'HMAC',
      authHmacScheme: 'github',
      authHmacAlg: 'sha1',
      authHeaderKey: 'X-Hub-Signature',
      authSecretValue: secret,
    })
    expect(old.headers['x-hub-signature']).toBe(`sha1=${hmac('sha1', secret, old.body)}`)
  })

  test('HMAC stripe: Stripe-Signature: t=<now>,v1=<hex of HMAC over "t.body">', async () => {
    const secret = 'whsec_stripe_like_secret'
    const before = Math.floor(Date.now() / 1000)
    const sent = await send({
      ...base,
      authMethod: 'HMAC',
      authHmacScheme: 'stripe',
      authHeaderKey: 'Stripe-Signature',
      authSecretValue: secret,
      logStreamType: 'CloudWatchLogs',
    })
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sent.headers['stripe-signature']!)
    expect(match).not.toBeNull()
    expect(Number(match![1])).toBeGreaterThanOrEqual(before)
    expect(match![2]).toBe(hmac('sha256', secret, `${match![1]}.${sent.body}`))
    expect(JSON.parse(sent.body).messageType).toBe('DATA_MESSAGE')
  })

  test('HMAC slack: X-Slack-Request-Timestamp and X-Slack-Signature: v0=<hex of HMAC over "v0:ts:body">', async () => {
    const secret = "slack'secret"
    const sent = await send({
      ...base,
      authMethod: 'HMAC',
      authHmacScheme: 'slack',
      authHeaderKey: 'X-Slack-Signature',
      authSecretValue: secret,
    })
    const ts = sent.headers['x-slack-request-timestamp']!
    expect(ts).toMatch(/^\d+$/)
    expect(sent.headers['x-slack-signature']).toBe(`v0=${hmac('sha256', secret, `v0:${ts}:${sent.body}`)}`)
  })

  test('HMAC standard-webhooks: the reference library verifies what the script signs', async () => {
    const secret = `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`
    const sent = await send({
      ...base,
      authMethod: 'HMAC',
      authHmacScheme: 'standard-webhooks',
      authHeaderKey: 'webhook-signature',
      authSecretValue: secret,
    })
    expect(sent.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{24}$/)
    expect(sent.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/)
    expect(new Webhook(secret).verify(sent.body, sent.headers)).toEqual({ message: 'hello from curl' })
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
    const signed = `${sent.headers['webhook-id']}.${sent.headers['webhook-timestamp']}.${sent.body}`
    expect(sent.headers['webhook-signature']).toBe(`v1,${hmac('sha256', key, signed, 'base64')}`)
  })

  test('the script is plain POSIX sh too', async () => {
    const script = curlExample({
      ...base,
      authMethod: 'HMAC',
      authHmacScheme: 'standard-webhooks',
      authHeaderKey: 'webhook-signature',
      authSecretValue: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
    })
    const child = Bun.spawn(['sh', '-n', '-c', script], { stdout: 'pipe', stderr: 'pipe' })
    expect(await child.exited).toBe(0)
  })
})
