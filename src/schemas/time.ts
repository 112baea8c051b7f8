/**
 * Timestamp values of log schemas: parses a field's value by its `timeFormats` into an instant and formats
 * instants as stored. Formats follow Panther (https://docs.panther.com/data-onboarding/custom-log-types/reference#timestamps):
 * `rfc3339`, `unix`, `unix_ms`, `unix_us`, `unix_ns`, `cloudflare`, strftime patterns (any format holding `%`)
 * and Go reference layouts written `layout=<layout>`. Parsing runs once per event field, so each pattern is
 * compiled once into a list of ops that one loop reads the value by, in place; parsing a string allocates only
 * the result.
 *
 * Decisions where Panther is silent or where the module must stay pure:
 * - Second 60 (a leap second) is read as second 59 with the fraction kept, so the instant stays in its minute.
 * - `rfc3339` also takes a space or `t` for `T`, `z` for `Z`, `±HHMM`, `±HH` or no zone at all (UTC), one-digit
 *   fields, and fractions longer than nine digits (cut to nanoseconds, as Go does).
 * - strftime literals match exactly, spaces included; `%n` and `%t` match any run of white space, as in
 *   strptime. Go layouts treat a run of spaces as matching one or more spaces, as Go does.
 * - A pattern without a year takes the current UTC year from `options.now`, or the year before when that would
 *   put the instant more than a day in the future (a December line read in January).
 * - Zone abbreviations: UTC, GMT (also `GMT+h`), Z and the US zones have their offsets; any other run of three
 *   to five capitals is read as UTC, as Go does for abbreviations it does not know.
 * - `cloudflare` reads strings as RFC 3339, and numbers (or numeric strings) as seconds below 60,000,000,000 and
 *   as nanoseconds from there on, Panther's own threshold.
 * - Unix values keep every digit down to the nanosecond because the digits are read as text. A JSON number
 *   beyond 2^53 has already lost digits when parsed, so callers wanting exact `unix_ns` pass the number's text.
 */

/** An instant: whole milliseconds since the Unix epoch plus the sub-millisecond remainder in nanoseconds (0..999_999). */
export interface Timestamp {
  ms: number
  nanos: number
}

/** Parses a value (a JSON string or number) by the formats in order; null when none parses it. */
export type TimeParser = (value: string | number) => Timestamp | null

export interface TimeFormatOptions {
  /** The current time in epoch milliseconds, for patterns without a year; `Date.now` by default. */
  now?: () => number
}

const DAY_MS = 86_400_000
/** The widest instant a JavaScript Date holds, so every parsed instant can be formatted. */
const MS_MAX = 8.64e15
/** Cloudflare numbers at or above this many seconds (year 3871) are nanoseconds. */
const CLOUDFLARE_SECONDS_MAX = 60_000_000_000
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12]
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
const YEAR = 0
const MONTH = 1
const DAY = 2
const YDAY = 3
const HOUR = 4
const MINUTE = 5
const SECOND = 6
const NANOS = 7
const PM = 8
const OFFSET = 9
const EPOCH = 10
const NONE = -1
const fields = new Float64Array(11)
/** Fields of which a pattern needs at least one to name a day. */
const DATE_FIELDS = (1 << YEAR) | (1 << MONTH) | (1 << DAY) | (1 << YDAY) | (1 << EPOCH)

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
interface Op {
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

function op(kind: OpKind, field = NONE, min = 0, max = 0, lo = 0, hi = 0, text = ''): Op {
  return { kind, field, min, max, lo, hi, text }
}

interface Program {
  ops: Op[]
  /** Bit `1 << field` for each field the pattern sets. */
  has: number
}

// Matching compares character codes (32 ' ', 43 '+', 44 ',', 45 '-', 46 '.', 48 '0', 58 ':', 65 'A', 84 'T',
// 90 'Z', 97 'a', 101 'e', 109 'm', 112 'p', 116 't', 122 'z'; `| 32` lowers a letter), creating no strings.

/** The character code at `i`, or -1 past the end, where `charCodeAt` gives NaN through a slow path. */
function codeAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : -1
}

/** Whether `text` is at `i`; `startsWith` with a position is slower in JavaScriptCore. */
function textAt(s: string, i: number, text: string): boolean {
  for (let j = 0; j < text.length; j++) if (codeAt(s, i + j) !== text.charCodeAt(j)) return false
  return true
}

