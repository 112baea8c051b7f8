/**
 * The matcher of compiled timestamp patterns: the ops a strftime pattern or Go layout compiles to
 * (time-pattern.ts) and the loop that reads a value by them. It runs once per event field, so it reads the
 * value in place, comparing character codes, and stores what it reads by index in one module-wide array,
 * creating nothing. time.ts turns what a match leaves in `fields` into an instant.
 */

/** Powers of ten by exponent, looked up rather than computed while reading digits. */
export const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12]
const MONTHS = 'january february march april may june july august september october november december'
const WEEKDAYS = 'sunday monday tuesday wednesday thursday friday saturday'
/** Full and abbreviated names in pairs, so a month's number is its pair's. */
const MONTH_NAMES = MONTHS.split(' ').flatMap((m) => [m, m.slice(0, 3)])
const WEEKDAY_NAMES = WEEKDAYS.split(' ').flatMap((d) => [d, d.slice(0, 3)])
/** Zone abbreviations with an offset other than UTC's, and their offsets in minutes. */
const ZONE_NAMES = ['EST', 'EDT', 'CST', 'CDT', 'MST', 'MDT', 'PST', 'PDT']
const ZONE_OFFSETS = [-300, -240, -360, -300, -420, -360, -480, -420]

// The values one parse reads, by index. They live in one module-wide array because a parse runs to its end
// without yielding, and a typed array stores by index without creating anything.
export const YEAR = 0
export const MONTH = 1
export const DAY = 2
export const YDAY = 3
export const HOUR = 4
export const MINUTE = 5
export const SECOND = 6
export const NANOS = 7
export const PM = 8
export const OFFSET = 9
export const EPOCH = 10
export const NONE = -1
export const fields = new Float64Array(11)
/** Fields of which a pattern needs at least one to name a day. */
export const DATE_FIELDS = (1 << YEAR) | (1 << MONTH) | (1 << DAY) | (1 << YDAY) | (1 << EPOCH)

type OpKind =
  | 'number'
  | 'padded'
  | 'year2'
  | 'fraction'
  | 'dot-fraction'
  | 'optional-fraction'
  | 'zone'
  | 'optional-zone'
  | 'zone-name'
  | 'month-name'
  | 'weekday-name'
  | 'am-pm'
  | 'epoch'
  | 'whitespace'
  | 'spaces'
  | 'text'
  | 'date-time'

/** One element of a compiled pattern; every op has the same shape, so the matcher reads them all alike. */
export interface Op {
  kind: OpKind
  /** The field it sets, or NONE. */
  field: number
  /** Digits it reads, at least and at most. */
  min: number
  max: number
  /** The range of a number. */
  lo: number
  hi: number
  text: string
}

export function op(kind: OpKind, field = NONE, min = 0, max = 0, lo = 0, hi = 0, text = ''): Op {
  return { kind, field, min, max, lo, hi, text }
}

// Matching compares character codes (32 ' ', 43 '+', 44 ',', 45 '-', 46 '.', 48 '0', 58 ':', 65 'A', 84 'T',
// 90 'Z', 97 'a', 101 'e', 109 'm', 112 'p', 116 't', 122 'z'; `| 32` lowers a letter), creating no strings.

/** The character code at `i`, or -1 past the end, where `charCodeAt` gives NaN through a slow path. */
export function codeAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : -1
}

/** Whether `text` is at `i`; `startsWith` with a position is slower in JavaScriptCore. */
function textAt(s: string, i: number, text: string): boolean {
  for (let j = 0; j < text.length; j++) if (codeAt(s, i + j) !== text.charCodeAt(j)) return false
  return true
}

export function digitAt(s: string, i: number): number {
  const d = codeAt(s, i) - 48
  return d >= 0 && d <= 9 ? d : -1
}

function readNumber(s: string, i: number, o: Op): number {
  let v = 0
  let n = 0
  for (let d = digitAt(s, i); n < o.max && d >= 0; d = digitAt(s, i + ++n)) v = v * 10 + d
  if (n < o.min || v < o.lo || v > o.hi) return -1
  fields[o.field] = v
  return i + n
}

/** A fraction of a second of `min` to `max` digits; digits past the ninth are read and dropped. */
function readFraction(s: string, i: number, min: number, max: number): number {
  let v = 0
  let n = 0
  for (let d = digitAt(s, i); n < max && d >= 0; d = digitAt(s, i + ++n)) if (n < 9) v = v * 10 + d
  if (n < min) return -1
  fields[NANOS] = v * POW10[9 - Math.min(n, 9)]!
  return i + n
}

/** Whether a fraction starts at `i`: a `.` or `,` and a digit. */
function isFractionAt(s: string, i: number): boolean {
  const c = codeAt(s, i)
  return (c === 46 || c === 44) && digitAt(s, i + 1) >= 0
}

/** A zone `Z`, `±HH`, `±HHMM` or `±HH:MM`. */
function readZone(s: string, i: number): number {
  const c = codeAt(s, i)
  if (c === 90 || c === 122) return i + 1
  const h1 = digitAt(s, i + 1)
  const h2 = digitAt(s, i + 2)
  if ((c !== 43 && c !== 45) || h1 < 0 || h2 < 0 || h1 * 10 + h2 > 23) return -1
  let j = i + 3
  let minutes = 0
  const colon = codeAt(s, j) === 58 ? 1 : 0
  const m1 = digitAt(s, j + colon)
  const m2 = digitAt(s, j + colon + 1)
  if (m1 >= 0 && m2 >= 0) {
    minutes = m1 * 10 + m2
    if (minutes > 59) return -1
    j += colon + 2
  }
  fields[OFFSET] = (c === 45 ? -1 : 1) * ((h1 * 10 + h2) * 60 + minutes)
  return j
}

