/**
 * Reading and writing JSON as bytes, for classification: the framer has already validated every event
 * (RFC 8259 and UTF-8, framing/validate.ts), so these readers trust their input's syntax and only find
 * where things end. Parsing an event into objects and serializing it again would cost more than the
 * classification itself; reading it in place lets a schema copy most values through untouched.
 */
import { Buffer } from 'node:buffer'

/** The bytes of JSON's syntax that the readers and decoders look for. */
export const QUOTE = 0x22
export const COMMA = 0x2c
export const MINUS = 0x2d
export const COLON = 0x3a
export const OPEN_BRACKET = 0x5b
export const BACKSLASH = 0x5c
export const CLOSE_BRACKET = 0x5d
export const OPEN_BRACE = 0x7b
export const CLOSE_BRACE = 0x7d

const COPY_LOOP_BYTES_MAX = 64

const encoder = new TextEncoder()
/**
 * Buffer's slice decoders read a range of any Uint8Array without making a view of it first, which for
 * the short strings of an event is several times cheaper than a TextDecoder call.
 */
export const latin1Slice = Buffer.prototype.latin1Slice as (
  this: Uint8Array,
  start: number,
  end: number,
) => string
export const utf8Slice = Buffer.prototype.utf8Slice as (
  this: Uint8Array,
  start: number,
  end: number,
) => string

/** A position in validated JSON bytes. */
export class Cursor {
  /** After readString: the string's content had an escape, or a byte above 0x7F. */
  escaped = false
  wide = false

  constructor(
    public bytes: Uint8Array,
    public pos = 0,
  ) {}

  /** Skips JSON white space; returns the byte there (undefined at the end). */
  peek(): number | undefined {
    const bytes = this.bytes
    let pos = this.pos
    let byte = bytes[pos]
    while (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) byte = bytes[++pos]
    this.pos = pos
    return byte
  }

  /** Steps over the byte at pos (a structural character already peeked). */
  step(): void {
    this.pos++
  }

  /**
   * At an opening quote: moves past the closing one and returns the index of the content's first byte
   * (the content ends at pos - 1). Sets `escaped` and `wide` for the content.
   */
  readString(): number {
    const bytes = this.bytes
    let pos = this.pos + 1
    const start = pos
    let escaped = false
    let wide = false
    for (;;) {
      const byte = bytes[pos]!
      if (byte === QUOTE) break
      if (byte === BACKSLASH) {
        escaped = true
        pos += 2
        continue
      }
      if (byte > 0x7f) wide = true
      pos++
    }
    this.pos = pos + 1
    this.escaped = escaped
    this.wide = wide
    return start
  }

  /** The content of the string just read (from readString's start to pos - 1), as a JavaScript string. */
  stringFrom(start: number): string {
    const end = this.pos - 1
    if (this.escaped) return JSON.parse(utf8Slice.call(this.bytes, start - 1, end + 1))
    return (this.wide ? utf8Slice : latin1Slice).call(this.bytes, start, end)
  }

  /** Moves past the value at pos (after white space); returns where it starts. */
  skipValue(): number {
    const byte = this.peek()
    const start = this.pos
    if (byte === QUOTE) {
      this.readString()
      return start
    }
    if (byte !== OPEN_BRACE && byte !== OPEN_BRACKET) {
      this.pos = scalarEnd(this.bytes, start)
      return start
    }
    const bytes = this.bytes
    let depth = 0
    let pos = start
    for (;;) {
      const next = bytes[pos]!
      if (next === QUOTE) {
        this.pos = pos
        this.readString()
        pos = this.pos
        continue
      }
      pos++
      if (next === OPEN_BRACE || next === OPEN_BRACKET) depth++
      else if ((next === CLOSE_BRACE || next === CLOSE_BRACKET) && --depth === 0) break
    }
    this.pos = pos
    return start
  }
}

/** The end of a number or literal starting at `pos`: the first byte that cannot continue it. */
export function scalarEnd(bytes: Uint8Array, pos: number): number {
  for (;;) {
    const byte = bytes[pos]
    if (byte === undefined || byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET) return pos
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) return pos
    pos++
  }
}

/** Raw bytes as a string: for numbers and literals, which are ASCII. */
export const asciiText = (bytes: Uint8Array, start: number, end: number): string =>
  latin1Slice.call(bytes, start, end)

/**
 * Where transcoded events are written: one block after another, each event a piece of a block. A piece
 * handed out stays valid when later ones are written, because a full block is replaced, not grown: only
 * the piece being written moves to the new block. Positions within a piece (`mark`, `rewind`) are
 * relative to its start, so they survive that move.
 */
export class ByteWriter {
  bytes: Uint8Array
  at = 0
  #start = 0

  constructor(
    blockBytes = 4096,
    private readonly blockBytesMax = 1024 * 1024,
  ) {
    this.bytes = new Uint8Array(blockBytes)
  }

  /** Starts a new piece; the pieces before it stay where they are. */
  begin(): void {
    this.#start = this.at
  }

  /** The piece written since begin(). */
  piece(): Uint8Array {
    return this.bytes.subarray(this.#start, this.at)
  }

  mark(): number {
    return this.at - this.#start
  }

  /** Undoes what was written since `mark()` returned `mark`. */
  rewind(mark: number): void {
    this.at = this.#start + mark
  }

  reserve(count: number): void {
    if (this.at + count <= this.bytes.length) return
    const written = this.at - this.#start
    const size = Math.max(Math.min(this.bytes.length * 2, this.blockBytesMax), (written + count) * 2)
    const block = new Uint8Array(size)
    block.set(this.bytes.subarray(this.#start, this.at))
    this.bytes = block
    this.#start = 0
    this.at = written
  }

  byte(value: number): void {
    this.reserve(1)
    this.bytes[this.at++] = value
  }

  copy(source: Uint8Array, start: number, end: number): void {
    const count = end - start
    this.reserve(count)
    // Most copies are a key or a short value, for which a view to hand to set() costs more than a loop.
    if (count < COPY_LOOP_BYTES_MAX) {
      const bytes = this.bytes
      let at = this.at
      for (let i = start; i < end; i++) bytes[at++] = source[i]!
    } else this.bytes.set(source.subarray(start, end), this.at)
    this.at += count
  }

  /** Writes a string's UTF-8 bytes as they are (callers pass JSON text). */
  text(value: string): void {
    const length = value.length
    this.reserve(length * 3)
    const bytes = this.bytes
    let at = this.at
    // Most of what is written here is ASCII (numbers, p_any_* names), copied without a view for encodeInto.
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i)
      if (code > 0x7f) {
        this.at += encoder.encodeInto(value, bytes.subarray(this.at)).written
        return
      }
      bytes[at++] = code
    }
    this.at = at
  }
}