function digitAt(s: string, i: number): number {
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
function matches(ops: readonly Op[], s: string): boolean {
  fields.fill(0)
  fields[MONTH] = fields[DAY] = 1
  fields[PM] = -1
  let i = 0
  for (let k = 0; k < ops.length && i >= 0; k++) i = step(ops[k]!, s, i)
  return i === s.length
}

const YEAR4 = op('number', YEAR, 4, 4, 0, 9999)
const MONTH_NAME = op('month-name', MONTH)
const WEEKDAY_NAME = op('weekday-name')
const WHITESPACE = op('whitespace')
const OPTIONAL_FRACTION = op('optional-fraction', NANOS)

/** strftime directives: what each reads, or the pattern a shorthand stands for. */
const STRFTIME = new Map<string, Op | string>(
  Object.entries({
    Y: YEAR4,
    y: op('year2', YEAR, 2, 2, 0, 99),
    m: op('number', MONTH, 1, 2, 1, 12),
    b: MONTH_NAME,
    B: MONTH_NAME,
    h: MONTH_NAME,
    d: op('number', DAY, 1, 2, 1, 31),
    e: op('padded', DAY, 1, 2, 1, 31),
    j: op('number', YDAY, 1, 3, 1, 366),
    a: WEEKDAY_NAME,
    A: WEEKDAY_NAME,
    H: op('number', HOUR, 1, 2, 0, 23),
    I: op('number', HOUR, 1, 2, 0, 12),
    p: op('am-pm', PM),
    M: op('number', MINUTE, 1, 2, 0, 59),
    S: op('number', SECOND, 1, 2, 0, 60),
    f: op('fraction', NANOS, 1, 9),
    L: op('fraction', NANOS, 3, 3),
    z: op('zone', OFFSET),
    Z: op('zone-name', OFFSET),
    s: op('epoch', EPOCH),
    n: WHITESPACE,
    t: WHITESPACE,
    T: '%H:%M:%S',
    D: '%m/%d/%y',
    F: '%Y-%m-%d',
    R: '%H:%M',
  }),
)

/**
 * Go layout elements and the directives that read them, longest first where one begins another. Go's
 * two-digit elements (01, 02...) also take one digit, and its numeric zones take any numeric form or Z.
 */
const GO_ELEMENTS = (
  'January=B Jan=b Monday=A Mon=a MST=Z 2006=Y 002=j 01=m 02=d 03=I 04=M 05=S 06=y 15=H 1=m 2=d _2=e 3=I ' +
  '4=M 5=S PM=p pm=p Z07:00=z Z0700=z Z07=z -07:00=z -0700=z -07=z'
)
  .split(' ')
  .map((entry) => entry.split('=') as [string, string])

function add(program: Program, o: Op): void {
  program.ops.push(o)
  if (o.field !== NONE) program.has |= 1 << o.field
}

function compileStrftime(pattern: string, program: Program = { ops: [], has: 0 }): Program {
  let text = ''
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '%' || pattern[i + 1] === '%') {
      text += pattern[i]
      if (pattern[i] === '%') i++
      continue
    }
    const directive = pattern[++i]
    const element = directive === undefined ? undefined : STRFTIME.get(directive)
    if (element === undefined) {
      throw new Error(
        directive === undefined ? 'pattern ends with a lone %' : `unknown directive %${directive}`,
      )
    }
    if (text) add(program, op('text', NONE, 0, 0, 0, 0, text))
    text = ''
    if (typeof element === 'string') compileStrftime(element, program)
    else add(program, element)
  }
  if (text) add(program, op('text', NONE, 0, 0, 0, 0, text))
  return program
}

/** The length of a Go fraction element (`.000`, `.999`, `,000`...) at `i`, or 0 when there is none. */
function goFractionAt(layout: string, i: number): number {
  const c = layout[i + 1]
  if ((layout[i] !== '.' && layout[i] !== ',') || (c !== '0' && c !== '9')) return 0
  let j = i + 1
  while (layout[j] === c) j++
  return digitAt(layout, j) < 0 ? j - i : 0
}

