/**
 * SharedSecret (docs/reference.md, as Panther's HTTP sources): the sender puts the secret itself in
 * the header `authHeaderKey`. Only a keyed hash of it is stored, so the presented value is hashed and
 * compared in constant time.
 */
import { assert } from '../../errors.ts'
import type { SourceCredentials } from '../../registry/sources.ts'
import { matchesAnyHash } from './compare.ts'
import {
  fail,
  headerBytes,
  headerOnly,
  headerValue,
  type Verifier,
  type VerifierOptions,
} from './verifier.ts'

export function sharedSecretVerifier(credentials: SourceCredentials, options: VerifierOptions): Verifier {
  const header = credentials.source.authHeaderKey
  assert(header !== null, 'a SharedSecret source has an authHeaderKey (registry/rules.ts)')
  const lowerName = header.toLowerCase()
  const { hashes } = credentials
  return headerOnly((headers) => {
    const value = headerValue(headers, lowerName)
    if (value === null) return fail('missing', `missing header ${header}`)
    if (!matchesAnyHash(options.box, headerBytes(value), hashes)) {
      return fail('mismatch', `header ${header} does not hold this source's shared secret`)
    }
    return { ok: true }
  })
}
