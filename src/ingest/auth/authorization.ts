/**
 * The `Authorization` header of RFC 9110 section 11.6.2, shared by Bearer and Basic:
 * `credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`.
 */
import { type AuthFailure, fail, type HeaderFields, headerValue } from './verifier.ts'

/** The credentials after `scheme`, or the failure to answer with (carrying `challenge`). */
export function readAuthorization(
  headers: HeaderFields,
  scheme: 'Bearer' | 'Basic',
  challenge: string,
): string | AuthFailure {
  const value = headerValue(headers, 'authorization')
  if (value === null) return fail('missing', 'missing header Authorization', challenge)
  const space = value.indexOf(' ')
  const given = space === -1 ? value : value.slice(0, space)
  // RFC 9110 section 11.1: the auth-scheme is case-insensitive ("bearer" and "BASIC" are fine).
  if (given.toLowerCase() !== scheme.toLowerCase()) {
    return fail('malformed', `Authorization must use the ${scheme} scheme`, challenge)
  }
  const credentials = space === -1 ? '' : value.slice(space + 1).trimStart()
  if (credentials === '')
    return fail('malformed', `Authorization ${scheme} carries no credentials`, challenge)
  return credentials
}