function compileGoLayout(layout: string): Program {
  const program: Program = { ops: [], has: 0 }
  let text = ''
  const flush = () => {
    for (const part of text.split(/( +)/)) {
      if (part) add(program, part[0] === ' ' ? op('spaces') : op('text', NONE, 0, 0, 0, 0, part))
    }
    text = ''
  }
  for (let i = 0; i < layout.length; ) {
    const fraction = goFractionAt(layout, i)
    // `_2006` is an underscore before the year, not `_2` (day) before `006`.
    const element = layout.startsWith('_2006', i)
      ? undefined
      : GO_ELEMENTS.find(([e]) => layout.startsWith(e, i))
    if (fraction) {
      flush()
      const digits = fraction - 1
      add(program, layout[i + 1] === '9' ? OPTIONAL_FRACTION : op('dot-fraction', NANOS, digits, digits))
      i += fraction
    } else if (element) {
      flush()
      add(program, STRFTIME.get(element[1]) as Op)
      i += element[0].length
      // Go reads a fraction after the seconds even when the layout names none.
      if (element[1] === 'S' && !goFractionAt(layout, i)) add(program, OPTIONAL_FRACTION)
    } else text += layout[i++]
  }
  flush()
  return program
}

const RFC3339: Program = compileStrftime('%Y-%m-%d')
add(RFC3339, op('date-time'))
compileStrftime('%H:%M:%S', RFC3339)
add(RFC3339, OPTIONAL_FRACTION)
add(RFC3339, op('optional-zone', OFFSET))

function daysFromCivil(year: number, month: number, day: number): number {
  // Proleptic Gregorian day count (H. Hinnant's algorithm); Date.UTC would read years 0-99 as 1900-1999.
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
}

function instant(ms: number, nanos: number): Timestamp | null {
  const whole = ms + Math.floor(nanos / 1e6)
  return Math.abs(whole) <= MS_MAX ? { ms: whole, nanos: nanos % 1e6 } : null
}

function onDate(year: number, has: number, clockMs: number): Timestamp | null {
  const month = fields[MONTH]!
  let days: number
  if (has & (1 << YDAY) && !(has & (1 << MONTH))) {
    if (fields[YDAY]! > (isLeap(year) ? 366 : 365)) return null
    days = daysFromCivil(year, 1, 1) + fields[YDAY]! - 1
  } else {
    if (fields[DAY]! > (month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!)) return null
    days = daysFromCivil(year, month, fields[DAY]!)
  }
  return instant(days * DAY_MS + clockMs, fields[NANOS]!)
}

/** The instant of what `matches` read. */
function toTimestamp(has: number, now: () => number): Timestamp | null {
  if (has & (1 << EPOCH)) return instant(fields[EPOCH]! * 1000, fields[NANOS]!)
  let hour = fields[HOUR]!
  if (fields[PM] === 1 && hour < 12) hour += 12
  else if (fields[PM] === 0 && hour === 12) hour = 0
  const clockMs =
    (hour * 60 + fields[MINUTE]! - fields[OFFSET]!) * 60_000 + Math.min(fields[SECOND]!, 59) * 1000
  if (has & (1 << YEAR)) return onDate(fields[YEAR]!, has, clockMs)
  const nowMs = now()
  const year = new Date(nowMs).getUTCFullYear()
  const t = onDate(year, has, clockMs)
  return t !== null && t.ms > nowMs + DAY_MS ? onDate(year - 1, has, clockMs) : t
}

function patternParser({ ops, has }: Program, now: () => number): TimeParser {
  return (value) => {
    if (typeof value !== 'string' && !Number.isSafeInteger(value)) return null
    return matches(ops, typeof value === 'string' ? value : String(value)) ? toTimestamp(has, now) : null
  }
}

/** Reads a decimal number (sign, fraction and exponent allowed) scaled by 10^-unitExp seconds, digit by digit. */
function unixText(s: string, unitExp: number): Timestamp | null {
  const neg = codeAt(s, 0) === 45
  const start = neg || codeAt(s, 0) === 43 ? 1 : 0
  let i = start
  let digits = 0
  let intDigits = -1
  for (let c = codeAt(s, i); (c >= 48 && c <= 57) || (c === 46 && intDigits < 0); c = codeAt(s, ++i)) {
    if (c === 46) intDigits = digits
    else digits++
  }
  const end = i
  let exp = 0
  if ((codeAt(s, i) | 32) === 101) {
    const expNeg = s[++i] === '-'
    if (expNeg || s[i] === '+') i++
    const expStart = i
    for (; i - expStart < 4 && digitAt(s, i) >= 0; i++) exp = exp * 10 + digitAt(s, i)
    if (i === expStart) return null
    if (expNeg) exp = -exp
  }
  if (digits === 0 || i !== s.length) return null
  // The power of ten, in seconds, of each digit in turn.
  let power = (intDigits < 0 ? digits : intDigits) - 1 + exp - unitExp
  let seconds = 0
  let nanos = 0
  for (let k = start; k < end; k++) {
    // Between start and end are only digits and at most one '.', which this skips.
    const d = s.charCodeAt(k) - 48
    if (d < 0) continue
    // A digit worth 10^13 seconds or more is past any instant a Date holds.
    if (power > 12 && d > 0) return null
    if (power >= 0 && power <= 12) seconds += d * POW10[power]!
    else if (power < 0 && power >= -9) nanos += d * POW10[9 + power]!
    power--
  }
  if (!neg || (seconds === 0 && nanos === 0)) return instant(seconds * 1000, nanos)
  const rest = nanos % 1e6
  return instant(-seconds * 1000 - Math.floor(nanos / 1e6) - (rest ? 1 : 0), rest ? 1e6 - rest : 0)
}

