/**
 * The Lines stream type: every non-blank line is one event. A line whose trimmed text is a JSON object is
 * stored as that object; any other line becomes {"message": line}. Lines end at LF; a CR before it is
 * dropped, so CRLF bodies frame alike. Before Auto has seen a non-blank byte, this stage also holds the
 * body's leading blanks, which a text line keeps as part of its message.
 */
import { ByteBuffer, type FramingContext, type Stage } from './context.ts'
import { CLOSE_BRACE, CR, LF, OPEN_BRACE, skipBlank, trimEnd } from './scan.ts'

export class LinesStage implements Stage {
  /** The incomplete last line of the chunks pushed so far. */
  private readonly line = new ByteBuffer()
  private carrying = false
  /** Body offset of the carried line. */
  private lineStart = 0
  /** The carried line has been blank so far. */
  private lineBlank = true
  /**
   * A blank carried line outgrew eventBytesMax and its bytes were dropped: a line of only blanks is no
   * event whatever its length, but if anything else follows, the line is too large.
   */
  private blankOverflow = false

  constructor(private readonly ctx: FramingContext) {}

  push(chunk: Uint8Array, base: number): void {
    let pos = 0
    if (this.carrying) {
      const lf = chunk.indexOf(LF)
      if (lf < 0) {
        this.carry(chunk)
        return
      }
      this.carry(chunk.subarray(0, lf))
      this.finishCarried()
      pos = lf + 1
    }
    const n = chunk.length
    while (pos < n) {
      const lf = chunk.indexOf(LF, pos)
      if (lf < 0) {
        this.carrying = true
        this.lineStart = base + pos
        this.lineBlank = true
        this.blankOverflow = false
        this.line.clear()
        this.carry(chunk.subarray(pos))
        return
      }
      this.frameLine(chunk.subarray(pos, lf), base + pos, true)
      pos = lf + 1
    }
  }

  end(): void {
    if (this.carrying) this.finishCarried()
  }

  private finishCarried(): void {
    this.carrying = false
    if (!this.blankOverflow) this.frameLine(this.line.view(), this.lineStart, false)
  }

  private carry(bytes: Uint8Array): void {
    if (this.lineBlank && skipBlank(bytes, 0) < bytes.length) {
      this.lineBlank = false
      if (this.blankOverflow) throw this.ctx.tooLarge(this.lineStart)
    }
    if (this.blankOverflow || bytes.length === 0) return
    // A CR at the end may be the CR of a CRLF, which is not part of the line.
    const length = this.line.length + bytes.length - (bytes[bytes.length - 1] === CR ? 1 : 0)
    if (length > this.ctx.options.eventBytesMax) {
      if (!this.lineBlank) throw this.ctx.tooLarge(this.lineStart)
      this.blankOverflow = true
      this.line.clear()
      return
    }
    this.line.append(bytes)
  }

  /**
   * Frames one line without its LF. `owned` tells whether the bytes stay valid after this call (a view
   * into a pushed chunk does; the carry buffer is reused), which decides whether `json` needs a copy.
   */
  private frameLine(bytes: Uint8Array, offset: number, owned: boolean): void {
    const end = bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length
    const start = skipBlank(bytes, 0, end)
    if (start === end) return
    if (end > this.ctx.options.eventBytesMax) throw this.ctx.tooLarge(offset)
    const last = trimEnd(bytes, start, end)
    if (bytes[start] === OPEN_BRACE && bytes[last - 1] === CLOSE_BRACE) {
      const json = bytes.subarray(start, last)
      const event = this.ctx.tryEvent(owned ? json : json.slice(), offset + start)
      if (event !== undefined) {
        this.ctx.emit(event, offset)
        return
      }
    }
    const message = this.ctx.decode(bytes.subarray(0, end), offset)
    this.ctx.emit(
      { value: { message }, json: null, reservedKeys: false, timeMs: null, line: message },
      offset,
    )
  }
}
