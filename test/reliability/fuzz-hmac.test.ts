/**
 * Properties of the HMAC verifiers (src/ingest/auth), driven as the route drives them (headers first, then
 * the raw body): for every scheme, hash and way of writing the signature, a correctly signed arbitrary body
 * passes; changing the body, the signature, the signed timestamp or id, or the secret fails; and no
 * header value, however odd, makes any verifier throw or pass.
 */
import { describe, expect, test } from 'bun:test'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { type AuthOutcome, compileVerifier, type Verifier } from '../../src/ingest/auth/index.ts'
import { AUTH_METHODS, type HmacAlg, type HmacScheme } from '../../src/registry/model.ts'
import { createSecretBox } from '../../src/registry/secrets.ts'
import { sourceRecord } from '../helpers.ts'
import { FUZZ_TIMEOUT_MS, fuzz, mutate, mutations } from './fuzz.ts'

const box = createSecretBox(randomBytes(32))
const NOW_MS = Date.parse('2026-11-28T12:00:00Z')
const NOW_S = NOW_MS / 1000
const TOLERANCE_S = 300
const OPTIONS = { box, timestampToleranceMs: TOLERANCE_S * 1000 }

/** The whole check as the route runs it: headers first, the body only when the verdict needs it. */
function verify(verifier: Verifier, headers: Headers, body: Uint8Array): AuthOutcome {
  const early = verifier.checkHeaders(headers, NOW_MS)
  if (!early.ok || !verifier.needsBody) return early
  return verifier.checkBody(early, body)
}

/** Each scheme with the hashes it takes and the header registry/rules.ts gives it. */
const SCHEMES: [HmacScheme, HmacAlg, string][] = [
  ['raw', 'sha256', 'X-Signature'],
  ['raw', 'sha1', 'X-Signature'],
  ['raw', 'sha512', 'X-Signature'],
  ['github', 'sha256', 'X-Hub-Signature-256'],
  ['github', 'sha1', 'X-Hub-Signature'],
  ['standard-webhooks', 'sha256', 'webhook-signature'],
  ['stripe', 'sha256', 'Stripe-Signature'],
  ['slack', 'sha256', 'X-Slack-Signature'],
]

/** How a sender writes a digest: hex of some case, or base64 or base64url, padded or not. */
type DigestForm = 'hex' | 'HEX' | 'Mixed' | 'base64' | 'base64=' | 'base64url' | 'base64url='

function writeDigest(digest: Buffer, form: DigestForm, flips: boolean[]): string {
  if (form === 'hex') return digest.toString('hex')
  if (form === 'HEX') return digest.toString('hex').toUpperCase()
  if (form === 'Mixed') {
    return Array.from(digest.toString('hex'), (c, k) => (flips[k % flips.length] ? c.toUpperCase() : c)).join(
      '',
    )
  }
  const text = digest.toString(form.startsWith('base64url') ? 'base64url' : 'base64').replace(/=+$/, '')
  return form.endsWith('=') ? text.padEnd(Math.ceil(text.length / 4) * 4, '=') : text
}

/** Everything a signed request is made of; `headers` writes it with any signature. */
interface Signing {
  scheme: HmacScheme
  alg: HmacAlg
  header: string
  /** The secret as stored, and the HMAC key bytes it stands for. */
  secret: string
  key: Uint8Array
  body: Uint8Array
  timestamp: string
  id: string
  form: DigestForm
  prefix: 'none' | 'lower' | 'upper'
  flips: boolean[]
  /** Signatures under other keys or versions that a sender may list beside the right one. */
  decoys: number
}

/** What the scheme signs before the body (Latin-1: header text is one character per byte). */
function signedPrefix(s: Pick<Signing, 'scheme' | 'timestamp' | 'id'>): string {
  if (s.scheme === 'standard-webhooks') return `${s.id}.${s.timestamp}.`
  if (s.scheme === 'stripe') return `${s.timestamp}.`
  return s.scheme === 'slack' ? `v0:${s.timestamp}:` : ''
}

const mac = (s: Signing) => createHmac(s.alg, s.key).update(signedPrefix(s), 'latin1').update(s.body).digest()

