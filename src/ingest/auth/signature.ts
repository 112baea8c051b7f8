/**
 * What every HMAC scheme shares. A scheme reads its headers into a `SignedRequest`: the text the sender
 * signed before the body, and the signatures it presented. `hmac.ts` then computes HMAC(key, prefix ‖
 * body) once per key and compares it with each signature, so the schemes differ only in how they parse.
 */
import { Buffer } from 'node:buffer'
import type { HmacAlg } from '../../registry/model.ts'
import { type AuthFailure, fail, type HeaderFields } from './verifier.ts'

export interface SignedRequest {
  ok: true
  /** What was signed before the body: '' (raw, github), `id.ts.` (Standard Webhooks), `t.` (Stripe)… */
  prefix: string
  /** The presented signatures, decoded to digest bytes; at most `SIGNATURE_ENTRIES_MAX`. */
  signatures: Uint8Array[]
  /** The sender's delivery id, when the scheme has one (Standard Webhooks `webhook-id`). */
  deliveryId?: string
}

export interface SchemeConfig {
  /** The signature header as configured (`authHeaderKey`, filled with the scheme's default by rules.ts). */
  header: string
  alg: HmacAlg
  toleranceMs: number
}

export interface Scheme {
  /** The header-only checks: every header present and well formed, the timestamp within the tolerance. */
  parse(headers: HeaderFields, nowMs: number): SignedRequest | AuthFailure
  /** The HMAC key bytes of a stored secret; when absent, the secret's UTF-8 bytes. */
  key?(secret: string): Uint8Array
}

/**
 * How many entries of a signature list are looked at. Senders list one signature per live secret (two
 * during a rotation), so 16 is plenty, and a header stuffed with thousands of entries costs no more.
 */
export const SIGNATURE_ENTRIES_MAX = 16

export const DIGEST_BYTES: Record<HmacAlg, number> = { sha1: 20, sha256: 32, sha512: 64 }

const HEX = /^[0-9A-Fa-f]+$/
/** RFC 4648 base64, section 4, or its URL-safe alphabet, section 5; padding optional. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/
/** Unix time in whole seconds, as every timestamped sender sends it. */
const UNIX_SECONDS = /^\d{1,12}$/

/** Hex of any case for a digest of `bytes` bytes, or null. */
export function decodeHex(text: string, bytes: number): Uint8Array | null {
  return text.length === bytes * 2 && HEX.test(text) ? Buffer.from(text, 'hex') : null
}

/** Base64 or base64url of exactly `bytes` bytes, or null. The length is checked before decoding anything. */
export function decodeBase64(text: string, bytes: number): Uint8Array | null {
  if (text.length > Math.ceil(bytes / 3) * 4 || !BASE64.test(text)) return null
  const decoded = Buffer.from(text.replaceAll('-', '+').replaceAll('_', '/'), 'base64')
  return decoded.length === bytes ? decoded : null
}

/**
 * Null when `value` is a Unix time within `toleranceMs` of the server clock, either way, else the
 * failure. A window around the signed timestamp is what stops a captured request from being replayed
 * later (Standard Webhooks "Verifying signatures", Stripe "Preventing replay attacks", Slack step 2).
 */
export function checkTimestamp(
  label: string,
  value: string,
  nowMs: number,
  toleranceMs: number,
): AuthFailure | null {
  if (!UNIX_SECONDS.test(value)) return fail('malformed', `${label} must be a Unix time in seconds`)
  const skewMs = Math.abs(nowMs - Number(value) * 1000)
  if (skewMs <= toleranceMs) return null
  return fail(
    'timestamp',
    `${label} is ${Math.ceil(skewMs / 1000)} s from the server clock (tolerance ${toleranceMs / 1000} s)`,
  )
}
