/**
 * `inlet search [q]`: the stored events of a running server (`GET /events`, docs/reference.md), newest
 * first. Times may be relative (`-15m`) because that is how people ask ("the last hour"); they are turned
 * into RFC 3339 here, so the server sees one format. The server pages its answers; the command follows
 * `nextCursor` until it has `--limit` events, so the limit means what is printed, not one page's size.
 * `--all` follows it to the end, printing each page as it comes, and `--count` asks `GET /events/count`
 * for the total and a histogram instead.
 */

import { relativeTimeMs } from '../search/relative-time.ts'
import { type ApiClient, apiClient, isSourceId } from './client.ts'
import { parseFlags, UsageError } from './flags.ts'
import { SEARCH_HELP } from './help.ts'

const OPTIONS = {
  server: { type: 'string' },
  'data-dir': { type: 'string' },
  insecure: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  from: { type: 'string' },
  to: { type: 'string' },
  source: { type: 'string' },
  'log-type': { type: 'string' },
  limit: { type: 'string' },
  format: { type: 'string' },
  all: { type: 'boolean' },
  count: { type: 'boolean' },
  interval: { type: 'string' },
} as const

const FORMATS = ['table', 'json', 'ndjson'] as const
const LIMIT_DEFAULT = 50
/** The server's largest page, and so the largest limit one command may ask for. */
const LIMIT_MAX = 10_000
const INTERVALS = ['1m', '1h', '1d'] as const
/** How much of an event's summary a table shows when the terminal's width is unknown. */
const SUMMARY_CHARS_MAX = 160
const SUMMARY_CHARS_MIN = 20
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

export type Format = (typeof FORMATS)[number]
export type SearchEvent = Record<string, unknown>

interface SearchRequest {
  q?: string
  from?: string
  to?: string
  /** A label or an integrationId, as given. */
  source?: string
  logType?: string
  limit: number
  format: Format
  /** `page`: up to `limit` events; `all`: every event, streamed; `count`: the count and its buckets. */
  mode: 'page' | 'all' | 'count'
  interval?: string
}

/** The answer of `GET /events/count`. */
export interface CountAnswer {
  count: number
  interval: string
  buckets: { time: string; count: number }[]
  partial: boolean
}

/** What the command knows of where it prints: tables by default on a terminal, as wide as it is. */
export interface Terminal {
  isTty: boolean
  columns?: number
  /** Settles once what was printed has been taken, so that `--all` fetches no faster than it prints. */
  drained?: () => Promise<void>
}

export async function runSearch(
  argv: string[],
  env: Record<string, string | undefined>,
  out: (text: string) => void,
  terminal: Terminal,
  now: Date = new Date(),
) {
  const { values, positionals } = parseFlags(joinRelativeTimes(argv), OPTIONS, 'search')
  if (values.help) return out(SEARCH_HELP)
  const request = searchRequest(values, positionals, terminal.isTty, now)
  const client = apiClient(values, env)
  const query: Record<string, string> = {}
  if (request.q) query.q = request.q
  if (request.source !== undefined)
    query.sourceId = isSourceId(request.source)
      ? request.source
      : (await client.resolve(request.source)).integrationId
  if (request.logType !== undefined) query.logType = request.logType
  if (request.from !== undefined) query.from = request.from
  if (request.to !== undefined) query.to = request.to
  if (request.mode === 'all') {
    await streamEvents(client.call, query, async (events) => {
      out(render('ndjson', events, false))
      await terminal.drained?.()
    })
    return
  }
  if (request.mode === 'count') {
    const params = new URLSearchParams(query)
    if (request.interval !== undefined) params.set('interval', request.interval)
    const answer = (await client.call('GET', `/events/count?${params}`)) as CountAnswer
    if (typeof answer?.count !== 'number' || !Array.isArray(answer.buckets))
      throw new Error('GET /events/count: the answer has no count')
    return out(renderCount(request.format, answer))
  }
  const { events, more } = await collectEvents(client.call, query, request.limit)
  const text = render(request.format, events, more, terminal.isTty ? terminal.columns : undefined)
  if (text !== '') out(text)
}

/**
 * `--from -15m` reads as a flag followed by another flag to a strict parser. After `--from` or `--to`,
 * a dash and a digit begin a relative time (a mistyped one included, so that its error names the flag),
 * which is joined to the flag (`--from=-15m`), so the natural spelling works.
 */
