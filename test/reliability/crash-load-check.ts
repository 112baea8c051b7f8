/**
 * Checking the crash-under-load test's ledger against what a restarted server answers through
 * `GET /events`: every event of an acknowledged request exactly once and as sent, nothing of a refused
 * request, and each request cut by a kill all or nothing (and, once a restart has shown which, the same
 * after every later restart). Events are found by the id the senders gave them, `r<request>-e<i>`,
 * which names the request and the event's place in it.
 */
import type { RunningInlet } from '../e2e/server.ts'
import type { Ledger, SentRequest } from './crash-load-traffic.ts'

const PAGE_EVENTS_MAX = 10_000
/** Pages of one scan, at most: far more than the events a run can send, so a cursor loop cannot spin. */
const PAGES_MAX = 10_000
const EVENT_ID = /^r(\d+)-e(\d+)$/
const LINE_ID = /^(r\d+-e\d+) /

/** The search window: wide enough for every event the run sends, CloudWatch's sender-given times included. */
export interface Window {
  from: string
  to: string
}

/**
 * Stored events newest first, every page of the window. A page is fetched only once the previous one is
 * used up, so a caller that stops early reads no further.
 */
async function* storedEvents(inlet: RunningInlet, window: Window): AsyncGenerator<Record<string, unknown>> {
  let cursor: string | null = null
  for (let page = 0; page < PAGES_MAX; page++) {
    const query = new URLSearchParams({ ...window, limit: String(PAGE_EVENTS_MAX) })
    if (cursor !== null) query.set('cursor', cursor)
    const response = await fetch(`${inlet.url}/events?${query}`, { headers: { 'x-api-key': inlet.apiKey } })
    if (response.status !== 200) throw new Error(`GET /events: ${response.status} ${await response.text()}`)
    const body = (await response.json()) as { results: Record<string, unknown>[]; nextCursor: string | null }
    yield* body.results
    cursor = body.nextCursor
    if (cursor === null) return
  }
  throw new Error(`GET /events: still paging after ${PAGES_MAX} pages`)
}

/** The number of stored events in the window, of one source or all, by `GET /events/count`. */
export async function countStored(inlet: RunningInlet, window: Window, sourceId?: string): Promise<number> {
  const query = new URLSearchParams({ ...window, interval: '1d' })
  if (sourceId !== undefined) query.set('sourceId', sourceId)
  const response = await fetch(`${inlet.url}/events/count?${query}`, {
    headers: { 'x-api-key': inlet.apiKey },
  })
  if (response.status !== 200)
    throw new Error(`GET /events/count: ${response.status} ${await response.text()}`)
  const body = (await response.json()) as { count: number; partial: boolean }
  if (body.partial) throw new Error('GET /events/count: partial count')
  return body.count
}

const eventIdOf = (event: Record<string, unknown>): string | undefined =>
  typeof event.id === 'string'
    ? event.id
    : typeof event.message === 'string'
      ? LINE_ID.exec(event.message)?.[1]
      : undefined

/** The event as the sender wrote it: every member but the p_ fields Inlet adds. */
function withoutStamp(event: Record<string, unknown>): string {
  const own: Record<string, unknown> = {}
  for (const key in event) if (!key.startsWith('p_')) own[key] = event[key]
  return JSON.stringify(own)
}

/**
 * Reads stored events newest first and checks the requests `inScope` selects. With `olderStops`, the
 * scan ends at the first event of a request outside the scope: the events of one server's life are
 * stored after those of every earlier one, so the newest are the last cycle's. Failures go to the
 * ledger, each naming the request. Answers the number of acknowledged events found exactly once.
 */
export async function checkStored(
  inlet: RunningInlet,
  window: Window,
  ledger: Ledger,
  inScope: (sent: SentRequest) => boolean,
  olderStops: boolean,
): Promise<number> {
  const found = new Map<number, Uint16Array>()
  for await (const event of storedEvents(inlet, window)) {
    const id = eventIdOf(event)
    const match = id === undefined ? null : EVENT_ID.exec(id)
    const sent = match ? ledger.requests[Number(match[1])] : undefined
    const index = match ? Number(match[2]) : -1
    if (!sent || index >= sent.crcs.length) {
      ledger.failures.push(`an event no request sent: ${JSON.stringify(event).slice(0, 300)}`)
      continue
    }
    if (!inScope(sent)) {
      if (olderStops) break
      continue
    }
    const counts = found.get(sent.request) ?? new Uint16Array(sent.crcs.length)
    found.set(sent.request, counts)
    counts[index]!++
    if (event.p_source_id !== sent.source)
      ledger.failures.push(`${id}: stored under source ${event.p_source_id}`)
    const own = withoutStamp(event)
    if (Bun.hash.crc32(own) !== sent.crcs[index])
      ledger.failures.push(`${id}: not as sent, stored ${own.slice(0, 300)}`)
    const timeMs = sent.timesMs?.[index]
    if (timeMs !== undefined && event.p_event_time !== new Date(timeMs).toISOString()) {
      ledger.failures.push(
        `${id}: p_event_time ${event.p_event_time}, sent ${new Date(timeMs).toISOString()}`,
      )
    }
  }
  let ackedEvents = 0
  for (const sent of ledger.requests) {
    if (inScope(sent)) ackedEvents += judge(sent, found.get(sent.request), ledger.failures)
  }
  return ackedEvents
}

/** Checks one request against the counts of its events found; the number of acknowledged events verified. */
function judge(sent: SentRequest, counts: Uint16Array | undefined, failures: string[]): number {
  const total = sent.crcs.length
  let present = 0
  for (let i = 0; i < total; i++) {
    const count = counts?.[i] ?? 0
    if (count > 0) present++
    if (count > 1) failures.push(`r${sent.request}-e${i}: stored ${count} times (${sent.outcome})`)
  }
  const what = `r${sent.request} (${sent.outcome}${sent.status ? ` ${sent.status}` : ''}, cycle ${sent.cycle})`
  switch (sent.outcome) {
    case 'acked':
      if (present !== total) failures.push(`${what}: ${total - present} of ${total} events missing`)
      return present === total ? total : 0
    case 'refused':
      if (present !== 0) failures.push(`${what}: ${present} of ${total} events stored`)
      return 0
    case 'cut': {
      if (present !== 0 && present !== total) failures.push(`${what}: half-stored, ${present} of ${total}`)
      const stored = present === total
      if (sent.stored !== undefined && sent.stored !== stored) {
        failures.push(`${what}: was ${sent.stored ? 'stored' : 'absent'} after an earlier restart, now not`)
      }
      sent.stored ??= stored
      return 0
    }
    case 'pending':
      failures.push(`${what}: never finished`)
      return 0
  }
}

/** Events that must be stored, of one source or all: of acknowledged requests and of cut ones found stored. */
export function expectedCount(ledger: Ledger, sourceId?: string): number {
  let count = 0
  for (const sent of ledger.requests) {
    if (sourceId !== undefined && sent.source !== sourceId) continue
    if (sent.outcome === 'acked' || (sent.outcome === 'cut' && sent.stored)) count += sent.crcs.length
  }
  return count
}
