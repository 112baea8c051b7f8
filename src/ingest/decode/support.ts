/**
 * Which decoders this runtime can run safely. Bun decodes every format lazily (see index.ts), but Deno
 * 2.9 has no zstd DecompressionStream, and its brotli one turns each input chunk into all of its output at
 * once: 1.6 KB of brotli became one 1 GiB chunk. Brotli and zstd have no useful bound on their ratio, so
 * a runtime that decodes them that way cannot take them at all; it answers 415, as for an unknown coding.
 * Deflate's ratio is at most 1032:1 (RFC 1951's longest match of 258 bytes from about two bits), so the
 * 16 KiB input slices in index.ts keep an eager deflate decoder under about 17 MiB a chunk.
 */
import { type Encoding, isZlibHeader, unsupportedEncoding } from './encoding.ts'

export type Format = 'gzip' | 'deflate' | 'deflate-raw' | 'brotli' | 'zstd'

/**
 * The DecompressionStream format for a coding, given the first bytes of its data. Many senders label
 * raw deflate (RFC 1951) as `deflate`, which RFC 9110 §8.4.1.2 defines as zlib (RFC 1950); a body
 * without a zlib header is taken for raw deflate.
 */
export function formatOf(encoding: Encoding, head: Uint8Array): Format {
  if (encoding === 'br') return 'brotli'
  if (encoding === 'deflate') return isZlibHeader(head) ? 'deflate' : 'deflate-raw'
  return encoding
}

/** lib.dom lists only the Compression Streams standard's three formats; Bun and Deno accept more. */
export const decompressor = (format: Format) => new DecompressionStream(format as CompressionFormat)

/**
 * 1 MiB of zeros, compressed by node:zlib with its defaults: a runtime whose first read of it yields all
 * 1 MiB decodes eagerly (Bun yields 64 KiB). Compressing them at run time would cost 200 ms for brotli.
 */
const PROBES: Partial<Record<Format, string>> = {
  brotli: 'W///j38CIB4LBHLvHwA=',
  zstd: 'KLUv/aAAABAAVAAAEAAAAQD7/znAAgIAEAACABAAAgAQAAIAEAACABAAAgAQAAMAEAA=',
}
const PROBE_BYTES = 1 << 20

const supported = new Map<Format, Promise<boolean>>()

/** Throws the 415 answer when this runtime cannot decode `encoding` with bounded memory. */
export async function assertDecodable(encoding: Encoding, format: Format): Promise<void> {
  let probe = supported.get(format)
  if (probe === undefined) {
    probe = decodesSafely(format)
    supported.set(format, probe)
  }
  if (!(await probe)) {
    throw unsupportedEncoding(
      `Content-Encoding "${encoding}" is not supported on this server; use gzip, deflate or identity`,
    )
  }
}

/**
 * Runs once per format: whether it exists here and, for brotli and zstd, whose ratio is unbounded,
 * whether it decodes lazily.
 */
async function decodesSafely(format: Format): Promise<boolean> {
  try {
    const decoder = decompressor(format)
    const probe = PROBES[format]
    if (probe === undefined) return true
    const compressed = Uint8Array.from(atob(probe), (char) => char.charCodeAt(0))
    const reader = new Response(compressed).body!.pipeThrough(decoder).getReader()
    const first = await reader.read()
    await reader.cancel()
    return !first.done && first.value.length < PROBE_BYTES
  } catch {
    // The runtime lacks the format, or failed the probe: either way it cannot decode it safely.
    return false
  }
}
