/**
 * How deep a JSON text nests, found without parsing it: one pass over the characters, skipping strings
 * (brackets inside them are data), no allocation. Used before anything recursive (JSON.stringify, a
 * validator walking the value) meets a text from outside, since a body of 100,000 nested arrays costs a
 * recursive reader far more than its size suggests. It does not validate: the parse that follows does.
 */

/**
 * The default of `[ingest] event_depth_max`. JSON.parse takes far deeper values, but every reader of a
 * stored event that walks it (search, classification, JSON.stringify) recurses, and a single event of
 * 30,000 nested arrays overflowed their stacks; no log event needs more than a few dozen levels.
 */
export const EVENT_DEPTH_MAX = 512

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d

/** The offset of the first `{` or `[` that opens level `depthMax + 1`, or -1 when none does. */
export function depthExceededAt(text: string, depthMax: number): number {
  let depth = 0
  const length = text.length
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      // To the closing quote: one that an odd run of backslashes does not escape.
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i)
        if (s === BACKSLASH) i++
        else if (s === QUOTE) break
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > depthMax) return i
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--
  }
  return -1
}
