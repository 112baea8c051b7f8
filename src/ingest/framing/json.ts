/**
 * The JSON stream type: a sequence of objects, one per line (NDJSON), concatenated (`{..}{..}`), pretty
 * printed over many lines, or any mix. The common case, one object per line, takes a fast path: the next
 * LF is found natively and the trimmed line goes straight to JSON.parse. Only when that fails does the
 * structural scanner look for where the object really ends, possibly across lines and chunks.
 */
import { type FramingContext, malformed, notAnObject, PendingValue, type Stage } from './context.ts'
import {
  CLOSE_BRACE,
  CLOSE_BRACKET,
  LF,
  OPEN_BRACE,
  OPEN_BRACKET,
  resetScan,
  scan,
  skipBlank,
  trimEnd,
} from './scan.ts'

export class JsonStage implements Stage {
  private readonly pending: PendingValue
  /**
   * Body offset of a top-level '[' whose closing ']' has not been seen yet, or -1. An empty array is an
   * empty batch and yields no events; any other array is an error.
   */
  private openBracket = -1

  constructor(private readonly ctx: FramingContext) {
    this.pending = new PendingValue(ctx)
  }

  push(chunk: Uint8Array, base: number): void {
    let pos = 0
    if (this.pending.active) {
      const end = this.pending.resume(chunk)
      if (end < 0) return
      const start = this.pending.start
      this.ctx.emitObject(this.pending.take(chunk, end), start)
      pos = end
    } else if (this.openBracket >= 0) {
      pos = this.closeEmptyArray(chunk, 0)
      if (pos < 0) return
    }
    this.frame(chunk, pos, base)
  }

  end(): void {
    if (this.pending.active) {
      throw malformed(this.ctx.label(), this.pending.start, 'malformed JSON (the body ends inside the event)')
    }
    if (this.openBracket >= 0) {
      throw malformed(this.ctx.label(), this.openBracket, 'malformed JSON (the body ends inside an array)')
    }
  }

  /** Frames every object in `chunk` from `from` on, carrying an incomplete last one. */
  private frame(chunk: Uint8Array, from: number, base: number): void {
    const n = chunk.length
    const max = this.ctx.options.eventBytesMax
    let pos = from
    // The next LF at or after `pos` (n when there is none), found once per line, not once per object:
    // a long line of concatenated objects must not be searched again for every object on it.
    let lf = -1
    // The fast path failed on the line ending here; objects before it go to the scanner directly.
    let slowUntil = -1
    for (;;) {
      pos = skipBlank(chunk, pos)
      if (pos >= n) return
      const first = chunk[pos]
      if (first !== OPEN_BRACE) {
        if (first !== OPEN_BRACKET) throw notAnObject(first, this.ctx.label(), base + pos)
        this.openBracket = base + pos
        pos = this.closeEmptyArray(chunk, pos + 1)
        if (pos < 0) return
        continue
      }
      if (pos >= slowUntil) {
        if (lf < pos) {
          lf = chunk.indexOf(LF, pos)
          if (lf < 0) lf = n
        }
        if (lf < n) {
          const end = trimEnd(chunk, pos, lf)
          if (chunk[end - 1] === CLOSE_BRACE && end - pos <= max) {
            const event = this.ctx.tryEvent(chunk.subarray(pos, end), base + pos)
            if (event !== undefined) {
              this.ctx.emit(event, base + pos)
              pos = lf + 1
              continue
            }
          }
          slowUntil = lf
        }
      }
      resetScan(this.pending.scan)
      const end = scan(chunk, pos, this.pending.scan)
      if (end < 0) {
        if (n - pos > max) throw this.ctx.tooLarge(base + pos)
        this.pending.begin(chunk.subarray(pos), base + pos)
        return
      }
      this.ctx.emitObject(chunk.subarray(pos, end), base + pos)
      pos = end
    }
  }

  /**
   * After a top-level '[' (at `openBracket`), accepts only blanks and ']'. Returns the index after the ']',
   * or -1 when the chunk ends first.
   */
  private closeEmptyArray(chunk: Uint8Array, from: number): number {
    const pos = skipBlank(chunk, from)
    if (pos >= chunk.length) return -1
    if (chunk[pos] !== CLOSE_BRACKET) throw notAnObject(OPEN_BRACKET, this.ctx.label(), this.openBracket)
    this.openBracket = -1
    return pos + 1
  }
}
