/**
 * What every framing stage shares: the options, the one UTF-8 decoder, the event counter with its limit,
 * the errors (each names the event number and the byte offset in the decoded body) and the buffers that
 * carry an incomplete event from one chunk to the next.
 */
import { AppError } from '../../errors.ts'
import type { FramedEvent, FramingOptions } from './index.ts'
import { resetScan, type ScanState, scan, scanState } from './scan.ts'
import { validateObject } from './validate.ts'

/** A stage of the framer for one stream type; `base` is the body offset of `chunk[0]`. */
export interface Stage {
  push(chunk: Uint8Array, base: number): void
  end(): void
}

/** Error messages quote at most this many characters of anything derived from the sender's data. */
const QUOTED_CHARS_MAX = 64

const clip = (text: string) => (text.length > QUOTED_CHARS_MAX ? `${text.slice(0, QUOTED_CHARS_MAX)}…` : text)

const reasonOf = (error: unknown) => clip(error instanceof Error ? error.message : String(error))

/** A byte as an error message shows it: printable ASCII as itself, anything else as hex. */
export const showByte = (byte: number | undefined) =>
  byte === undefined
    ? 'the end of the body'
    : byte > 32 && byte < 127
      ? `'${String.fromCharCode(byte)}'`
      : `byte 0x${byte.toString(16).padStart(2, '0')}`

export const malformed = (where: string, offset: number, reason: string) =>
  new AppError('MALFORMED_JSON', `${where} at byte ${offset}: ${reason}`)

/**
 * The error for a top-level value that is not an object. Judged by its first byte alone, so the answer
 * never depends on where the chunks happen to split: anything that can start a JSON value is NOT_AN_OBJECT,
 * anything else is malformed.
 */
export function notAnObject(byte: number | undefined, where: string, offset: number): AppError {
  const valueStart = byte !== undefined && '["-0123456789tfn'.includes(String.fromCharCode(byte))
  return valueStart
    ? new AppError(
        'NOT_AN_OBJECT',
        `${where} at byte ${offset}: not a JSON object (starts with ${showByte(byte)})`,
      )
    : malformed(where, offset, `malformed JSON (unexpected ${showByte(byte)})`)
}

/** The options with every default applied. */
export type FramingSettings = FramingOptions & { eventDepthMax: number }

export class FramingContext {
  /** Events emitted so far. */
  events = 0
  /** Events framed but held back until their CloudWatch payload's messageType is known. */
  held = 0
  /** `ignoreBOM` keeps a U+FEFF inside the body as data; only the body's first bytes are a BOM. */
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

  constructor(
    readonly options: FramingSettings,
    private readonly sink: (event: FramedEvent) => void,
  ) {}

  /** How errors name the event being framed now. */
  label(): string {
    return `event ${this.events + this.held + 1}`
  }

  emit(event: FramedEvent, offset: number): void {
    this.checkRoom(offset)
    this.events++
    this.sink(event)
  }

  /** Throws unless one more event fits within eventsMax; held events count, so they stay bounded too. */
  checkRoom(offset: number): void {
    if (this.events + this.held < this.options.eventsMax) return
    const max = this.options.eventsMax
    throw new AppError(
      'TOO_MANY_EVENTS',
      `${this.label()} at byte ${offset}: more than [ingest] events_per_request_max (${max}) events`,
    )
  }

  tooLarge(offset: number, where = this.label()): AppError {
    const max = this.options.eventBytesMax
    return new AppError(
      'EVENT_TOO_LARGE',
      `${where} at byte ${offset}: larger than [ingest] event_bytes_max (${max} bytes)`,
    )
  }

  decode(bytes: Uint8Array, offset: number, where = this.label()): string {
    try {
      return this.decoder.decode(bytes)
    } catch {
      throw new AppError('INVALID_UTF8', `${where} at byte ${offset}: invalid UTF-8`)
    }
  }

  parse(text: string, offset: number, where = this.label()): unknown {
    try {
      return JSON.parse(text)
    } catch (error) {
      throw malformed(where, offset, `malformed JSON (${reasonOf(error)})`)
    }
  }

  /**
   * The fast path's attempt: the event, or undefined when the bytes (at body offset `offset`) are not one
   * valid UTF-8 JSON object. An object nested deeper than eventDepthMax is refused outright, whichever
   * path found it: no other reading of those bytes would make it acceptable.
   */
  tryEvent(bytes: Uint8Array, offset: number): FramedEvent | undefined {
    const validation = validateObject(bytes, 0, bytes.length, this.options.eventDepthMax)
    if (validation.errorAt < 0) return new JsonEvent(bytes, validation.reservedKeys)
    if (validation.tooDeep) throw this.tooDeep(offset + validation.errorAt)
    return undefined
  }