/** A zone abbreviation: Z, UTC or GMT (also `GMT±h`), a US zone, or any other three to five capitals as UTC. */
function readZoneName(s: string, i: number): number {
  let n = 0
  for (let c = codeAt(s, i); n < 6 && c >= 65 && c <= 90; c = codeAt(s, i + ++n));
  if (n === 1 && codeAt(s, i) === 90) return i + 1
  if (n < 3 || n > 5) return -1
  for (let k = 0; n === 3 && k < ZONE_NAMES.length; k++) {
    if (textAt(s, i, ZONE_NAMES[k]!)) fields[OFFSET] = ZONE_OFFSETS[k]!
  }
  const sign = codeAt(s, i + 3)
  if (n === 3 && (textAt(s, i, 'GMT') || textAt(s, i, 'UTC')) && (sign === 43 || sign === 45)) {
    const d1 = digitAt(s, i + 4)
    const d2 = digitAt(s, i + 5)
    const h = d2 >= 0 ? d1 * 10 + d2 : d1
    if (d1 < 0 || h > 23) return -1
    fields[OFFSET] = (sign === 45 ? -60 : 60) * h
    return i + (d2 >= 0 ? 6 : 5)
  }
  return i + n
}

/** A name from `names` in any case; a month's number goes to `field` (NONE for weekdays, only checked). */
function readName(s: string, i: number, names: readonly string[], field: number): number {
  let n = 0
  for (let c = codeAt(s, i) | 32; c >= 97 && c <= 122; c = codeAt(s, i + ++n) | 32);
  for (let k = 0; n > 0 && k < names.length; k++) {
    const word = names[k]!
    if (word.length !== n) continue
    let j = 0
    while (j < n && (s.charCodeAt(i + j) | 32) === word.charCodeAt(j)) j++
    if (j < n) continue
    if (field !== NONE) fields[field] = (k >> 1) + 1
    return i + n
  }
  return -1
}

function readAmPm(s: string, i: number): number {
  const c = codeAt(s, i) | 32
  if ((c !== 97 && c !== 112) || (codeAt(s, i + 1) | 32) !== 109) return -1
  fields[PM] = c === 112 ? 1 : 0
  return i + 2
}

function readEpoch(s: string, i: number): number {
  const sign = codeAt(s, i) === 45 ? -1 : 1
  const j = sign < 0 ? i + 1 : i
  let v = 0
  let n = 0
  for (let d = digitAt(s, j); n < 13 && d >= 0; d = digitAt(s, j + ++n)) v = v * 10 + d
  fields[EPOCH] = sign * v
  return n > 0 ? j + n : -1
}

function skipWhitespace(s: string, i: number): number {
  for (let c = codeAt(s, i); c === 32 || (c >= 9 && c <= 13); c = codeAt(s, ++i));
  return i
}

/** Reads one op at `i`: the index after what it read, or -1. */
function step(o: Op, s: string, i: number): number {
  switch (o.kind) {
    case 'number':
      return readNumber(s, i, o)
    case 'padded':
      return readNumber(s, codeAt(s, i) === 32 ? i + 1 : i, o)
    case 'year2':
      i = readNumber(s, i, o)
      fields[YEAR] = fields[YEAR]! + (fields[YEAR]! < 69 ? 2000 : 1900)
      return i
    case 'fraction':
      return readFraction(s, i, o.min, o.max)
    case 'dot-fraction':
      return isFractionAt(s, i) ? readFraction(s, i + 1, o.min, o.max) : -1
    case 'optional-fraction':
      return isFractionAt(s, i) ? readFraction(s, i + 1, 1, Number.POSITIVE_INFINITY) : i
    case 'zone':
      return readZone(s, i)
    case 'optional-zone':
      return i < s.length ? readZone(s, i) : i
    case 'zone-name':
      return readZoneName(s, i)
    case 'month-name':
      return readName(s, i, MONTH_NAMES, MONTH)
    case 'weekday-name':
      return readName(s, i, WEEKDAY_NAMES, NONE)
    case 'am-pm':
      return readAmPm(s, i)
    case 'epoch':
      return readEpoch(s, i)
    case 'whitespace':
      return skipWhitespace(s, i)
    case 'spaces': {
      const j = skipWhitespace(s, i)
      return j > i ? j : -1
    }
    case 'text':
      return textAt(s, i, o.text) ? i + o.text.length : -1
    case 'date-time': {
      const c = codeAt(s, i)
      return c === 84 || c === 116 || c === 32 ? i + 1 : -1
    }
  }
}

/** Whether `s` matches the ops to its end, leaving what it read in `fields`. */
export function matches(ops: readonly Op[], s: string): boolean {
  fields.fill(0)
  fields[MONTH] = fields[DAY] = 1
  fields[PM] = -1
  let i = 0
  for (let k = 0; k < ops.length && i >= 0; k++) i = step(ops[k]!, s, i)
  return i === s.length
}
