/**
 * The search page's time window: the presets a URL names (`range=24h`), a custom window (`from`/`to`,
 * RFC 3339 with the browser's UTC offset, which the server requires), the conversion to and from the
 * `datetime-local` inputs, and the histogram interval that keeps `/events/count` well under its bucket limit.
 */

export const PRESETS = [
  { key: '15m', label: '15 min', long: 'the last 15 minutes', ms: 15 * 60_000 },
  { key: '1h', label: '1 h', long: 'the last hour', ms: 60 * 60_000 },
  { key: '24h', label: '24 h', long: 'the last 24 hours', ms: 24 * 60 * 60_000 },
  { key: '7d', label: '7 d', long: 'the last 7 days', ms: 7 * 24 * 60 * 60_000 },
  { key: '30d', label: '30 d', long: 'the last 30 days', ms: 30 * 24 * 60 * 60_000 },
] as const

export type PresetKey = (typeof PRESETS)[number]['key']
export const DEFAULT_RANGE: PresetKey = '24h'

export const presetOf = (key: string | null | undefined) => PRESETS.find((preset) => preset.key === key)

/** A window as the page holds it: a preset, or custom bounds (either may be open: to defaults to now). */
export type TimeChoice = { kind: 'preset'; key: PresetKey } | { kind: 'custom'; from?: string; to?: string }

export interface Window {
  from: string
  to: string
  ms: number
}

/** The instants a choice stands for now; a preset moves with the clock, a custom window does not. */
export function windowOf(choice: TimeChoice, now = Date.now()): Window {
  if (choice.kind === 'preset') {
    const ms = presetOf(choice.key)?.ms ?? 24 * 3_600_000
    return { from: new Date(now - ms).toISOString(), to: new Date(now).toISOString(), ms }
  }
  const toMs = choice.to ? Date.parse(choice.to) : now
  const fromMs = choice.from ? Date.parse(choice.from) : toMs - 24 * 3_600_000
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), ms: toMs - fromMs }
}

export type Interval = '1m' | '1h' | '1d'

/**
 * Per minute up to 6 hours (at most 361 bars), per hour up to 10 days (241), per day beyond: far below the
 * server's 10,000 buckets (api/events.ts BUCKETS_MAX) for any window shorter than 27 years.
 */
export function intervalFor(ms: number): Interval {
  if (ms <= 6 * 3_600_000) return '1m'
  if (ms <= 10 * 86_400_000) return '1h'
  return '1d'
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** `2026-11-28T13:05:00+01:00`: local wall time with the browser's offset. */
export function isoWithOffset(date: Date): string {
  const offset = -date.getTimezoneOffset()
  const sign = offset >= 0 ? '+' : '-'
  const abs = Math.abs(offset)
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  )
}

/** The value of a `datetime-local` input for an instant (local time, to the minute). */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}

/** A `datetime-local` value (local time) as RFC 3339 with the offset; undefined when empty or invalid. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : isoWithOffset(date)
}

/** How the window reads in a sentence: `the last 24 hours`, `from … to …`. */
export function describeChoice(choice: TimeChoice): string {
  if (choice.kind === 'preset') return presetOf(choice.key)?.long ?? ''
  const show = (iso: string) => new Date(iso).toLocaleString()
  if (choice.from && choice.to) return `${show(choice.from)} to ${show(choice.to)}`
  if (choice.from) return `since ${show(choice.from)}`
  if (choice.to) return `the 24 hours to ${show(choice.to)}`
  return 'the last 24 hours'
}
