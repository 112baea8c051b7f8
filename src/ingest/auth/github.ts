/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>` (or, for SHA-1, `X-Hub-Signature: sha1=<hex>`), the HMAC of
 * the raw body (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries). This is
 * the raw scheme with the prefix required and hex only, exactly as GitHub documents it; rules.ts has
 * already filled in the header name for the algorithm.
 */
import { digestHeader } from './raw.ts'
import type { Scheme, SchemeConfig } from './signature.ts'

export const github = (config: SchemeConfig): Scheme =>
  digestHeader(config, { prefix: 'required', base64: false })
