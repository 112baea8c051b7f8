/**
 * Standard Webhooks (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
 * headers `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-delimited list
 * of `<version>,<base64>` entries. `v1` is HMAC-SHA256 over `${id}.${timestamp}.${body}` under the key
 * that follows `whsec_` in the secret, base64-decoded. The list exists for zero-downtime rotation on the
 * sender's side, so any matching v1 entry passes; other versions (`v1a` is Ed25519) are not ours to check.
 */
import { Buffer } from 'node:buffer'
import {
  checkTimestamp,
  DIGEST_BYTES,
  decodeBase64,
  type Scheme,
  type SchemeConfig,
  SIGNATURE_ENTRIES_MAX,
} from './signature.ts'
import { fail, headerValue } from './verifier.ts'

const ID_HEADER = 'webhook-id'
const TIMESTAMP_HEADER = 'webhook-timestamp'
const SECRET_PREFIX = 'whsec_'
/** The id becomes the caller's duplicate-suppression key, so it is bounded; senders use ~30 characters. */
const ID_CHARS_MAX = 256

export function standardWebhooks({ header, toleranceMs }: SchemeConfig): Scheme {
  const lowerName = header.toLowerCase()
  return {
    // As the spec's reference libraries do: strip the prefix when present, then base64-decode.
    key: (secret) =>
      Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64'),
    parse(headers, nowMs) {
      const id = headerValue(headers, ID_HEADER)
      if (id === null) return fail('missing', `missing header ${ID_HEADER}`)
      const timestamp = headerValue(headers, TIMESTAMP_HEADER)
      if (timestamp === null) return fail('missing', `missing header ${TIMESTAMP_HEADER}`)
      const list = headerValue(headers, lowerName)
      if (list === null) return fail('missing', `missing header ${header}`)
      if (id.length > ID_CHARS_MAX) {
        return fail('malformed', `${ID_HEADER} is longer than ${ID_CHARS_MAX} characters`)
      }
      const late = checkTimestamp(TIMESTAMP_HEADER, timestamp, nowMs, toleranceMs)
      if (late) return late
      const signatures: Uint8Array[] = []
      for (const entry of list.split(' ', SIGNATURE_ENTRIES_MAX)) {
        if (!entry.startsWith('v1,')) continue
        const digest = decodeBase64(entry.slice('v1,'.length), DIGEST_BYTES.sha256)
        if (digest) signatures.push(digest)
      }
      if (signatures.length === 0) return fail('malformed', `header ${header} has no "v1,<base64>" signature`)
      return { ok: true, prefix: `${id}.${timestamp}.`, signatures, deliveryId: id }
    },
  }
}
