/**
 * Slack (https://api.slack.com/authentication/verifying-requests-from-slack): `X-Slack-Request-Timestamp:
 * <unix>` and `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 over `v0:${timestamp}:${body}`. `v0` is the only
 * version Slack has published, so anything else is malformed rather than skipped.
 */
import { checkTimestamp, DIGEST_BYTES, decodeHex, type Scheme, type SchemeConfig } from './signature.ts'
import { fail, headerValue } from './verifier.ts'

const TIMESTAMP_HEADER = 'X-Slack-Request-Timestamp'
const VERSION = 'v0'

export function slack({ header, toleranceMs }: SchemeConfig): Scheme {
  const lowerName = header.toLowerCase()
  const lowerTimestamp = TIMESTAMP_HEADER.toLowerCase()
  return {
    parse(headers, nowMs) {
      const timestamp = headerValue(headers, lowerTimestamp)
      if (timestamp === null) return fail('missing', `missing header ${TIMESTAMP_HEADER}`)
      const value = headerValue(headers, lowerName)
      if (value === null) return fail('missing', `missing header ${header}`)
      const late = checkTimestamp(TIMESTAMP_HEADER, timestamp, nowMs, toleranceMs)
      if (late) return late
      const digest = value.startsWith(`${VERSION}=`)
        ? decodeHex(value.slice(VERSION.length + 1), DIGEST_BYTES.sha256)
        : null
      if (digest === null) {
        return fail('malformed', `header ${header} must be "${VERSION}=" followed by 64 hex digits`)
      }
      return { ok: true, prefix: `${VERSION}:${timestamp}:`, signatures: [digest] }
    },
  }
}