function headers(s: Signing, digest: Buffer): Headers {
  const decoy = (k: number) => createHash('sha256').update(`decoy ${k}`).digest()
  const decoys = Array.from({ length: s.decoys }, (_, k) => decoy(k))
  switch (s.scheme) {
    case 'raw':
    case 'github': {
      const prefix = s.prefix === 'none' ? '' : `${s.prefix === 'upper' ? s.alg.toUpperCase() : s.alg}=`
      const form = s.scheme === 'github' && s.form.startsWith('base64') ? 'hex' : s.form
      return new Headers({ [s.header]: prefix + writeDigest(digest, form, s.flips) })
    }
    case 'standard-webhooks': {
      const entries = decoys.map((d, k) => `${k % 2 ? 'v1a' : 'v1'},${d.toString('base64')}`)
      entries.splice(s.decoys >> 1, 0, `v1,${digest.toString('base64')}`)
      return new Headers({
        'webhook-id': s.id,
        'webhook-timestamp': s.timestamp,
        [s.header]: entries.join(' '),
      })
    }
    case 'stripe': {
      const entries = decoys.map((d, k) => `${k % 2 ? 'v0' : 'v1'}=${d.toString('hex')}`)
      entries.splice(
        s.decoys >> 1,
        0,
        `v1=${writeDigest(digest, s.form.startsWith('base64') ? 'hex' : s.form, s.flips)}`,
      )
      return new Headers({ [s.header]: [`t=${s.timestamp}`, ...entries].join(',') })
    }
    case 'slack':
      return new Headers({
        'X-Slack-Request-Timestamp': s.timestamp,
        [s.header]: `v0=${digest.toString('hex')}`,
      })
  }
}

function verifierFor(s: Pick<Signing, 'scheme' | 'alg' | 'header'>, keys: string[]): Verifier {
  const record = sourceRecord({
    authMethod: 'HMAC',
    authHeaderKey: s.header,
    authHmacAlg: s.alg,
    authHmacScheme: s.scheme,
  })
  return compileVerifier({ source: record, hashes: [], keys }, OPTIONS)
}

/** Header text: what Fetch shows of bytes on the wire, one character per byte, trimmed as Fetch trims. */
const headerText = (minLength: number, maxLength: number) =>
  fc
    .string({
      unit: fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)),
      minLength,
      maxLength,
    })
    .filter((text) => text === text.trim() && text.length >= minLength)

const WEBHOOK_KEY = fc.uint8Array({ minLength: 24, maxLength: 64 })
const SECRET = fc.string({ unit: 'binary', minLength: 1, maxLength: 100 })

const signing: fc.Arbitrary<Signing> = fc
  .constantFrom(...SCHEMES)
  .chain(([scheme, alg, header]) =>
    fc.record({
      scheme: fc.constant(scheme),
      alg: fc.constant(alg),
      header: fc.constant(header),
      secretAndKey:
        scheme === 'standard-webhooks'
          ? WEBHOOK_KEY.map((key) => [`whsec_${Buffer.from(key).toString('base64')}`, key] as const)
          : SECRET.map((secret) => [secret, new Uint8Array(Buffer.from(secret, 'utf8'))] as const),
      body: fc.uint8Array({ maxLength: 512 }),
      timestamp: fc.integer({ min: -TOLERANCE_S, max: TOLERANCE_S }).map((skew) => String(NOW_S + skew)),
      id: headerText(1, 40),
      form: fc.constantFrom<DigestForm>(
        'hex',
        'HEX',
        'Mixed',
        'base64',
        'base64=',
        'base64url',
        'base64url=',
      ),
      prefix: fc.constantFrom<Signing['prefix']>(
        ...(scheme === 'github' ? (['lower', 'upper'] as const) : (['none', 'lower', 'upper'] as const)),
      ),
      flips: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
      decoys: fc.integer({ min: 0, max: 4 }),
    }),
  )
  .map(({ secretAndKey: [secret, key], ...rest }) => ({ ...rest, secret, key }))

/** HMAC's block size in bytes for each hash (RFC 2104 section 2, B). */
const BLOCK_BYTES: Record<HmacAlg, number> = { sha1: 64, sha256: 64, sha512: 128 }

