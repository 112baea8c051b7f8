/**
 * Bearer (RFC 6750 section 2.1): `Authorization: Bearer <token>`. The token is compared with the stored
 * keyed hashes. Every failure carries the challenge RFC 6750 section 3 asks for.
 */
import type { SourceCredentials } from '../../registry/sources.ts'
import { readAuthorization } from './authorization.ts'
import { matchesAnyHash } from './compare.ts'
import { fail, headerBytes, headerOnly, type Verifier, type VerifierOptions } from './verifier.ts'

export const BEARER_CHALLENGE = 'Bearer realm="inlet"'
/** RFC 6750 section 3.1: a request that presented a token which failed SHOULD be told `invalid_token`. */
const INVALID_TOKEN_CHALLENGE = `${BEARER_CHALLENGE}, error="invalid_token"`

export function bearerVerifier(credentials: SourceCredentials, options: VerifierOptions): Verifier {
  const { hashes } = credentials
  return headerOnly((headers) => {
    const token = readAuthorization(headers, 'Bearer', BEARER_CHALLENGE)
    if (typeof token !== 'string') return token
    if (!matchesAnyHash(options.box, headerBytes(token), hashes)) {
      return fail('mismatch', 'bearer token does not match', INVALID_TOKEN_CHALLENGE)
    }
    return { ok: true }
  })
}
