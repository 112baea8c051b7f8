/**
 * Basic (RFC 7617): `Authorization: Basic base64(user-id ":" password)`, decoded as UTF-8 (the charset the
 * challenge announces, section 2.1). The user name is compared by digest and the password against the
 * stored keyed hashes, both in constant time and both always, so the time taken does not tell which was
 * wrong.
 */
import { Buffer } from 'node:buffer'
import { assert } from '../../errors.ts'
import type { SourceCredentials } from '../../registry/sources.ts'
import { readAuthorization } from './authorization.ts'
import { bytesEqual, matchesAnyHash, textDigest } from './compare.ts'
import { fail, headerOnly, type Verifier, type VerifierOptions } from './verifier.ts'

export const BASIC_CHALLENGE = 'Basic realm="inlet", charset="UTF-8"'
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const UTF8 = new TextDecoder('utf-8', { fatal: true })

export function basicVerifier(credentials: SourceCredentials, options: VerifierOptions): Verifier {
  const { source, hashes } = credentials
  assert(source.authUsername !== null, 'a Basic source has an authUsername (registry/rules.ts)')
  const usernameDigest = textDigest(source.authUsername)
  return headerOnly((headers) => {
    const token = readAuthorization(headers, 'Basic', BASIC_CHALLENGE)
    if (typeof token !== 'string') return token
    const pair = decodeUserPass(token)
    if (pair === null) {
      return fail(
        'malformed',
        'Authorization Basic credentials must be base64 of UTF-8 "user:password" (RFC 7617)',
        BASIC_CHALLENGE,
      )
    }
    const userMatches = bytesEqual(textDigest(pair.user), usernameDigest)
    const passwordMatches = matchesAnyHash(options.box, pair.password, hashes)
    if (!(userMatches && passwordMatches)) {
      return fail('mismatch', 'user name or password does not match', BASIC_CHALLENGE)
    }
    return { ok: true }
  })
}

function decodeUserPass(token: string): { user: string; password: string } | null {
  if (!BASE64.test(token)) return null
  let text: string
  try {
    text = UTF8.decode(Buffer.from(token, 'base64'))
  } catch {
    return null
  }
  // RFC 7617 section 2: the user-id cannot contain a colon, so the first colon ends it; the password may.
  const colon = text.indexOf(':')
  return colon === -1 ? null : { user: text.slice(0, colon), password: text.slice(colon + 1) }
}
