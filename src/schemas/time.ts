/**
 * Timestamp values of log schemas: parses a field's value by its `timeFormats` into an instant and formats
 * instants as stored. Formats follow Panther (https://docs.panther.com/data-onboarding/custom-log-types/reference#timestamps):
 * `rfc3339`, `unix`, `unix_ms`, `unix_us`, `unix_ns`, `cloudflare`, strftime patterns (any format holding `%`)
 * and Go reference layouts written `layout=<layout>`. Parsing runs once per event field, so each pattern is
 * compiled once into a list of ops that one loop reads the value by, in place; parsing a string allocates only
 * the result. The compilers are in time-pattern.ts and that loop in time-match.ts; this module holds the API,
 * the Unix and Cloudflare formats, and the calendar arithmetic that turns what a match read into an instant.
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
import {
  codeAt,
  DATE_FIELDS,
  DAY,
  digitAt,
  EPOCH,
  fields,
  HOUR,
  MINUTE,
  MONTH,
  matches,
  NANOS,
  OFFSET,
  PM,
  POW10,
  SECOND,
  YDAY,
  YEAR,
} from './time-match.ts'
import { compileGoLayout, compileStrftime, type Program, RFC3339 } from './time-pattern.ts'

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

/**
 * Writes what formatTimestamp returns as ASCII bytes at `at`, returning how many (24, or 30 with
 * nanoseconds); -1 for a year outside 0000–9999, which formatTimestamp spells with a sign. Classification
 * writes every timestamp field of every event, where building the string first costs more than the rest.
 * The calendar arithmetic is Howard Hinnant's civil_from_days (http://howardhinnant.github.io/date_algorithms.html).
 */
export function writeTimestamp(t: Timestamp, out: Uint8Array, at: number): number {
  const days = Math.floor(t.ms / 86_400_000)
  let msOfDay = t.ms - days * 86_400_000
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const dayOfEra = z - era * 146_097
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  )
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  if (year < 0 || year > 9999) return -1
  const hour = Math.floor(msOfDay / 3_600_000)
  msOfDay -= hour * 3_600_000
  const minute = Math.floor(msOfDay / 60_000)
  msOfDay -= minute * 60_000
  const second = Math.floor(msOfDay / 1000)
  const ms = msOfDay - second * 1000
  digits(out, at, year, 4)
  out[at + 4] = 0x2d
  digits(out, at + 5, month, 2)
  out[at + 7] = 0x2d
  digits(out, at + 8, day, 2)
  out[at + 10] = 0x54
  digits(out, at + 11, hour, 2)
  out[at + 13] = 0x3a
  digits(out, at + 14, minute, 2)
  out[at + 16] = 0x3a
  digits(out, at + 17, second, 2)
  out[at + 19] = 0x2e
  digits(out, at + 20, ms, 3)
  if (t.nanos === 0) {
    out[at + 23] = 0x5a
    return 24
  }
  digits(out, at + 23, t.nanos, 6)
  out[at + 29] = 0x5a
  return 30
}

function digits(out: Uint8Array, at: number, value: number, count: number): void {
  for (let i = at + count - 1; i >= at; i--, value = Math.floor(value / 10)) out[i] = 0x30 + (value % 10)
}
