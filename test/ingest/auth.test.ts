/**
 * The auth stage, driven as the route drives it: `checkHeaders` first, then, for HMAC, `checkBody` over
 * the raw bytes. Credentials are built directly: keyed hashes for the hashed modes, plaintext keys for HMAC.
 */
import { describe, expect, test } from 'bun:test'
import { createHmac, randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import {
  type AuthOutcome,
  BASIC_CHALLENGE,
  BEARER_CHALLENGE,
  compileVerifier,
  type Verifier,
} from '../../src/ingest/auth/index.ts'
import type { HmacAlg } from '../../src/registry/model.ts'
import { createSecretBox } from '../../src/registry/secrets.ts'
import type { SourceRecord } from '../../src/registry/sources.ts'
import { sourceRecord } from '../helpers.ts'

const box = createSecretBox(randomBytes(32))
const NOW_MS = Date.parse('2026-11-28T12:00:00Z')
const NOW_S = NOW_MS / 1000
const TOLERANCE_MS = 300_000
const SECRET = 'correct-horse-battery-staple'
const OLD_SECRET = 'previous-secret-in-grace'
const WHSEC = `whsec_${Buffer.alloc(32, 7).toString('base64')}`
const WHSEC_KEY = Buffer.alloc(32, 7)
const BODY = '{"event":"login","user":"ada"}\n'

const OPTIONS = { box, timestampToleranceMs: TOLERANCE_MS }

/** A hashed-secret source, as the registry hands it over: one keyed hash per live secret. */
const hashed = (overrides: Partial<SourceRecord>, secrets: string[] = [SECRET]) =>
  compileVerifier(
    { source: sourceRecord(overrides), hashes: secrets.map((s) => box.hash(s)), keys: [] },
    OPTIONS,
  )

/** An HMAC source with the scheme defaults registry/rules.ts would fill in. */
const keyed = (overrides: Partial<SourceRecord>, keys: string[] = [SECRET]) =>
  compileVerifier({ source: sourceRecord({ authMethod: 'HMAC', ...overrides }), hashes: [], keys }, OPTIONS)

const raw = (alg: HmacAlg = 'sha256', keys?: string[]) =>
  keyed({ authHeaderKey: 'X-Signature', authHmacAlg: alg, authHmacScheme: 'raw' }, keys)
const github = (keys?: string[]) =>
  keyed({ authHeaderKey: 'X-Hub-Signature-256', authHmacAlg: 'sha256', authHmacScheme: 'github' }, keys)
const webhooks = (keys: string[] = [WHSEC]) =>
  keyed(
    { authHeaderKey: 'webhook-signature', authHmacAlg: 'sha256', authHmacScheme: 'standard-webhooks' },
    keys,
  )
const stripe = (keys?: string[]) =>
  keyed({ authHeaderKey: 'Stripe-Signature', authHmacAlg: 'sha256', authHmacScheme: 'stripe' }, keys)
const slack = (keys?: string[]) =>
  keyed({ authHeaderKey: 'X-Slack-Signature', authHmacAlg: 'sha256', authHmacScheme: 'slack' }, keys)

const mac = (alg: HmacAlg, key: string | Uint8Array, text: string | Uint8Array) =>
  createHmac(alg, key).update(text).digest()
const hex = (key: string | Uint8Array, text: string, alg: HmacAlg = 'sha256') =>
  mac(alg, key, text).toString('hex')
const b64 = (key: string | Uint8Array, text: string) => mac('sha256', key, text).toString('base64')
const basic = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`
/** What Fetch's Headers shows for UTF-8 bytes on the wire: one character per byte. */
const onTheWire = (text: string) => Buffer.from(text, 'utf8').toString('latin1')

/** The whole check as the route runs it: headers first, the body only when the verdict needs it. */
function verify(
  verifier: Verifier,
  headers: Record<string, string>,
  body: string | Uint8Array = BODY,
  nowMs = NOW_MS,
): AuthOutcome {
  const h = new Headers(headers)
  const early = verifier.checkHeaders(h, nowMs)
  if (!early.ok || !verifier.needsBody) return early
  return verifier.checkBody(early, typeof body === 'string' ? new TextEncoder().encode(body) : body)
}

const verdict = (outcome: AuthOutcome) => (outcome.ok ? 'ok' : outcome.reason)

const webhookHeaders = (signature: string, timestamp = NOW_S, id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W') => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signature,
})
const webhookSignature = (timestamp = NOW_S, id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', key = WHSEC_KEY) =>
  `v1,${b64(key, `${id}.${timestamp}.${BODY}`)}`
const stripeHeader = (entries: string, t = NOW_S) => ({ 'stripe-signature': `t=${t},${entries}` })
const stripeV1 = (t = NOW_S, key = SECRET) => `v1=${hex(key, `${t}.${BODY}`)}`
const slackHeaders = (signature: string, timestamp = NOW_S) => ({
  'X-Slack-Request-Timestamp': String(timestamp),
  'X-Slack-Signature': signature,
})
const slackV0 = (timestamp = NOW_S, key = SECRET) => `v0=${hex(key, `v0:${timestamp}:${BODY}`)}`

describe('every mode and scheme: right, wrong, missing and malformed credentials', () => {
  const shared = hashed({ authMethod: 'SharedSecret', authHeaderKey: 'X-Api-Key' })
  const bearer = hashed({ authMethod: 'Bearer' })
  const basicAda = hashed({ authMethod: 'Basic', authUsername: 'ada' })
  const auth = (value: string) => ({ Authorization: value })
  const cases: [string, Verifier, Record<string, string>, string][] = [
    ['None, nothing sent', hashed({ authMethod: 'None' }, []), {}, 'ok'],
    ['SharedSecret right', shared, { 'x-api-key': SECRET }, 'ok'],
    ['SharedSecret wrong', shared, { 'X-Api-Key': `${SECRET}x` }, 'mismatch'],
    ['SharedSecret missing', shared, {}, 'missing'],
    ['SharedSecret empty', shared, { 'X-Api-Key': '' }, 'missing'],
    ['Bearer right', bearer, auth(`Bearer ${SECRET}`), 'ok'],
    ['Bearer, scheme in lower case', bearer, auth(`bearer ${SECRET}`), 'ok'],
    ['Bearer wrong', bearer, auth('Bearer guess'), 'mismatch'],
    ['Bearer missing', bearer, {}, 'missing'],
    ['Bearer, other scheme', bearer, auth(basic(`u:${SECRET}`)), 'malformed'],
    ['Bearer, no token', bearer, auth('Bearer'), 'malformed'],
    ['Basic right', basicAda, auth(basic(`ada:${SECRET}`)), 'ok'],
    ['Basic, scheme in upper case', basicAda, auth(basic(`ada:${SECRET}`).replace('Basic', 'BASIC')), 'ok'],
    ['Basic wrong password', basicAda, auth(basic('ada:guess')), 'mismatch'],
    ['Basic wrong user', basicAda, auth(basic(`bob:${SECRET}`)), 'mismatch'],
    ['Basic missing', basicAda, {}, 'missing'],
    ['Basic, not base64', basicAda, auth('Basic ada:pw'), 'malformed'],
    ['Basic, no colon', basicAda, auth(basic('ada')), 'malformed'],
    ['Basic, not UTF-8', basicAda, auth('Basic YWRhOv8='), 'malformed'],
    ['raw right', raw(), { 'X-Signature': hex(SECRET, BODY) }, 'ok'],
    ['raw wrong', raw(), { 'X-Signature': hex('other-key', BODY) }, 'mismatch'],
    ['raw missing', raw(), {}, 'missing'],
    ['raw malformed', raw(), { 'X-Signature': 'not-a-signature' }, 'malformed'],
    ['raw, prefix names another alg', raw(), { 'X-Signature': `sha512=${hex(SECRET, BODY)}` }, 'malformed'],
    ['github right', github(), { 'X-Hub-Signature-256': `sha256=${hex(SECRET, BODY)}` }, 'ok'],
    ['github wrong', github(), { 'X-Hub-Signature-256': `sha256=${hex('other', BODY)}` }, 'mismatch'],
    ['github missing', github(), {}, 'missing'],
    ['github without the prefix', github(), { 'X-Hub-Signature-256': hex(SECRET, BODY) }, 'malformed'],
    ['standard-webhooks right', webhooks(), webhookHeaders(webhookSignature()), 'ok'],
    ['standard-webhooks wrong', webhooks(), webhookHeaders(webhookSignature(NOW_S, 'msg_other')), 'mismatch'],
    [
      'standard-webhooks missing signature',
      webhooks(),
      { 'webhook-id': 'm', 'webhook-timestamp': `${NOW_S}` },
      'missing',
    ],
    [
      'standard-webhooks missing id',
      webhooks(),
      { 'webhook-timestamp': `${NOW_S}`, 'webhook-signature': 'v1,x' },
      'missing',
    ],
    ['standard-webhooks no v1 entry', webhooks(), webhookHeaders('v1a,AAAA v2,BBBB'), 'malformed'],
    [
      'standard-webhooks bad timestamp',
      webhooks(),
      webhookHeaders(webhookSignature(), Number.NaN),
      'malformed',
    ],
    ['stripe right', stripe(), stripeHeader(stripeV1()), 'ok'],
    ['stripe wrong', stripe(), stripeHeader(stripeV1(NOW_S, 'other')), 'mismatch'],
    ['stripe missing', stripe(), {}, 'missing'],
    ['stripe without t', stripe(), { 'Stripe-Signature': stripeV1() }, 'malformed'],
    ['stripe without v1', stripe(), stripeHeader(`v0=${hex(SECRET, BODY)}`), 'malformed'],
    ['slack right', slack(), slackHeaders(slackV0()), 'ok'],
    ['slack wrong', slack(), slackHeaders(slackV0(NOW_S, 'other')), 'mismatch'],
    ['slack missing signature', slack(), { 'X-Slack-Request-Timestamp': `${NOW_S}` }, 'missing'],
    ['slack missing timestamp', slack(), { 'X-Slack-Signature': slackV0() }, 'missing'],
    ['slack, unknown version', slack(), slackHeaders(slackV0().replace('v0=', 'v1=')), 'malformed'],
  ]

  test.each(cases)('%s', (_name, verifier, headers, expected) => {
    const outcome = verify(verifier, headers)
    expect(verdict(outcome)).toBe(expected)
    if (outcome.ok) return
    // A failure tells the client what is wrong, never the secret or what the signature should have been.
    for (const secret of [
      SECRET,
      WHSEC,
      WHSEC.slice('whsec_'.length),
      hex(SECRET, BODY),
      b64(SECRET, BODY),
    ]) {
      expect(outcome.message).not.toContain(secret)
    }
    expect(outcome.message.length).toBeGreaterThan(0)
  })
})

describe('published examples', () => {
  test("GitHub's: secret It's a Secret to Everybody, payload Hello, World!", () => {
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'
    const outcome = verify(
      github(["It's a Secret to Everybody"]),
      { 'X-Hub-Signature-256': signature },
      'Hello, World!',
    )
    expect(outcome).toEqual({ ok: true })
  })

  test("Standard Webhooks reference libraries' vector, with the webhook-id as delivery id", () => {
    const verifier = webhooks(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'])
    const headers = webhookHeaders(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
      1614265330,
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
    )
    const outcome = verify(verifier, headers, '{"test": 2432232314}', 1614265330_000)
    expect(outcome).toEqual({ ok: true, deliveryId: 'msg_p5jXN8AQM9LWM0D4loKWxJek' })
  })

  test("Slack's, from Verifying requests from Slack", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c'
    const headers = slackHeaders(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      1531420618,
    )
    expect(verify(slack(['8f742231b10e8888abcd99yyyzzz85a5']), headers, body, 1531420618_000).ok).toBe(true)
  })
})

describe('raw HMAC encodings', () => {
  for (const alg of ['sha1', 'sha256', 'sha512'] as const) {
    test(`${alg}: hex of either case, base64, base64url, with or without "${alg}="`, () => {
      // A body whose digest needs the characters base64 and base64url spell differently.
      const body = Array.from({ length: 64 }, (_, i) => `body ${i}`).find((text) =>
        /[+/]/.test(mac(alg, SECRET, text).toString('base64')),
      )!
      const digest = mac(alg, SECRET, body)
      const forms = [
        digest.toString('hex'),
        digest.toString('hex').toUpperCase(),
        digest.toString('base64'),
        digest.toString('base64url'),
        `${alg}=${digest.toString('hex')}`,
        `${alg.toUpperCase()}=${digest.toString('hex').toUpperCase()}`,
        `${alg}=${digest.toString('base64')}`,
      ]
      for (const form of forms)
        expect([form, verdict(verify(raw(alg), { 'X-Signature': form }, body))]).toEqual([form, 'ok'])
      const other = alg === 'sha256' ? 'sha1' : 'sha256'
      expect(verdict(verify(raw(alg), { 'X-Signature': `${other}=${digest.toString('hex')}` }, body))).toBe(
        'malformed',
      )
      expect(verdict(verify(raw(alg), { 'X-Signature': digest.toString('hex').slice(2) }, body))).toBe(
        'malformed',
      )
    })
  }

  test('the signature covers the body bytes exactly as sent, compressed or not', () => {
    const gzipped = gzipSync(BODY)
    const headers = { 'X-Signature': `sha256=${mac('sha256', SECRET, gzipped).toString('hex')}` }
    expect(verify(raw(), headers, gzipped).ok).toBe(true)
    expect(verdict(verify(raw(), headers, BODY))).toBe('mismatch')
  })
})

describe('Basic (RFC 7617)', () => {
  test('the password may contain ":" and UTF-8; the user-id ends at the first colon', () => {
    const verifier = hashed({ authMethod: 'Basic', authUsername: 'jürgen' }, ['pässwörd:x'])
    expect(verify(verifier, { Authorization: basic('jürgen:pässwörd:x') }).ok).toBe(true)
    expect(verdict(verify(verifier, { Authorization: basic('jürgen:pässwörd') }))).toBe('mismatch')
    expect(verdict(verify(verifier, { Authorization: basic('jürgen:pässwörd:x:') }))).toBe('mismatch')
  })

  test('every failure carries the challenge with charset UTF-8', () => {
    const verifier = hashed({ authMethod: 'Basic', authUsername: 'ada' })
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Basic !!' },
      { Authorization: basic('ada:guess') },
    ]
    for (const headers of attempts) {
      const outcome = verify(verifier, headers)
      expect(outcome.ok ? null : outcome.challenge).toBe('Basic realm="inlet", charset="UTF-8"')
    }
    expect(BASIC_CHALLENGE).toBe('Basic realm="inlet", charset="UTF-8"')
  })
})

describe('Bearer (RFC 6750)', () => {
  test('a missing or malformed token gets the bare challenge, a wrong one error="invalid_token"', () => {
    const verifier = hashed({ authMethod: 'Bearer' })
    const challenge = (headers: Record<string, string>) => {
      const outcome = verify(verifier, headers)
      return outcome.ok ? null : outcome.challenge
    }
    expect(BEARER_CHALLENGE).toBe('Bearer realm="inlet"')
    expect(challenge({})).toBe('Bearer realm="inlet"')
    expect(challenge({ Authorization: 'Token abc' })).toBe('Bearer realm="inlet"')
    expect(challenge({ Authorization: 'Bearer guess' })).toBe('Bearer realm="inlet", error="invalid_token"')
  })
})

test('a UTF-8 shared secret or token matches as its bytes arrive on the wire', () => {
  const shared = hashed({ authMethod: 'SharedSecret', authHeaderKey: 'X-Api-Key' }, ['pässwörd-✓-secret'])
  expect(verify(shared, { 'X-Api-Key': onTheWire('pässwörd-✓-secret') }).ok).toBe(true)
  const bearer = hashed({ authMethod: 'Bearer' }, ['tökén-✓-bearer'])
  expect(verify(bearer, { Authorization: `Bearer ${onTheWire('tökén-✓-bearer')}` }).ok).toBe(true)
})

describe('rotation grace period: both live secrets pass, a third does not', () => {
  test.each([
    [
      'SharedSecret',
      (s: string) => ({ 'X-Api-Key': s }),
      { authMethod: 'SharedSecret', authHeaderKey: 'X-Api-Key' },
    ],
    ['Bearer', (s: string) => ({ Authorization: `Bearer ${s}` }), { authMethod: 'Bearer' }],
    [
      'Basic',
      (s: string) => ({ Authorization: basic(`ada:${s}`) }),
      { authMethod: 'Basic', authUsername: 'ada' },
    ],
  ] as const)('%s: two hashes', (_mode, headers, overrides) => {
    const verifier = hashed(overrides, [SECRET, OLD_SECRET])
    expect(verify(verifier, headers(SECRET)).ok).toBe(true)
    expect(verify(verifier, headers(OLD_SECRET)).ok).toBe(true)
    expect(verdict(verify(verifier, headers('expired-secret')))).toBe('mismatch')
  })

  test('raw and Standard Webhooks: two keys', () => {
    const rawVerifier = raw('sha256', [SECRET, OLD_SECRET])
    for (const key of [SECRET, OLD_SECRET])
      expect(verify(rawVerifier, { 'X-Signature': hex(key, BODY) }).ok).toBe(true)
    expect(verdict(verify(rawVerifier, { 'X-Signature': hex('expired', BODY) }))).toBe('mismatch')
    const oldKey = Buffer.alloc(32, 9)
    const hooks = webhooks([WHSEC, `whsec_${oldKey.toString('base64')}`])
    expect(verify(hooks, webhookHeaders(webhookSignature())).ok).toBe(true)
    expect(verify(hooks, webhookHeaders(webhookSignature(NOW_S, undefined, oldKey))).ok).toBe(true)
  })
})

describe('signature lists', () => {
  test('Standard Webhooks: any v1 entry passes, other versions are skipped', () => {
    const wrong = webhookSignature(NOW_S, 'msg_other')
    const signature = `${wrong} v1a,c2lnbmF0dXJl v2,abc ${webhookSignature()}`
    expect(verify(webhooks(), webhookHeaders(`${wrong} ${webhookSignature()}`))).toEqual({
      ok: true,
      deliveryId: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
    })
    expect(verify(webhooks(), webhookHeaders(signature)).ok).toBe(true)
  })

  test('Stripe: any of several v1 entries passes; v0 is never enough', () => {
    const v0 = `v0=${hex(SECRET, `${NOW_S}.${BODY}`)}`
    expect(verify(stripe(), stripeHeader(`${stripeV1(NOW_S, 'rolled')},${stripeV1()},${v0}`)).ok).toBe(true)
    expect(verdict(verify(stripe(), stripeHeader(`${stripeV1(NOW_S, 'rolled')},${v0}`)))).toBe('mismatch')
  })

  test('only the first 16 entries are looked at', () => {
    const padding = Array.from({ length: 16 }, () => webhookSignature(NOW_S, 'msg_other')).join(' ')
    expect(verdict(verify(webhooks(), webhookHeaders(`${padding} ${webhookSignature()}`)))).toBe('mismatch')
  })

  test('an over-long webhook-id is refused before it becomes a duplicate-suppression key', () => {
    const id = 'm'.repeat(257)
    expect(verdict(verify(webhooks(), webhookHeaders(webhookSignature(NOW_S, id), NOW_S, id)))).toBe(
      'malformed',
    )
  })
})

describe('timestamp tolerance (300 s), checked from the headers alone', () => {
  const schemes: [string, Verifier, (ts: number) => Record<string, string>, string][] = [
    ['standard-webhooks', webhooks(), (ts) => webhookHeaders(webhookSignature(ts), ts), 'webhook-timestamp'],
    ['stripe', stripe(), (ts) => stripeHeader(stripeV1(ts), ts), 't in Stripe-Signature'],
    ['slack', slack(), (ts) => slackHeaders(slackV0(ts), ts), 'X-Slack-Request-Timestamp'],
  ]

  test.each(schemes)(
    '%s: just inside passes, just outside fails either way',
    (_name, verifier, headers, label) => {
      for (const ts of [NOW_S - 300, NOW_S + 300]) expect(verify(verifier, headers(ts)).ok).toBe(true)
      for (const ts of [NOW_S - 301, NOW_S + 301]) {
        const early = verifier.checkHeaders(new Headers(headers(ts)), NOW_MS)
        expect(early).toEqual({
          ok: false,
          reason: 'timestamp',
          message: `${label} is 301 s from the server clock (tolerance 300 s)`,
        })
      }
    },
  )
})

test('HMAC checkHeaders lets well-formed headers through to the body check, whatever the signature', () => {
  const verifier = raw()
  const headers = new Headers({ 'X-Signature': hex('wrong', BODY) })
  expect(verifier.needsBody).toBe(true)
  const passed = verifier.checkHeaders(headers, NOW_MS)
  expect(passed.ok).toBe(true)
  if (!passed.ok) return
  expect(verdict(verifier.checkBody(passed, new TextEncoder().encode(BODY)))).toBe('mismatch')
  expect(hashed({ authMethod: 'Bearer' }).needsBody).toBe(false)
})
