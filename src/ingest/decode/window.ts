/**
 * How much memory a decoder needs besides its output: the window of past output it must keep to resolve
 * back-references. A decoder touches its window's pages only as it fills them, so a stage is charged
 * for its window as output comes, up to the window's size; that size is read from the coded data before
 * a byte of it is decoded.
 *
 * - gzip and deflate: at most 32 KiB (RFC 1951 §2.4).
 * - brotli: 2^WBITS − 16 bytes, WBITS from the stream's first bits, at most 16 MiB (RFC 7932 §9.1).
 * - zstd: each frame's Window_Size (RFC 8878 §3.1.1.1.2), which a frame may set up to 3.75 TiB. As an
 *   HTTP content coding, zstd frames must not need more than 8 MiB (RFC 9659 §3), and decoders may refuse
 *   those that do; this one does, frame by frame as the input passes, so a 30-byte body cannot make the
 *   server set aside 128 MiB.
 */
import { AppError } from '../../errors.ts'

const KiB = 1024
const MiB = 1024 * KiB
export const ZSTD_WINDOW_MAX = 8 * MiB

/** The window of a gzip or deflate decoder; brotli's and zstd's come from their data. */
export const DEFLATE_WINDOW_BYTES = 32 * KiB

/**
 * The window a brotli stream declares in its first bits (RFC 7932 §9.1, WINDOW_BITS), read from the
 * stream's first byte, least significant bit first. The value reserved by RFC 7932 (which large-window
 * brotli uses) counts as the largest standard window: decoders refuse it anyway.
 */
export function brotliWindowBytes(first: number): number {
  let bits: number
  if ((first & 1) === 0) bits = 16
  else if (((first >> 1) & 7) !== 0) bits = 17 + ((first >> 1) & 7)
  else {
    const m = (first >> 4) & 7
    bits = m === 0 ? 17 : m === 1 ? 24 : 8 + m
  }
  return 2 ** bits - 16
}

type ZstdState = 'magic' | 'descriptor' | 'frame-header' | 'block-header' | 'skippable-size'

/**
 * Follows the frames of a zstd stream as its input passes by, without decoding: each frame's header
 * (RFC 8878 §3.1.1.1), then its blocks by their 3-byte headers (§3.1.1.2), then the optional checksum;
 * skippable frames (§3.1.2) are stepped over. Throws before the decoder sees a frame whose window is
 * larger than ZSTD_WINDOW_MAX. `windowBytes` is the largest window a frame has asked for so far. Bytes
 * that are not zstd stop the following: the decoder itself refuses them.
 */
export class ZstdFrames {
  windowBytes = 0
  #state: ZstdState = 'magic'
  /** Bytes of the part being collected, and how many it needs. */
  #part: number[] = []
  #need = 4
  /** Bytes to step over before collecting the next part. */
  #skip = 0
  #descriptor = 0
  #stopped = false

  feed(chunk: Uint8Array): void {
    let i = 0
    while (i < chunk.length && !this.#stopped) {
      if (this.#skip > 0) {
        const step = Math.min(this.#skip, chunk.length - i)
        i += step
        this.#skip -= step
        continue
      }
      this.#part.push(chunk[i++]!)
      if (this.#part.length === this.#need) {
        const part = this.#part
        this.#part = []
        this.#complete(part)
      }
    }
  }

  #expect(state: ZstdState, need: number, skip = 0): void {
    this.#state = state
    this.#need = need
    this.#skip = skip
  }

  #complete(part: number[]): void {
    const word = (part[0]! | (part[1]! << 8) | (part[2]! << 16) | (part[3]! << 24)) >>> 0
    switch (this.#state) {
      case 'magic':
        if (word === 0xfd2fb528) this.#expect('descriptor', 1)
        else if (word >>> 4 === 0x184d2a5) this.#expect('skippable-size', 4)
        else this.#stopped = true
        break
      case 'descriptor': {
        const descriptor = part[0]!
        this.#descriptor = descriptor
        const single = (descriptor & 0x20) !== 0
        const fcsFlag = descriptor >> 6
        const fcs = fcsFlag === 0 ? (single ? 1 : 0) : 2 ** fcsFlag
        const length = (single ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]! + fcs
        if (length > 0) this.#expect('frame-header', length)
        else {
          this.#frameHeader([])
          this.#expect('block-header', 3)
        }
        break
      }
      case 'frame-header':
        this.#frameHeader(part)
        this.#expect('block-header', 3)
        break
      case 'block-header': {
        const header = part[0]! | (part[1]! << 8) | (part[2]! << 16)
        const last = (header & 1) !== 0
        // An RLE block's content is its one repeated byte; raw and compressed ones are Block_Size long.
        const content = ((header >> 1) & 3) === 1 ? 1 : header >> 3
        const checksum = last && (this.#descriptor & 4) !== 0 ? 4 : 0
        if (last) this.#expect('magic', 4, content + checksum)
        else this.#expect('block-header', 3, content)
        break
      }
      case 'skippable-size':
        this.#expect('magic', 4, word)
        break
    }
  }

  #frameHeader(header: number[]): void {
    const descriptor = this.#descriptor
    const single = (descriptor & 0x20) !== 0
    let window: number
    if (single) {
      // Frame_Content_Size is the window (§3.1.1.1.2), little-endian after the dictionary id.
      const fcsFlag = descriptor >> 6
      const at = [0, 1, 2, 4][descriptor & 3]!
      const length = fcsFlag === 0 ? 1 : 2 ** fcsFlag
      let size = 0
      for (let k = length - 1; k >= 0; k--) size = size * 256 + header[at + k]!
      window = fcsFlag === 1 ? size + 256 : size
    } else {
      const base = 2 ** (10 + (header[0]! >> 3))
      window = base + (base / 8) * (header[0]! & 7)
    }
    if (window > ZSTD_WINDOW_MAX) {
      throw new AppError(
        'DECODE_FAILED',
        `body is not valid zstd for HTTP: a frame needs a window of ${window} bytes, more than the ` +
          `${ZSTD_WINDOW_MAX} that Content-Encoding zstd allows (RFC 9659); compress without --long or --ultra`,
      )
    }
    this.windowBytes = Math.max(this.windowBytes, window)
  }
}
