/**
 * HMAC (docs/reference.md): the sender signs the raw body bytes exactly as sent, compressed or not,
 * with the source's key. The scheme (`authHmacScheme`) decides which headers carry the signature and what
 * is signed before the body; this file computes HMAC(key, prefix ‖ body) for every live key (two during
 * a rotation's grace period) and compares it with every presented signature in constant time.
 */
import { Buffer } from 'node:buffer'
import { createHmac } from 'node:crypto'
import { assert } from '../../errors.ts'
import type { HmacAlg, HmacScheme } from '../../registry/model.ts'
import type { SourceCredentials } from '../../registry/sources.ts'
import { bytesEqual } from './compare.ts'
import { github } from './github.ts'
import { raw } from './raw.ts'
import type { Scheme, SchemeConfig, SignedRequest } from './signature.ts'
import { slack } from './slack.ts'
import { standardWebhooks } from './standard-webhooks.ts'
import { stripe } from './stripe.ts'
import { fail, type Verifier, type VerifierOptions } from './verifier.ts'

const SCHEMES: Record<HmacScheme, (config: SchemeConfig) => Scheme> = {
  raw,
  github,
  'standard-webhooks': standardWebhooks,
  stripe,
  slack,
}

export function hmacVerifier(credentials: SourceCredentials, options: VerifierOptions): Verifier {
  const { source, keys } = credentials
  const header = source.authHeaderKey
  assert(header !== null, 'an HMAC source has an authHeaderKey (registry/rules.ts fills scheme defaults)')
  const alg = source.authHmacAlg ?? 'sha256'
  const scheme = SCHEMES[source.authHmacScheme ?? 'raw']({
    header,
    alg,
    toleranceMs: options.timestampToleranceMs,
  })
  const keyBytes = keys.map((key) => scheme.key?.(key) ?? Buffer.from(key, 'utf8'))
  return {
    needsBody: true,
    checkHeaders(headers, nowMs) {
      const signed = scheme.parse(headers, nowMs)
      return signed.ok ? { ok: true, signed } : signed
    },
    checkBody(passed, body) {
      const signed = passed.signed
      assert(signed !== undefined, 'checkBody is given what checkHeaders passed')
      if (!anySignatureMatches(alg, keyBytes, signed, body)) {
        return fail('mismatch', `signature in header ${header} does not match`)
      }
      return signed.deliveryId === undefined ? { ok: true } : { ok: true, deliveryId: signed.deliveryId }
    },
  }
}

/**
 * Every key against every signature, without stopping at the first match, so the time taken does not
 * tell which key or entry matched. The prefix is fed to the HMAC ahead of the body rather than joined
 * to it, so the body (up to the request cap) is never copied. The prefix is made of header text, which
 * Fetch hands over one character per byte, so Latin-1 gives back the bytes the sender signed.
 */
function anySignatureMatches(
  alg: HmacAlg,
  keys: readonly Uint8Array[],
  signed: SignedRequest,
  body: Uint8Array,
): boolean {
  let matched = false
  for (const key of keys) {
    const mac = createHmac(alg, key).update(signed.prefix, 'latin1').update(body).digest()
    for (const signature of signed.signatures) matched = bytesEqual(mac, signature) || matched
  }
  return matched
}