export function joinRelativeTimes(argv: string[]): string[] {
  const joined: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const next = argv[i + 1]
    if ((arg === '--from' || arg === '--to') && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`)
      i++
    } else joined.push(arg)
  }
  return joined
}

/** The parsed flags as a request, every value checked; times are RFC 3339 from here on. */
function searchRequest(
  values: ReturnType<typeof parseFlags>['values'],
  positionals: string[],
  isTty: boolean,
  now: Date,
): SearchRequest {
  if (positionals.length > 1)
    throw new UsageError(
      `inlet search: unexpected argument ${JSON.stringify(positionals[1])} (quote the whole query)`,
    )
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined)
  const mode = values.count ? 'count' : values.all ? 'all' : 'page'
  const format =
    text('format') ?? (mode === 'all' ? 'ndjson' : mode === 'count' || isTty ? 'table' : 'ndjson')
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(
      `inlet search: --format expects table, json or ndjson, got ${JSON.stringify(format)}`,
    )
  checkMode(values, mode, format)
  const interval = text('interval')
  if (interval !== undefined && !(INTERVALS as readonly string[]).includes(interval))
    throw new UsageError(`inlet search: --interval expects 1m, 1h or 1d, got ${JSON.stringify(interval)}`)
  const from = optional(text('from'), (value) => parseTime(value, '--from', now))
  const to = optional(text('to'), (value) => parseTime(value, '--to', now))
  if (from !== undefined && to !== undefined && Date.parse(from) > Date.parse(to))
    throw new UsageError(`inlet search: --from (${from}) is after --to (${to})`)
  return {
    q: positionals[0],
    from,
    to,
    source: text('source'),
    logType: text('log-type'),
    limit: optional(text('limit'), parseLimit) ?? LIMIT_DEFAULT,
    format: format as Format,
    mode,
    interval,
  }
}

/** Flags that mean nothing in a mode are refused rather than ignored. */
function checkMode(
  values: ReturnType<typeof parseFlags>['values'],
  mode: SearchRequest['mode'],
  format: string,
) {
  if (values.all && values.count) throw new UsageError('inlet search: --all and --count do not go together')
  if (mode !== 'page' && values.limit !== undefined)
    throw new UsageError(`inlet search: --limit does not go with --${mode} (--all prints every event)`)
  if (mode !== 'count' && values.interval !== undefined)
    throw new UsageError('inlet search: --interval goes with --count')
  if (mode === 'all' && format !== 'ndjson')
    throw new UsageError('inlet search: --all prints ndjson, one event a line, as the pages arrive')
  if (mode === 'count' && format === 'ndjson')
    throw new UsageError('inlet search: --count prints a table or json (--format table|json)')
}

const optional = <T>(value: string | undefined, parse: (value: string) => T): T | undefined =>
  value === undefined ? undefined : parse(value)

/** `now`, a time relative to `now` (`-30s`, `-15m`, `-1h`, `-2d`, `-1w`), or RFC 3339; as RFC 3339. */
export function parseTime(text: string, flag: string, now: Date): string {
  const relative = relativeTimeMs(text, now.getTime())
  if (relative !== null) return new Date(relative).toISOString()
  // A date alone is midnight UTC, as the API reads it.
  if (DATE_ONLY.test(text) && !Number.isNaN(Date.parse(text))) return text
  const parts = RFC_3339.exec(text)
  // The fraction and offset are kept as given: p_event_time may be finer than a millisecond.
  const normalized = text.replace(/^(.{10})[t ]/, '$1T').replace(/z$/, 'Z')
  if (parts && inRange(parts) && !Number.isNaN(Date.parse(normalized))) return normalized
  throw new UsageError(
    `inlet search: ${flag} expects RFC 3339 (2024-05-01T12:00:00Z), a date (2024-05-01, midnight UTC), now, ` +
      'or a time ago such as -15m, -1h, ' +
      `-2d; got ${JSON.stringify(text)}`,
  )
}

/** Month, day, hour, minute and second within their ranges (a leap second allowed), which a Date would roll over. */
function inRange(parts: RegExpExecArray): boolean {
  const [month, day, hour, minute, second] = parts.slice(2, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ]
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60
}

function parseLimit(text: string): number {
  const limit = /^\d+$/.test(text) ? Number(text) : Number.NaN
  if (!(limit >= 1 && limit <= LIMIT_MAX))
    throw new UsageError(
      `inlet search: --limit expects a whole number from 1 to 10000, got ${JSON.stringify(text)}`,
    )
  return limit
}

/**
 * Pages through `GET /events` until `limit` events are in hand or the server has no next page; `more`
 * says a next page remained. Each request asks only for what is still missing.
 */
export async function collectEvents(
  call: ApiClient['call'],
  query: Record<string, string>,
  limit: number,
): Promise<{ events: SearchEvent[]; more: boolean }> {
  const events: SearchEvent[] = []
  let cursor: string | null = null
  do {
    const params = new URLSearchParams({
      ...query,
      limit: String(Math.min(limit - events.length, LIMIT_MAX)),
    })
    if (cursor !== null) params.set('cursor', cursor)
    const page = (await call('GET', `/events?${params}`)) as { results?: unknown; nextCursor?: unknown }
    if (!Array.isArray(page?.results)) throw new Error('GET /events: the answer has no results')
    events.push(...(page.results as SearchEvent[]).slice(0, limit - events.length))
    const next = typeof page.nextCursor === 'string' ? page.nextCursor : null
    // A cursor that does not move would page forever.
    if (next !== null && next === cursor) throw new Error('GET /events: the server repeated its cursor')
    cursor = next
  } while (cursor !== null && events.length < limit)
  return { events, more: cursor !== null }
}

/**
 * Pages through `GET /events` to the end, a whole page (the server's largest) at a time, handing each
 * page to `write` before asking for the next, so that only one page is held at once. Returns how many
 * events there were.
 */
export async function streamEvents(
  call: ApiClient['call'],
  query: Record<string, string>,
  write: (events: SearchEvent[]) => void | Promise<void>,
): Promise<number> {
  let total = 0
  let cursor: string | null = null
  do {
    const params = new URLSearchParams({ ...query, limit: String(LIMIT_MAX) })
    if (cursor !== null) params.set('cursor', cursor)
    const page = (await call('GET', `/events?${params}`)) as { results?: unknown; nextCursor?: unknown }
    if (!Array.isArray(page?.results)) throw new Error('GET /events: the answer has no results')
    const next = typeof page.nextCursor === 'string' ? page.nextCursor : null
    if (next !== null && next === cursor) throw new Error('GET /events: the server repeated its cursor')
    if (page.results.length > 0) await write(page.results as SearchEvent[])
    total += page.results.length
    cursor = next
  } while (cursor !== null)
  return total
}

/** A count as `--count` prints it: a `TIME COUNT` table under which the total stands, or the API's JSON. */
export function renderCount(format: Format, answer: CountAnswer): string {
  if (format === 'json') return JSON.stringify(answer, null, 2)
  const width = Math.max('TIME'.length, ...answer.buckets.map((bucket) => bucket.time.length))
  const lines = answer.buckets.map((bucket) => `${bucket.time.padEnd(width)}  ${bucket.count}`)
  const total = `${answer.count} ${answer.count === 1 ? 'event' : 'events'} (${answer.interval} buckets)`
  const partial = answer.partial ? ', partial: the scan ran out of time before the end of the range' : ''
  return [`${'TIME'.padEnd(width)}  COUNT`, ...lines, `${total}${partial}`].join('\n')
}

/** The events as the format asks; `width` is the terminal's, when printing to one. */
export function render(format: Format, events: SearchEvent[], more: boolean, width?: number): string {
  switch (format) {
    case 'json':
      return JSON.stringify({ results: events }, null, 2)
    case 'ndjson':
      return events.map((event) => JSON.stringify(event)).join('\n')
    case 'table':
      return table(events, more, width)
  }
}

/**
 * Aligned event time, source and log type, then the event's own fields on what is left of the line. Rows
 * come in the order the server stored the events (newest arrival first), which is not event-time order
 * when senders deliver late, so the footer says so; times are shown to the millisecond in UTC, one
 * precision for every row, whatever each event carried.
 */
function table(events: SearchEvent[], more: boolean, width?: number): string {
  const count = `${events.length} ${events.length === 1 ? 'event' : 'events'}`
  const order = events.length > 1 ? ', newest arrival first' : ''
  const footer = more ? `${count}${order} (more available: use --limit)` : `${count}${order}`
  if (events.length === 0) return footer
  const cell = (value: unknown) => (value == null || value === '' ? '-' : printable(String(value)))
  const rows = events.map((event) => [
    cell(eventTime(event.p_event_time)),
    cell(event.p_source_label),
    cell(event.p_log_type),
  ])
  const header = ['EVENT TIME', 'SOURCE', 'LOG TYPE']
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  )
  const lead = (row: string[]) => row.map((text, column) => text.padEnd(widths[column]!)).join('  ')
  const leadChars = widths.reduce((sum, columnWidth) => sum + columnWidth + 2, 0)
  const summaryChars =
    width === undefined ? SUMMARY_CHARS_MAX : Math.max(SUMMARY_CHARS_MIN, width - leadChars)
  const lines = rows.map((row, index) => `${lead(row)}  ${truncate(summary(events[index]!), summaryChars)}`)
  return [`${lead(header)}  EVENT`, ...lines.map((line) => line.trimEnd()), footer].join('\n')
}

/** An RFC 3339 time as UTC to the millisecond; anything else as it is. */
function eventTime(value: unknown): unknown {
  if (typeof value !== 'string') return value
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? value : new Date(ms).toISOString()
}

/** The event's own fields (not the p_ ones the server adds) as `key=value`, nested keys dotted. */
export function summary(event: SearchEvent): string {
  const pairs: string[] = []
  const visit = (value: unknown, path: string) => {
    if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.keys(value).length > 0
    ) {
      for (const [key, inner] of Object.entries(value)) visit(inner, path === '' ? key : `${path}.${key}`)
    } else pairs.push(`${path}=${scalar(value)}`)
  }
  for (const [key, value] of Object.entries(event)) if (!key.startsWith('p_')) visit(value, key)
  return printable(pairs.join(' '))
}

/** Plain words print bare; anything with spaces, quotes, `=` or control characters is quoted. */
const scalar = (value: unknown): string =>
  typeof value === 'string' && /^[^\s"=\p{C}]+$/u.test(value) ? value : JSON.stringify(value)

/** Control characters from event data are escaped, so they cannot move the cursor or recolour the terminal. */
const printable = (text: string): string =>
  text.replace(/\p{Cc}/gu, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)

const truncate = (text: string, chars: number): string =>
  text.length <= chars ? text : `${text.slice(0, chars - 1)}…`