  tooDeep(offset: number, where = this.label()): AppError {
    const max = this.options.eventDepthMax
    return new AppError(
      'EVENT_TOO_DEEP',
      `${where} at byte ${offset}: objects and arrays nested deeper than [ingest] event_depth_max (${max} levels)`,
    )
  }

  /** Parses one delimited value that starts with '{', which JSON.parse can only turn into an object. */
  object(bytes: Uint8Array, offset: number): Record<string, unknown> {
    if (bytes.length > this.options.eventBytesMax) throw this.tooLarge(offset)
    return this.parse(this.decode(bytes, offset), offset) as Record<string, unknown>
  }

  /**
   * Emits a delimited object as the sender wrote it. Bytes the validator refuses are parsed after all,
   * for JSON.parse's own account of what is wrong.
   */
  emitObject(bytes: Uint8Array, offset: number): void {
    if (bytes.length > this.options.eventBytesMax) throw this.tooLarge(offset)
    const event = this.tryEvent(bytes, offset)
    if (event) {
      this.emit(event, offset)
      return
    }
    const value = this.object(bytes, offset)
    this.emit({ value, json: bytes, reservedKeys: Object.keys(value).some(isReserved), timeMs: null }, offset)
  }
}

const isReserved = (key: string) => key.startsWith('p_')

/** Decodes validated JSON, so it never meets bytes that are not UTF-8; a U+FEFF inside is data. */
const jsonDecoder = new TextDecoder('utf-8', { ignoreBOM: true })

/**
 * An event kept as validated JSON bytes, the sender's or a schema's transcoding of them; its value is
 * parsed only if something asks for it.
 */
export class JsonEvent implements FramedEvent {
  #value: Record<string, unknown> | undefined

  constructor(
    readonly json: Uint8Array,
    readonly reservedKeys: boolean,
    readonly timeMs: number | null = null,
    readonly eventTime?: string,
  ) {}

  get value(): Record<string, unknown> {
    this.#value ??= JSON.parse(jsonDecoder.decode(this.json)) as Record<string, unknown>
    return this.#value
  }
}

/** A growable byte buffer for the few bytes that must outlive their chunk. */
export class ByteBuffer {
  private bytes = new Uint8Array(256)
  length = 0

  append(source: Uint8Array): void {
    const needed = this.length + source.length
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2))
      grown.set(this.bytes.subarray(0, this.length))
      this.bytes = grown
    }
    this.bytes.set(source, this.length)
    this.length = needed
  }

  /** The contents; valid until the next append or clear. */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length)
  }

  /** A copy of the contents followed by `tail`, owned by the caller (emitted events outlive the buffer). */
  concat(tail: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.length + tail.length)
    out.set(this.bytes.subarray(0, this.length))
    out.set(tail, this.length)
    return out
  }

  clear(): void {
    this.length = 0
  }
}

/**
 * A value that a chunk ended inside: its bytes so far and the scanner state at their end. Its size is
 * checked on every chunk, so memory stays within eventBytesMax however the sender splits the body.
 */
export class PendingValue {
  private readonly bytes = new ByteBuffer()
  readonly scan: ScanState = scanState()
  active = false
  /** Body offset of the value's first byte. */
  start = 0

  constructor(private readonly ctx: FramingContext) {}

  /** Carries `bytes`, the value's beginning, over which `this.scan` has already run. */
  begin(bytes: Uint8Array, start: number): void {
    this.start = start
    this.active = true
    this.bytes.clear()
    this.append(bytes)
  }

  /** Scans on into `chunk`: the index just past the value's end, or -1 once the whole chunk is carried. */
  resume(chunk: Uint8Array): number {
    const end = scan(chunk, 0, this.scan)
    if (end < 0) {
      this.append(chunk)
      return -1
    }
    if (this.bytes.length + end > this.ctx.options.eventBytesMax) throw this.ctx.tooLarge(this.start)
    return end
  }

  /** The whole value: the carried bytes and `chunk[0, end)`. */
  take(chunk: Uint8Array, end: number): Uint8Array {
    this.active = false
    const value = this.bytes.concat(chunk.subarray(0, end))
    this.bytes.clear()
    resetScan(this.scan)
    return value
  }

  private append(bytes: Uint8Array): void {
    if (this.bytes.length + bytes.length > this.ctx.options.eventBytesMax) throw this.ctx.tooLarge(this.start)
    this.bytes.append(bytes)
  }
}
