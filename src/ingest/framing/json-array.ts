/**
 * The JsonArray stream type, and the machinery CloudWatchLogs shares with it: an array of objects, either
 * the whole top-level value or found at a path inside a top-level object (the envelope). Each element is
 * delimited by the structural scanner and parsed on its own, so the array is never held whole. The
 * envelope outside the array (what precedes '[' and what follows ']') is kept, at most eventBytesMax of
 * it, and validated with JSON.parse as if the array were empty: first its head, as soon as '[' is found and
 * before any element is emitted, then all of it once the envelope closes.
 */
import {
  ByteBuffer,
  type FramingContext,
  malformed,
  notAnObject,
  PendingValue,
  type Stage,
  showByte,
} from './context.ts'
import { EnvelopeNavigator, MISSING, NEED_MORE } from './envelope.ts'
import { CLOSE_BRACKET, COMMA, OPEN_BRACE, resetScan, scan, scanState, skipBlank } from './scan.ts'

/** What a use of the array stage is made of: where the array is, and what happens around it. */
export interface ArrayShape {
  /** Path of the array inside each top-level object; empty when the top-level value is the array. */
  path: readonly string[]
  /** How messages name the path, e.g. "jsonArrayEnvelopeField 'Records'". */
  field: string
  /** More top-level objects may follow one another (CloudWatch payloads); else only blanks may follow. */
  repeat: boolean
  /** How errors about the envelope name it, e.g. "envelope" or "payload 2". */
  where(): string
  /** A top-level value starts at `offset` with `first`. */
  begin?(first: number | undefined, offset: number): void
  /** The head of the envelope is valid; `head` is it parsed with an empty array and closed. */
  open?(head: Record<string, unknown>): void
  /** One element, an object's bytes; they outlive the call. */
  element(bytes: Uint8Array, offset: number): void
  /** The envelope at `offset` closed; `whole` is it parsed, with an empty array when `found`. */
  close?(whole: Record<string, unknown>, found: boolean, offset: number): void
}

const VALUE = 0
const HEAD = 1
const FIRST_ELEMENT = 2
const NEXT_ELEMENT = 3
const IN_ELEMENT = 4
const AFTER_ELEMENT = 5
const TAIL = 6
const DONE = 7

export class ArrayStage implements Stage {
  private phase = VALUE
  /** Body offset of the current top-level value. */
  private valueStart = 0
  private bodyEnd = 0
  /** The envelope's head while it spans chunks. */
  private readonly head = new ByteBuffer()
  private headText = ''
  private headBytes = 0
  private readonly tail = new ByteBuffer()
  private readonly tailScan = scanState()
  private readonly navigator: EnvelopeNavigator
  private readonly element: PendingValue

  constructor(
    private readonly ctx: FramingContext,
    private readonly shape: ArrayShape,
  ) {
    this.element = new PendingValue(ctx)
    this.navigator = new EnvelopeNavigator(shape.path, shape.field, {
      fail: (reason, at) => {
        throw malformed(shape.where(), this.valueStart + at, reason)
      },
      key: (bytes, at) => {
        const offset = this.valueStart + at
        return String(ctx.parse(ctx.decode(bytes, offset, shape.where()), offset, shape.where()))
      },
    })
  }

  push(chunk: Uint8Array, base: number): void {
    this.bodyEnd = base + chunk.length
    let pos = 0
    while (pos < chunk.length) pos = this.step(chunk, pos, base)
  }

  end(): void {
    const truncated = 'malformed JSON (the body ends inside'
    if (this.phase === IN_ELEMENT)
      throw malformed(this.ctx.label(), this.element.start, `${truncated} the event)`)
    if (this.phase === HEAD || this.phase === TAIL) {
      throw malformed(this.shape.where(), this.valueStart, `${truncated} the envelope)`)
    }
    if (this.phase !== VALUE && this.phase !== DONE) {
      throw malformed(this.ctx.label(), this.bodyEnd, `${truncated} the array)`)
    }
  }

  private step(chunk: Uint8Array, pos: number, base: number): number {
    switch (this.phase) {
      case VALUE:
        return this.startValue(chunk, pos, base)
      case HEAD:
        return this.readHead(chunk, pos, false)
      case IN_ELEMENT:
        return this.resumeElement(chunk)
      case TAIL:
        return this.readTail(chunk, pos)
      case DONE:
        return this.rejectTrailing(chunk, pos, base)
      default:
        return this.betweenElements(chunk, pos, base)
    }
  }

  private startValue(chunk: Uint8Array, pos: number, base: number): number {
    const start = skipBlank(chunk, pos)
    if (start >= chunk.length) return start
    this.valueStart = base + start
    this.shape.begin?.(chunk[start], base + start)
    this.navigator.reset()
    this.head.clear()
    this.phase = HEAD
    return this.readHead(chunk, start, true)
  }

  /**
   * Walks the envelope's head up to the array's '['. In the chunk where the value starts the navigator
   * reads the chunk itself; only a head that spans chunks is copied, so many small payloads in one chunk
   * cost no copies.
   */
  private readHead(chunk: Uint8Array, pos: number, fresh: boolean): number {
    const shift = fresh ? pos : -this.head.length
    if (!fresh) this.head.append(chunk)
    const envelope = fresh ? chunk.subarray(pos) : this.head.view()
    const max = this.ctx.options.eventBytesMax
    // The walk stops one byte past the limit, so a head that is too large is that, and not malformed
    // further on, whether it came whole or a byte at a time.
    const walked = envelope.length > max + 1 ? envelope.subarray(0, max + 1) : envelope
    const found = this.navigator.find(walked)
    const headBytes = found === NEED_MORE ? walked.length : found === MISSING ? this.navigator.pos : found
    if (headBytes > max) throw this.ctx.tooLarge(this.valueStart, this.shape.where())
    if (found === NEED_MORE) {
      if (fresh) this.head.append(envelope)
      return chunk.length
    }
    if (found === MISSING) {
      this.closeWithoutArray(envelope.subarray(0, headBytes))
      return headBytes + shift
    }
    this.openArray(envelope.subarray(0, found))
    return found + 1 + shift
  }

