/**
 * Constant-time comparisons. Every comparison of a presented credential with a secret-derived value goes
 * through here, so that response time says nothing about how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { SecretBox } from '../../registry/secrets.ts'

/**
 * Byte equality in constant time. The lengths are compared first because `timingSafeEqual` throws on
 * unequal lengths; a digest's length is public (it follows from the algorithm), so this leaks nothing.
 */
export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && timingSafeEqual(a, b)

/**
 * Whether `secret` matches any stored keyed hash. During a rotation's grace period there are two; both
 * are always checked, so the time taken does not tell which one matched.
 */
export function matchesAnyHash(
  box: Pick<SecretBox, 'matches'>,
  secret: string | Uint8Array,
  hashes: readonly Uint8Array[],
): boolean {
  let matched = false
  for (const hash of hashes) matched = box.matches(secret, hash) || matched
  return matched
}

/**
 * A text's SHA-256 digest. Comparing digests rather than the texts makes the comparison independent of
 * both the content and the length of the expected text (for the Basic user name).
 */
export const textDigest = (text: string): Uint8Array => createHash('sha256').update(text, 'utf8').digest()
