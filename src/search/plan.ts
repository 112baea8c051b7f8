/**
 * A search request made ready to scan: the parsed query compiled once into the cheap tests a record
 * meets before its event is ever parsed, in the order they cost.
 *
 * 1. Time: `p_event_time` is the last member of every event the stamp writes, so it is read from the end
 *    of the record's bytes and compared as text, to the millisecond, against the window's bounds.
 * 2. Source and log type: the stamp's `"p_source_id":"…"` and classification's `"p_log_type":"…"` come
 *    after every field of the sender's, each followed by a member Inlet writes next (scan.ts).
 * 3. Needles: text every match must contain (`requiredNeedles`), searched for in a whole window at once.
 * 4. The predicate, on the parsed event, for what the needles cannot decide.
 */

import { latin1Slice } from '../schemas/json-bytes.ts'
import { compilePredicate, type Predicate } from './predicate.ts'
import { type Ast, isVerbatim, requiredNeedles } from './query.ts'

export interface SearchFilters {
  /** Inclusive bounds on p_event_time, ms since the epoch. */
  fromMs: number
  toMs: number
  sourceIds?: readonly string[]
  logType?: string
  query: Ast
}

export interface Needle {
  /** The needle as a regular expression over a window decoded as latin1 (bytes as chars). */
  pattern: RegExp
}

export interface Plan {
  filters: SearchFilters
  /** `YYYY-MM-DDTHH:MM:SS.mmm` of the bounds, as bytes, compared with the same prefix of p_event_time. */
  fromBound: Uint8Array
  toBound: Uint8Array
  /** `"p_source_id":"<id>"` for each source asked for, as bytes. */
  sourceMembers: Uint8Array[] | null
  logTypeMember: Uint8Array | null
  needles: Needle[]
  /** Null when the needles decide the match alone (a query of plain ASCII words). */
  predicate: Predicate | null
}

const encoder = new TextEncoder()

/**
 * The needle's UTF-8 bytes as one character each, as the scanner reads a window. Not TextDecoder's
 * 'latin1', which is windows-1252 by the Encoding Standard and turns bytes 0x80–0x9f (in `ß`, `€` and
 * most CJK text) into other characters, so such a needle never matched.
 */
const asLatin1 = (text: string) => {
  const bytes = encoder.encode(text)
  return latin1Slice.call(bytes, 0, bytes.length)
}

export function planSearch(filters: SearchFilters): Plan {
  // An empty needle says nothing, and would match at every byte of a window.
  const needles = requiredNeedles(filters.query)
    .filter(({ text }) => text !== '')
    .map(({ text, caseless }) => ({
      pattern: new RegExp(escapeRegExp(asLatin1(text)), caseless ? 'gi' : 'g'),
    }))
  const decidedByNeedles = isConjunctionOfVerbatimText(filters.query)
  return {
    filters,
    fromBound: encoder.encode(isoPrefix(filters.fromMs)),
    toBound: encoder.encode(isoPrefix(filters.toMs)),
    sourceMembers:
      filters.sourceIds?.map((id) => encoder.encode(`"p_source_id":${JSON.stringify(id)}`)) ?? null,
    logTypeMember:
      filters.logType === undefined
        ? null
        : encoder.encode(`"p_log_type":${JSON.stringify(filters.logType)}`),
    needles,
    predicate: decidedByNeedles || filters.query.kind === 'all' ? null : compilePredicate(filters.query),
  }
}

/**
 * Words and phrases ANDed together, each of printable ASCII that no JSON writer escapes: then each one's
 * needle is the whole word, and a record holding every needle is a match. A word with an escapable or
 * non-ASCII character has a needle of only part of it, or none (a phrase of `K`, the Kelvin sign), so
 * such a query still needs the predicate.
 */
function isConjunctionOfVerbatimText(ast: Ast): boolean {
  const terms = ast.kind === 'and' ? ast.operands : [ast]
  return terms.every((term) => term.kind === 'text' && isVerbatim(term.text))
}

const YEAR_0_MS = Date.parse('0000-01-01T00:00:00.000Z')
const YEAR_9999_END_MS = Date.parse('9999-12-31T23:59:59.999Z')

/** The first 23 characters of an ISO instant, for bounds within years 0000–9999 (others are clamped). */
function isoPrefix(ms: number): string {
  return new Date(Math.min(Math.max(ms, YEAR_0_MS), YEAR_9999_END_MS)).toISOString().slice(0, 23)
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