  private openArray(headBytes: Uint8Array): void {
    this.phase = FIRST_ELEMENT
    if (this.shape.path.length === 0) return
    const where = this.shape.where()
    this.headBytes = headBytes.length
    this.headText = this.ctx.decode(headBytes, this.valueStart, where)
    this.head.clear()
    const closed = `${this.headText}[]${'}'.repeat(this.shape.path.length)}`
    const head = this.ctx.parse(closed, this.valueStart, where)
    this.shape.open?.(head as Record<string, unknown>)
  }

  /** The navigator reached the end of an object on the path without finding the next key. */
  private closeWithoutArray(whole: Uint8Array): void {
    const where = this.shape.where()
    if (this.navigator.level > 0) throw malformed(where, this.valueStart, `${this.shape.field} not found`)
    const value = this.ctx.parse(this.ctx.decode(whole, this.valueStart, where), this.valueStart, where)
    this.shape.close?.(value as Record<string, unknown>, false, this.valueStart)
    this.head.clear()
    this.phase = this.shape.repeat ? VALUE : DONE
  }

  private betweenElements(chunk: Uint8Array, pos: number, base: number): number {
    const at = skipBlank(chunk, pos)
    if (at >= chunk.length) return at
    const byte = chunk[at]
    if (this.phase === AFTER_ELEMENT) {
      if (byte === COMMA) {
        this.phase = NEXT_ELEMENT
        return at + 1
      }
      if (byte === CLOSE_BRACKET) return this.closeArray(at)
      const reason = `malformed JSON (expected ',' or ']' after an event, found ${showByte(byte)})`
      throw malformed(this.ctx.label(), base + at, reason)
    }
    if (byte === CLOSE_BRACKET && this.phase === FIRST_ELEMENT) return this.closeArray(at)
    if (byte !== OPEN_BRACE) throw notAnObject(byte, this.ctx.label(), base + at)
    resetScan(this.element.scan)
    const end = scan(chunk, at, this.element.scan)
    if (end < 0) {
      if (chunk.length - at > this.ctx.options.eventBytesMax) throw this.ctx.tooLarge(base + at)
      this.element.begin(chunk.subarray(at), base + at)
      this.phase = IN_ELEMENT
      return chunk.length
    }
    this.shape.element(chunk.subarray(at, end), base + at)
    this.phase = AFTER_ELEMENT
    return end
  }

  private resumeElement(chunk: Uint8Array): number {
    const end = this.element.resume(chunk)
    if (end < 0) return chunk.length
    const start = this.element.start
    this.shape.element(this.element.take(chunk, end), start)
    this.phase = AFTER_ELEMENT
    return end
  }

  private closeArray(at: number): number {
    if (this.shape.path.length === 0) {
      this.phase = DONE
    } else {
      this.phase = TAIL
      this.tail.clear()
      resetScan(this.tailScan, this.shape.path.length)
    }
    return at + 1
  }

  /** Reads the envelope's tail, after ']', up to the '}' that closes the top-level object. */
  private readTail(chunk: Uint8Array, pos: number): number {
    const end = scan(chunk, pos, this.tailScan)
    const stop = end < 0 ? chunk.length : end
    const where = this.shape.where()
    if (this.headBytes + this.tail.length + stop - pos > this.ctx.options.eventBytesMax) {
      throw this.ctx.tooLarge(this.valueStart, where)
    }
    this.tail.append(chunk.subarray(pos, stop))
    if (end < 0) return stop
    const tailText = this.ctx.decode(this.tail.view(), this.valueStart, where)
    const whole = this.ctx.parse(`${this.headText}[]${tailText}`, this.valueStart, where)
    this.shape.close?.(whole as Record<string, unknown>, true, this.valueStart)
    this.phase = this.shape.repeat ? VALUE : DONE
    return end
  }

  private rejectTrailing(chunk: Uint8Array, pos: number, base: number): number {
    const at = skipBlank(chunk, pos)
    if (at < chunk.length) {
      const reason = `malformed JSON (unexpected ${showByte(chunk[at])} after the end of the JSON value)`
      throw malformed('body', base + at, reason)
    }
    return at
  }
}

/** The JsonArray stage: a top-level array, or the array at `envelopeField` (a dotted path). */
export function jsonArrayStage(ctx: FramingContext, envelopeField: string | undefined): Stage {
  const path = envelopeField ? envelopeField.split('.') : []
  const field = envelopeField ? `jsonArrayEnvelopeField '${envelopeField}'` : 'the body'
  const where = envelopeField ? 'envelope' : 'body'
  return new ArrayStage(ctx, {
    path,
    field,
    repeat: false,
    where: () => where,
    element: (bytes, offset) => ctx.emitObject(bytes, offset),
    close: (_whole, found, offset) => {
      if (!found) throw malformed(where, offset, `${field} not found`)
    },
  })
}
