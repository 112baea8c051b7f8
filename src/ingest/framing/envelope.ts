/**
 * Finds the array at a dotted path inside a top-level object (`Records`, `data.items`, CloudWatch's
 * `logEvents`) by reading only the object's keys on the way; the values of other keys are skipped with the
 * structural scanner. It reads a buffer that only ever grows at its end (the envelope so far), keeps its
 * place between calls, and so reads every byte once. It checks only the syntax it walks through; the
 * caller validates the envelope as a whole with JSON.parse.
 */
import { showByte } from './context.ts'
import {
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  resetScan,
  scan,
  scanState,
  skipBlank,
} from './scan.ts'

/** `find` returned before the array was found: the buffer ends first. */
export const NEED_MORE = -1
/** `find` returned at the end of an object on the path that lacks the next key (see `missingLevel`). */
export const MISSING = -2

const VALUE = 0
const KEY_OR_CLOSE = 1
const KEY = 2
const IN_KEY = 3
const COLON_NEXT = 4
const SKIP = 5
const IN_SKIP = 6
const COMMA_OR_CLOSE = 7

export interface EnvelopeErrors {
  /** Throws the error for a syntax problem `at` bytes into the envelope. */
  fail(reason: string, at: number): never
  /** Decodes a key's bytes (a JSON string with its quotes), throwing for invalid UTF-8 or JSON. */
  key(bytes: Uint8Array, at: number): string
}

export class EnvelopeNavigator {
  /** Where reading resumes, in bytes from the envelope's start; after MISSING, just past the '}'. */
  pos = 0
  /** Path segments matched so far; after MISSING, the segment that was not found. */
  level = 0
  private step = VALUE
  private tokenStart = 0
  private matched = false
  private readonly scanState = scanState()

  constructor(
    private readonly path: readonly string[],
    /** How errors name the path, e.g. "jsonArrayEnvelopeField 'data.items'". */
    private readonly field: string,
    private readonly errors: EnvelopeErrors,
  ) {}

  reset(): void {
    this.pos = 0
    this.level = 0
    this.step = VALUE
  }

  /** Reads `envelope` on from `pos`: the index of the array's '[', NEED_MORE, or MISSING. */
  find(envelope: Uint8Array): number {
    const n = envelope.length
    let i = this.pos
    for (;;) {
      if (this.step === IN_KEY || this.step === IN_SKIP) {
        const end = scan(envelope, i, this.scanState)
        if (end < 0) return this.more(n)
        if (this.step === IN_KEY) {
          const key = this.errors.key(envelope.subarray(this.tokenStart, end), this.tokenStart)
          this.matched = key === this.path[this.level]
          this.step = COLON_NEXT
        } else {
          this.step = COMMA_OR_CLOSE
        }
        i = end
      }
      i = skipBlank(envelope, i)
      if (i >= n) return this.more(n)
      const byte = envelope[i]
      switch (this.step) {
        case VALUE:
          if (this.level === this.path.length) {
            if (byte === OPEN_BRACKET) return i
            this.errors.fail(`${this.field} is not an array`, i)
          }
          if (byte !== OPEN_BRACE) this.errors.fail(this.notFound(), i)
          this.step = KEY_OR_CLOSE
          break
        case KEY_OR_CLOSE:
        case KEY:
          if (byte === CLOSE_BRACE && this.step === KEY_OR_CLOSE) return this.missing(i)
          if (byte !== QUOTE) this.errors.fail(`malformed JSON (expected a key, found ${showByte(byte)})`, i)
          this.startToken(i, IN_KEY)
          continue
        case COLON_NEXT:
          if (byte !== COLON) this.errors.fail(`malformed JSON (expected ':', found ${showByte(byte)})`, i)
          if (this.matched) this.level++
          this.step = this.matched ? VALUE : SKIP
          break
        case SKIP:
          if (byte === COMMA || byte === COLON || byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
            this.errors.fail(`malformed JSON (expected a value, found ${showByte(byte)})`, i)
          }
          this.startToken(i, IN_SKIP)
          continue
        default:
          if (byte === CLOSE_BRACE) return this.missing(i)
          if (byte !== COMMA)
            this.errors.fail(`malformed JSON (expected ',' or '}', found ${showByte(byte)})`, i)
          this.step = KEY
      }
      i++
    }
  }

  /** Why the path is not there, for a value on the path that is not an object. */
  private notFound(): string {
    if (this.level === 0) return `${this.field} not found: the body is not a JSON object`
    return `${this.field} not found: '${this.path.slice(0, this.level).join('.')}' is not an object`
  }

  private startToken(at: number, step: number): void {
    this.tokenStart = at
    this.step = step
    resetScan(this.scanState)
  }

  private more(n: number): number {
    this.pos = n
    return NEED_MORE
  }

  private missing(at: number): number {
    this.pos = at + 1
    return MISSING
  }
}