function unix(value: string | number, unitExp: number): Timestamp | null {
  if (typeof value === 'string') return unixText(value, unitExp)
  if (!Number.isSafeInteger(value)) return Number.isFinite(value) ? unixText(String(value), unitExp) : null
  if (unitExp === 0) return instant(value * 1000, 0)
  const perMs = POW10[unitExp - 3]!
  const ms = Math.floor(value / perMs)
  // The division is rounded; exact integer arithmetic settles the remainder.
  const rest = value - ms * perMs
  const fix = rest < 0 ? -1 : rest >= perMs ? 1 : 0
  return instant(ms + fix, (rest - fix * perMs) * (1e6 / perMs))
}

const parseRfc3339 = patternParser(RFC3339, Date.now)

function cloudflare(value: string | number): Timestamp | null {
  const text = typeof value === 'string' ? parseRfc3339(value) : null
  if (text !== null) return text
  const seconds = unix(value, 0)
  if (seconds !== null && Math.abs(seconds.ms) < CLOUDFLARE_SECONDS_MAX * 1000) return seconds
  return unix(value, 9)
}

const UNIX_EXPONENTS = new Map(Object.entries({ unix: 0, unix_ms: 3, unix_us: 6, unix_ns: 9 }))

function compileFormat(format: string, now: () => number): TimeParser {
  if (format === 'rfc3339') return parseRfc3339
  if (format === 'cloudflare') return cloudflare
  const unitExp = UNIX_EXPONENTS.get(format)
  if (unitExp !== undefined) return (value) => unix(value, unitExp)
  let program: Program
  if (format.startsWith('layout=')) program = compileGoLayout(format.slice('layout='.length))
  else if (format.includes('%')) program = compileStrftime(format)
  else {
    throw new Error(
      'unknown format: use rfc3339, unix, unix_ms, unix_us, unix_ns, cloudflare, a strftime pattern or layout=<Go layout>',
    )
  }
  if (!(program.has & DATE_FIELDS)) {
    throw new Error('the pattern has no date part (year, month, day, day of year or epoch seconds)')
  }
  return patternParser(program, now)
}

/** Compiles a list of formats once (a hot path: called per event field). Throws Error naming the bad format when one is invalid. */
export function compileTimeFormats(formats: readonly string[], options: TimeFormatOptions = {}): TimeParser {
  const now = options.now ?? Date.now
  if (formats.length === 0) throw new Error('a timestamp needs at least one time format')
  const parsers = formats.map((format) => {
    try {
      return compileFormat(format, now)
    } catch (error) {
      throw new Error(`invalid time format ${JSON.stringify(format)}: ${(error as Error).message}`)
    }
  })
  if (parsers.length === 1) return parsers[0]!
  return (value) => {
    for (let k = 0; k < parsers.length; k++) {
      const t = parsers[k]!(value)
      if (t !== null) return t
    }
    return null
  }
}

/** Null when the format is usable, else a message saying what is wrong (used by schema validation). */
export function checkTimeFormat(format: string): string | null {
  try {
    compileFormat(format, Date.now)
    return null
  } catch (error) {
    return (error as Error).message
  }
}

/** RFC 3339 in UTC: 'YYYY-MM-DDTHH:MM:SS.mmmZ' (always 3 fraction digits), or 9 fraction digits when nanos !== 0. */
export function formatTimestamp(t: Timestamp): string {
  const iso = new Date(t.ms).toISOString()
  return t.nanos === 0 ? iso : `${iso.slice(0, -1)}${String(t.nanos).padStart(6, '0')}Z`
}
