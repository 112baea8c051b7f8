/**
 * What the auth stage answers, and the shape every mode's verifier takes. The route asks `checkHeaders`
 * before it reads the body, and `checkBody` only when `needsBody` says the verdict depends on the bytes.
 */
import { Buffer } from 'node:buffer'
import type { SecretBox } from '../../registry/secrets.ts'
import type { SignedRequest } from './signature.ts'

/** A small closed set, so that auth failures can be counted by reason without unbounded labels. */
export const AUTH_FAILURE_REASONS = ['missing', 'malformed', 'mismatch', 'timestamp'] as const
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number]

export interface AuthFailure {
  ok: false
  reason: AuthFailureReason
  /** Safe to send to the client: it names what is wrong, never the secret or the expected value. */
  message: string
  /** The `WWW-Authenticate` value for the Authorization-header modes (RFC 9110 section 11.6.1). */
  challenge?: string
}

export interface AuthPassed {
  ok: true
  /** The Standard Webhooks `webhook-id`, for the caller's duplicate suppression. */
  deliveryId?: string
  /** HMAC: what `checkHeaders` read from the headers, handed to `checkBody` so it is not read twice. */
  signed?: SignedRequest
}

export type AuthOutcome = AuthPassed | AuthFailure

/** The request's headers, as the checks read them: a web `Headers`, or the server's own reader. */
export interface HeaderFields {
  get(lowerName: string): string | null
}

export interface Verifier {
  /** True for HMAC: the verdict needs the raw body bytes. */
  readonly needsBody: boolean
  /**
   * What the headers alone decide: the verdict for SharedSecret, Bearer, Basic and None; for HMAC an
   * early rejection (signature header missing or malformed, timestamp missing or outside the tolerance)
   * or ok, meaning "read the body".
   */
  checkHeaders(headers: HeaderFields, nowMs: number): AuthOutcome
  /** HMAC only: the verdict over the raw body bytes exactly as sent (compressed or not), given what
   * `checkHeaders` passed. */
  checkBody(passed: AuthPassed, body: Uint8Array): AuthOutcome
}

export interface VerifierOptions {
  /** Only `matches` is needed: the auth stage checks presented secrets and never hashes or opens one. */
  box: Pick<SecretBox, 'matches'>
  timestampToleranceMs: number
}

export const fail = (reason: AuthFailureReason, message: string, challenge?: string): AuthFailure =>
  challenge === undefined ? { ok: false, reason, message } : { ok: false, reason, message, challenge }

/** A header's value, or null when it is absent or empty: an empty credential is no credential. */
export function headerValue(headers: HeaderFields, lowerName: string): string | null {
  const value = headers.get(lowerName)
  return value === null || value === '' ? null : value
}

/**
 * The bytes a header value arrived as. Fetch's `Headers` hands values over as byte strings, one character
 * per byte (Fetch standard, "header value"), so a UTF-8 secret such as `pässwörd` reaches us as `pÃ¤sswÃ¶rd`;
 * Latin-1 turns it back into the bytes the sender sent, which are the UTF-8 bytes the stored hash covers.
 */
export const headerBytes = (value: string): Uint8Array => Buffer.from(value, 'latin1')

/** A verifier whose verdict the headers alone decide; `checkBody` returns it, so calling it is harmless. */
export function headerOnly(checkHeaders: (headers: HeaderFields) => AuthOutcome): Verifier {
  return {
    needsBody: false,
    checkHeaders: (headers) => checkHeaders(headers),
    checkBody: (passed) => passed,
  }
}
