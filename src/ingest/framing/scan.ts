/**
 * A structural JSON scanner: it finds where a value ends without parsing it, so that the framer can cut
 * the body into events. It tracks only the nesting depth and whether it is inside a string; it does not
 * validate, because every value it delimits is validated afterwards (validate.ts, or JSON.parse). Its state survives the end of a chunk, so a value split across chunks is scanned
 * once, never again from its start.
 */

export const TAB = 9
export const LF = 10
export const CR = 13
export const SPACE = 32
export const QUOTE = 34
export const COMMA = 44
export const COLON = 58
export const OPEN_BRACKET = 91
export const BACKSLASH = 92
export const CLOSE_BRACKET = 93
export const OPEN_BRACE = 123
export const CLOSE_BRACE = 125

export interface ScanState {
  /** Objects and arrays open around the scan position. */
  depth: number
  /** The position is inside a string. */
  inString: boolean
  /** Inside a string, the byte at the position is escaped by a backslash at the end of the last chunk. */
  escaped: boolean
  /** The position is inside a number or a literal at depth 0. */
  inScalar: boolean
}

export const scanState = (): ScanState => ({ depth: 0, inString: false, escaped: false, inScalar: false })

/** Prepares `state` for a new scan that starts `depth` levels deep (0: at the first byte of a value). */
export function resetScan(state: ScanState, depth = 0): void {
  state.depth = depth
  state.inString = false
  state.escaped = false
  state.inScalar = false
}

/** JSON's insignificant whitespace (RFC 8259, section 2), which is also what the framer calls blank. */
export const isBlank = (byte: number | undefined) =>
  byte === SPACE || byte === LF || byte === CR || byte === TAB

export function skipBlank(bytes: Uint8Array, from: number, to = bytes.length): number {
  let i = from
  while (i < to && isBlank(bytes[i])) i++
  return i
}

/** The end of `bytes[from, to)` with trailing blanks removed. */
export function trimEnd(bytes: Uint8Array, from: number, to: number): number {
  let end = to
  while (end > from && isBlank(bytes[end - 1])) end--
  return end
}

/**
 * Scans `bytes` from `from` with `state`, which holds where the previous chunk left off. Returns the index
 * just past the end of the value (the value that started at depth 0, or the enclosing values when the
 * scan started deeper), or -1 when the bytes end first; `state` then continues into the next chunk.
 */
export function scan(bytes: Uint8Array, from: number, state: ScanState): number {
  let i = from
  if (state.inString) {
    i = stringEnd(bytes, i, state)
    if (i < 0 || state.depth === 0) return i
  } else if (state.inScalar) {
    return scalarEnd(bytes, i, state)
  } else if (state.depth === 0) {
    if (i >= bytes.length) return -1
    const first = bytes[i]
    if (first === QUOTE) {
      state.inString = true
      return stringEnd(bytes, i + 1, state)
    }
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
      state.inScalar = true
      return scalarEnd(bytes, i, state)
    }
  }
  let depth = state.depth
  const n = bytes.length
  while (i < n) {
    const byte = bytes[i]
    if (byte === QUOTE) {
      state.inString = true
      i = stringEnd(bytes, i + 1, state)
      if (i < 0) break
      continue
    }
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++
    else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--
      if (depth === 0) {
        state.depth = 0
        return i + 1
      }
    }
    i++
  }
  state.depth = depth
  return -1
}

/**
 * Finds the quote that closes the string the position is in and returns the index after it, or -1. The
 * native `indexOf` jumps over the string's contents; a quote counts only after an even run of backslashes.
 * No byte before `from` can escape one after it: `state.escaped` carries that one case across chunks.
 */
function stringEnd(bytes: Uint8Array, from: number, state: ScanState): number {
  let i = from
  if (state.escaped) {
    if (i >= bytes.length) return -1
    state.escaped = false
    i++
  }
  for (;;) {
    const quote = bytes.indexOf(QUOTE, i)
    const stop = quote < 0 ? bytes.length : quote
    let run = stop
    while (run > i && bytes[run - 1] === BACKSLASH) run--
    const escaped = (stop - run) % 2 === 1
    if (quote < 0) {
      state.escaped = escaped
      return -1
    }
    i = quote + 1
    if (!escaped) {
      state.inString = false
      return i
    }
  }
}

/** Finds where a number or literal at depth 0 ends: at the first blank or delimiter after it. */
function scalarEnd(bytes: Uint8Array, from: number, state: ScanState): number {
  const n = bytes.length
  for (let i = from; i < n; i++) {
    const byte = bytes[i]
    if (isBlank(byte) || byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      state.inScalar = false
      return i
    }
  }
  return -1
}
