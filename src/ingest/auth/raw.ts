/**
 * raw (docs/reference.md): the header `authHeaderKey` carries HMAC(key, body) over the raw body bytes,
 * as hex (any case) or base64 (or base64url), optionally prefixed `<alg>=` the way GitHub and many others
 * write it. A prefix, when present, must name the source's algorithm: a sender signing with another hash
 * is misconfigured, and saying so is more useful than "does not match".
 */
import { DIGEST_BYTES, decodeBase64, decodeHex, type Scheme, type SchemeConfig } from './signature.ts'
import { fail, headerValue } from './verifier.ts'

interface DigestRules {
  prefix: 'optional' | 'required'
  base64: boolean
}

/** `<name>=<digest>`; the digest cannot start with `=`, so base64 padding is never taken for a prefix. */
const PREFIXED = /^([A-Za-z0-9-]+)=([^=][\s\S]*)$/

/** One header holding a digest of the body alone: the raw scheme and GitHub's. */
export function digestHeader({ header, alg }: SchemeConfig, rules: DigestRules): Scheme {
  const lowerName = header.toLowerCase()
  const bytes = DIGEST_BYTES[alg]
  const form = rules.base64 ? `${bytes * 2} hex digits or base64` : `${bytes * 2} hex digits`
  const expected =
    rules.prefix === 'required'
      ? `header ${header} must be "${alg}=" followed by the HMAC as ${form}`
      : `header ${header} must be the ${alg} HMAC of the body as ${form}, optionally prefixed "${alg}="`
  return {
    parse(headers) {
      const value = headerValue(headers, lowerName)
      if (value === null) return fail('missing', `missing header ${header}`)
      const prefixed = PREFIXED.exec(value)
      const name = prefixed?.[1]?.toLowerCase() ?? null
      const text = prefixed?.[2] ?? value
      if (name === null ? rules.prefix === 'required' : name !== alg) return fail('malformed', expected)
      const digest = decodeHex(text, bytes) ?? (rules.base64 ? decodeBase64(text, bytes) : null)
      if (digest === null) return fail('malformed', expected)
      return { ok: true, prefix: '', signatures: [digest] }
    },
  }
}

export const raw = (config: SchemeConfig): Scheme =>
  digestHeader(config, { prefix: 'optional', base64: true })