/**
 * The block HMAC actually keys with (RFC 2104 section 2): a key longer than a block is hashed first, and
 * zeros fill the rest. Two keys with the same block are the same key, so `abc` and `abc\0` both verify.
 */
function keyBlock(alg: HmacAlg, key: Uint8Array): Buffer {
  const short = key.length > BLOCK_BYTES[alg] ? createHash(alg).update(key).digest() : Buffer.from(key)
  return Buffer.concat([short, Buffer.alloc(BLOCK_BYTES[alg] - short.length)])
}

describe('HMAC schemes', () => {
  test(
    'a correctly signed body passes, under the current or the previous secret',
    () => {
      const property = fc.property(signing, fc.boolean(), (s, rotated) => {
        const other =
          s.scheme === 'standard-webhooks' ? `whsec_${Buffer.alloc(32, 9).toString('base64')}` : 'other'
        const keys = rotated ? [other, s.secret] : [s.secret]
        const outcome = verify(verifierFor(s, keys), headers(s, mac(s)), s.body)
        expect(outcome).toEqual(
          s.scheme === 'standard-webhooks' ? { ok: true, deliveryId: s.id } : { ok: true },
        )
      })
      fc.assert(property, fuzz(1000))
    },
    FUZZ_TIMEOUT_MS,
  )

  test(
    'a changed body or signature fails',
    () => {
      const property = fc.property(
        signing,
        mutations,
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (s, changes, at, bit) => {
          const verifier = verifierFor(s, [s.secret])
          const body = mutate(s.body, changes)
          const sameBody = Buffer.from(body).equals(Buffer.from(s.body))
          expect(verify(verifier, headers(s, mac(s)), body).ok).toBe(sameBody)
          const digest = mac(s)
          digest[at % digest.length]! ^= 1 << bit
          expect(verify(verifier, headers(s, digest), s.body)).toMatchObject({
            ok: false,
            reason: 'mismatch',
          })
        },
      )
      fc.assert(property, fuzz(1000))
    },
    FUZZ_TIMEOUT_MS,
  )

  test(
    'a changed timestamp or delivery id fails',
    () => {
      const timed = signing.filter(
        (s) => s.scheme === 'standard-webhooks' || s.scheme === 'stripe' || s.scheme === 'slack',
      )
      const change = fc.oneof(
        fc
          .integer({ min: -2 * TOLERANCE_S, max: 2 * TOLERANCE_S })
          .filter((skew) => skew !== 0)
          .map((skew) => (t: string) => String(Number(t) + skew)),
        fc.constant((t: string) => `0${t}`),
      )
      const property = fc.property(timed, change, headerText(1, 40), (s, shift, id) => {
        const verifier = verifierFor(s, [s.secret])
        const digest = mac(s)
        const late = verify(verifier, headers({ ...s, timestamp: shift(s.timestamp) }, digest), s.body)
        expect(late.ok).toBe(false)
        if (s.scheme === 'standard-webhooks') {
          expect(verify(verifier, headers({ ...s, id }, digest), s.body).ok).toBe(id === s.id)
        }
      })
      fc.assert(property, fuzz(1000))
    },
    FUZZ_TIMEOUT_MS,
  )

  test(
    'another secret fails, unless HMAC itself makes it the same key',
    () => {
      const otherSecret = (s: Signing): fc.Arbitrary<[string, Uint8Array]> => {
        if (s.scheme === 'standard-webhooks') {
          return mutations.map((changes) => {
            const key = mutate(s.key, changes)
            return [`whsec_${Buffer.from(key).toString('base64')}`, key]
          })
        }
        const texts = fc.oneof(
          SECRET,
          fc.constantFrom(`${s.secret}\0`, `${s.secret}\0\0`, s.secret.slice(0, -1), `${s.secret}x`),
          fc.tuple(fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })).map(([at, c]) => {
            const k = at % s.secret.length
            return s.secret.slice(0, k) + c + s.secret.slice(k + 1)
          }),
        )
        return texts
          .filter((text) => text !== '')
          .map((text) => [text, new Uint8Array(Buffer.from(text, 'utf8'))])
      }
      const cases = signing.chain((s) => fc.tuple(fc.constant(s), otherSecret(s)))
      const property = fc.property(cases, ([s, [secret, key]]) => {
        const same = keyBlock(s.alg, key).equals(keyBlock(s.alg, s.key))
        expect(verify(verifierFor(s, [secret]), headers(s, mac(s)), s.body).ok).toBe(same)
      })
      fc.assert(property, fuzz(1000))
    },
    FUZZ_TIMEOUT_MS,
  )
})

