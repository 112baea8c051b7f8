/**
 * Which content codings a body carries: from its Content-Encoding header (RFC 9110 §8.4) or, when a sender
 * leaves the header out, from the magic bytes at its start.
 */
import { AppError } from '../../errors.ts'

export type Encoding = 'gzip' | 'deflate' | 'br' | 'zstd'

/**
 * Senders apply one coding, very rarely two; every coding listed costs a decoder with its own window (up
 * to 16 MiB for brotli, 128 MiB for zstd), so a longer list is refused rather than decoded.
 */
export const CODINGS_MAX = 2

/** Names as registered with IANA; x-gzip is the old name RFC 9110 §8.4.1.3 says to treat as gzip. */
const CODINGS = new Map<string, Encoding | 'identity'>([
  ['gzip', 'gzip'],
  ['x-gzip', 'gzip'],
  ['deflate', 'deflate'],
  ['br', 'br'],
  ['zstd', 'zstd'],
  ['identity', 'identity'],
])

/** The longest coding name echoed back in an error, so a huge header is not copied into the response. */
const ECHOED_NAME_CHARS_MAX = 64

export const unsupportedEncoding = (message: string) => new AppError('UNSUPPORTED_ENCODING', message)

/**
 * Content-Encoding header → decoders in the order to apply them. The header lists codings in the order
 * they were applied (RFC 9110 §8.4), so they are decoded right to left. Names are case-insensitive, and
 * empty list elements are allowed (RFC 9110 §5.6.1). A null header means the body is not encoded.
 */
export function parseContentEncoding(header: string | null): Encoding[] {
  if (header === null) return []
  const encodings: Encoding[] = []
  for (const element of header.split(',')) {
    const name = element.trim()
    if (name === '') continue
    const coding = CODINGS.get(name.toLowerCase())
    if (coding === undefined) {
      const echoed = name.slice(0, ECHOED_NAME_CHARS_MAX)
      throw unsupportedEncoding(
        `Content-Encoding "${echoed}" is not supported; use gzip, deflate, br, zstd or identity`,
      )
    }
    if (coding === 'identity') continue
    if (encodings.length === CODINGS_MAX) {
      throw unsupportedEncoding(`Content-Encoding lists more than ${CODINGS_MAX} codings; decode some first`)
    }
    encodings.push(coding)
  }
  return encodings.reverse()
}

/**
 * Guesses the coding of a body sent without Content-Encoding from its first bytes: gzip's magic
 * (RFC 1952 §2.3.1), zstd's frame magic (RFC 8878 §3.1.1) or a zlib header (RFC 1950 §2.2) with the
 * usual 32 KiB window (0x78). Brotli has no magic. No JSON document starts with any of these bytes.
 */
export function sniffEncoding(body: Uint8Array): Encoding | null {
  const [b0, b1, b2, b3] = body
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip'
  if (b0 === 0x28 && b1 === 0xb5 && b2 === 0x2f && b3 === 0xfd) return 'zstd'
  if (b0 === 0x78 && isZlibHeader(body)) return 'deflate'
  return null
}

/**
 * Whether bytes start with a zlib header (RFC 1950 §2.2): method 8 (deflate), a window of at most 32 KiB,
 * and FCHECK making the first two bytes, read big-endian, a multiple of 31.
 */
export function isZlibHeader(bytes: Uint8Array): boolean {
  const [cmf, flg] = bytes
  if (cmf === undefined || flg === undefined) return false
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (cmf * 256 + flg) % 31 === 0
}
