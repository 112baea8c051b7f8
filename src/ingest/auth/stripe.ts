/**
 * Stripe (https://docs.stripe.com/webhooks#verify-manually): `Stripe-Signature: t=<unix>,v1=<hex>,…`.
 * `v1` is HMAC-SHA256 hex over `${t}.${body}`. Stripe sends several `v1` entries while a secret is being
 * rolled, so any one matching passes; `v0` and unknown schemes are ignored, as Stripe's libraries do.
 */
import {
  checkTimestamp,
  DIGEST_BYTES,
  decodeHex,
  type Scheme,
  type SchemeConfig,
  SIGNATURE_ENTRIES_MAX,
} from './signature.ts'
import { fail, headerValue } from './verifier.ts'

export function stripe({ header, toleranceMs }: SchemeConfig): Scheme {
  const lowerName = header.toLowerCase()
  return {
    parse(headers, nowMs) {
      const value = headerValue(headers, lowerName)
      if (value === null) return fail('missing', `missing header ${header}`)
      let timestamp: string | null = null
      const signatures: Uint8Array[] = []
      for (const item of value.split(',', SIGNATURE_ENTRIES_MAX)) {
        const equals = item.indexOf('=')
        if (equals === -1) continue
        const key = item.slice(0, equals).trim()
        const text = item.slice(equals + 1).trim()
        if (key === 't') timestamp ??= text
        if (key !== 'v1') continue
        const digest = decodeHex(text, DIGEST_BYTES.sha256)
        if (digest) signatures.push(digest)
      }
      if (timestamp === null) return fail('malformed', `header ${header} has no "t=<timestamp>"`)
      const late = checkTimestamp(`t in ${header}`, timestamp, nowMs, toleranceMs)
      if (late) return late
      if (signatures.length === 0) return fail('malformed', `header ${header} has no "v1=<hex>" signature`)
      return { ok: true, prefix: `${timestamp}.`, signatures }
    },
  }
}