/** Header names every verifier reads, in varied case, and one nobody reads. */
const HEADER_NAMES = [
  'X-Signature',
  'X-Hub-Signature-256',
  'x-hub-signature',
  'webhook-id',
  'Webhook-Timestamp',
  'webhook-signature',
  'Stripe-Signature',
  'X-Slack-Request-Timestamp',
  'X-Slack-Signature',
  'Authorization',
  'X-Api-Key',
  'X-Other',
]

const digestText = fc.oneof(
  fc.uint8Array({ maxLength: 66 }).map((bytes) => Buffer.from(bytes).toString('hex')),
  fc.uint8Array({ maxLength: 66 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => Buffer.from(bytes).toString('hex')),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex')),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
)
const timestampText = fc.oneof(
  fc.integer({ min: -2 * TOLERANCE_S, max: 2 * TOLERANCE_S }).map((skew) => String(NOW_S + skew)),
  fc.constantFrom('0', '00', '999999999999', '9999999999999', '1e3', '-1', ' 1'),
)

/** Values shaped like what the parsers look for, built from their pieces, or any header text at all. */
const headerValue = fc.oneof(
  headerText(0, 120),
  fc
    .tuple(fc.constantFrom('', 'sha256=', 'SHA1=', 'sha512=', 'md5=', 'v0=', 'v1,', 'v1=', '='), digestText)
    .map(([prefix, digest]) => prefix + digest),
  fc
    .tuple(
      timestampText,
      fc.array(fc.tuple(fc.constantFrom('v1', 'v0', 't', 'x', ''), digestText), { maxLength: 4 }),
    )
    .map(([t, entries]) => [`t=${t}`, ...entries.map(([key, digest]) => `${key}=${digest}`)].join(',')),
  timestampText,
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'sha256=',
          'v0=',
          'v1,',
          'v1=',
          't=',
          'whsec_',
          'Bearer ',
          'Basic ',
          ',',
          ' ',
          '=',
          ':',
        ),
        timestampText,
        digestText,
        headerText(0, 12),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join('').trim()),
)

/** Some of the headers the verifiers read (and one they do not), each with a value. */
const someHeaders = fc
  .tuple(
    ...HEADER_NAMES.map((name) => fc.option(headerValue.map((value) => [name, value] as [string, string]))),
  )
  .map((pairs) => pairs.filter((pair) => pair !== null))

const anyVerifier = fc.oneof(
  fc
    .constantFrom(...SCHEMES)
    .map(([scheme, alg, header]) =>
      verifierFor(
        { scheme, alg, header },
        scheme === 'standard-webhooks' ? [`whsec_${Buffer.alloc(24, 1).toString('base64')}`] : ['secret'],
      ),
    ),
  fc
    .constantFrom(...AUTH_METHODS.filter((method) => method !== 'HMAC' && method !== 'None'))
    .map((authMethod) =>
      compileVerifier(
        {
          source: sourceRecord({
            authMethod,
            authHeaderKey: authMethod === 'SharedSecret' ? 'X-Api-Key' : null,
            authUsername: authMethod === 'Basic' ? 'ada' : null,
          }),
          hashes: [box.hash('secret')],
          keys: [],
        },
        OPTIONS,
      ),
    ),
)

test(
  'no header values make a verifier throw, or pass without the secret',
  () => {
    const property = fc.property(
      anyVerifier,
      someHeaders,
      fc.uint8Array({ maxLength: 64 }),
      (verifier, pairs, body) => {
        const outcome = verify(verifier, new Headers(pairs), body)
        expect(outcome.ok).toBe(false)
        if (!outcome.ok) expect(['missing', 'malformed', 'mismatch', 'timestamp']).toContain(outcome.reason)
      },
    )
    fc.assert(property, fuzz(3000))
  },
  FUZZ_TIMEOUT_MS,
)
