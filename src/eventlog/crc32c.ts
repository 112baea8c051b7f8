/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI (RFC 3720 appendix B.4),
 * ext4 metadata and Kafka record batches. It is computed in plain TypeScript so the log needs no native
 * dependency and runs the same on Bun and Deno.
 *
 * The slicing-by-16 method consumes sixteen bytes per step through sixteen 256-entry tables, loading them
 * as four aligned 32-bit words from an Int32Array over the same memory. Against byte loads with eight
 * tables this measured about 30% faster on 150-byte events, and checksumming is most of the CPU time an
 * append costs. Callers on a hot path pass the word view in, because creating one per call costs more
 * than checksumming a small event. Word loads read the host's byte order, so on a big-endian host the
 * checksum falls back to one byte at a time: slower, but the same result.
 */

const POLYNOMIAL = 0x82f63b78
const SLICES = 16
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

function buildTables(): Int32Array[] {
  const tables = Array.from({ length: SLICES }, () => new Int32Array(256))
  const first = tables[0]!
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1
    first[byte] = crc
  }
  for (let byte = 0; byte < 256; byte++) {
    let crc = first[byte]!
    for (let slice = 1; slice < SLICES; slice++) {
      crc = first[crc & 0xff]! ^ (crc >>> 8)
      tables[slice]![byte] = crc
    }
  }
  return tables
}

// Sixteen separate arrays rather than one with offsets: fewer index computations in the inner loop.
const [T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15] = buildTables() as [
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
]

/** A 32-bit view of all of `bytes`'s underlying memory, for `crc32c`'s `words` argument. */
export function wordsOf(bytes: Uint8Array): Int32Array {
  return new Int32Array(bytes.buffer, 0, bytes.buffer.byteLength >>> 2)
}

/**
 * Returns the CRC-32C of `bytes[start, end)` as an unsigned 32-bit number. Pass a previous result as
 * `crc` to continue a checksum over data split across calls, and `wordsOf(bytes)`, made once, as `words`
 * when checksumming many small ranges of the same buffer.
 */
export function crc32c(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  crc = 0,
  words: Int32Array = wordsOf(bytes),
): number {
  let state = ~crc
  const base = bytes.byteOffset
  let at = start
  // Bytes one at a time up to a word boundary of the underlying buffer (or everywhere, on big-endian).
  const aligned = LITTLE_ENDIAN ? Math.min(end, start + ((4 - ((base + start) & 3)) & 3)) : end
  for (; at < aligned; at++) state = T0[(state ^ bytes[at]!) & 0xff]! ^ (state >>> 8)
  let word = (base + at) >>> 2
  for (const last = word + ((end - at) >>> 4) * 4; word < last; word += 4) {
    const a = state ^ words[word]!
    const b = words[word + 1]!
    const c = words[word + 2]!
    const d = words[word + 3]!
    state =
      T15[a & 0xff]! ^
      T14[(a >>> 8) & 0xff]! ^
      T13[(a >>> 16) & 0xff]! ^
      T12[a >>> 24]! ^
      T11[b & 0xff]! ^
      T10[(b >>> 8) & 0xff]! ^
      T9[(b >>> 16) & 0xff]! ^
      T8[b >>> 24]! ^
      T7[c & 0xff]! ^
      T6[(c >>> 8) & 0xff]! ^
      T5[(c >>> 16) & 0xff]! ^
      T4[c >>> 24]! ^
      T3[d & 0xff]! ^
      T2[(d >>> 8) & 0xff]! ^
      T1[(d >>> 16) & 0xff]! ^
      T0[d >>> 24]!
  }
  at = Math.max(at, word * 4 - base)
  for (; at < end; at++) state = T0[(state ^ bytes[at]!) & 0xff]! ^ (state >>> 8)
  return ~state >>> 0
}
