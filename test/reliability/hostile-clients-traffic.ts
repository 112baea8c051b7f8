/**
 * Hostile HTTP clients and a well-behaved one, shared by hostile-clients.test.ts and bench/hostile.ts.
 * Each hostile kind keeps a number of connections (slots) misbehaving until told to stop, opening a new
 * one when the server closes one, and tallies what the server did: who closed each connection and after
 * how long, and the statuses it answered. Every event any client sends carries `tag` (its kind) and a
 * unique `id`, so what the server stored of each kind can be read back through `GET /events`.
 */
import { spawnSync } from 'node:child_process'
import { dial, responses, type Stop, type Wire } from './hostile-clients-wire.ts'

export interface Target {
  url: string
  port: number
  apiKey: string
  /** A source with authMethod None that every client posts to. */
  sourceId: string
}

export const HOSTILE_KINDS = [
  'slow-head',
  'slow-body',
  'idle',
  'long-length-wait',
  'long-length-close',
  'short-length',
  'short-length-mid',
  'cut',
  'pipeline',
] as const
export type HostileKind = (typeof HOSTILE_KINDS)[number]

/** What the bytes a `short-length` client sends past its declared body are tagged. */
export const EXTRA_TAG = 'short-length-extra'

export interface Tally {
  kind: HostileKind
  connections: number
  /** The most connections of this kind open at once. */
  openPeak: number
  connectFailures: number
  closedByServer: number
  /** For each connection the server closed: milliseconds from its dial (`Wire.lifeMs`). */
  serverCloseMs: number[]
  /** Responses received, by status. */
  statuses: Record<string, number>
  /** Ids of the events of requests that were complete and valid as sent: these may be stored. */
  complete: string[]
  /** Ids of the events the server acknowledged with 200. */
  acked: string[]
  /** Answers that break the protocol (a pipelined response missing or out of order). */
  problems: string[]
}

export interface SlotPlan {
  slots: number
  /** Pause before a slot opens its next connection. */
  pauseMs: number
  /** Delay between the slots' first connections, so that a thousand do not open in one burst. */
  staggerMs: number
}

/** The slots of each kind: enough to matter, few enough that two cores also serve the normal client. */
export const hostilePlans = (idleConnections: number): Record<HostileKind, SlotPlan> => ({
  'slow-head': { slots: 50, pauseMs: 0, staggerMs: 20 },
  'slow-body': { slots: 20, pauseMs: 0, staggerMs: 50 },
  // Waves of idle connections, all open at once, each left open until the server closes it.
  idle: { slots: idleConnections, pauseMs: 3000, staggerMs: 0.3 },
  'long-length-wait': { slots: 5, pauseMs: 0, staggerMs: 200 },
  'long-length-close': { slots: 5, pauseMs: 100, staggerMs: 100 },
  'short-length': { slots: 2, pauseMs: 100, staggerMs: 50 },
  'short-length-mid': { slots: 2, pauseMs: 100, staggerMs: 50 },
  cut: { slots: 5, pauseMs: 50, staggerMs: 20 },
  pipeline: { slots: 2, pauseMs: 100, staggerMs: 50 },
})

/** Numbers each hostile request, so that ids stay unique over every run in one process. */
let serial = 0

/** How long a dripping client waits between bytes. */
const DRIP_MS = 200

const event = (tag: string, id: string) => JSON.stringify({ tag, id, note: 'x'.repeat(40) })

/** Runs `kind` on `plan.slots` connections at a time until `stop`; resolves once every one is closed. */
export async function runHostile(
  kind: HostileKind,
  target: Target,
  plan: SlotPlan,
  stop: Stop,
): Promise<Tally> {
  const tally: Tally = {
    kind,
    connections: 0,
    openPeak: 0,
    connectFailures: 0,
    closedByServer: 0,
    serverCloseMs: [],
    statuses: {},
    complete: [],
    acked: [],
    problems: [],
  }
  let open = 0
  const slot = async (index: number) => {
    await stop.sleep(index * plan.staggerMs)
    while (!stop.stopped) {
      const wire = await dial(target.port)
      if (wire === null) {
        tally.connectFailures++
      } else {
        tally.connections++
        tally.openPeak = Math.max(tally.openPeak, ++open)
        await BEHAVIOURS[kind](wire, target, tally, `${kind}-${serial++}`, stop)
        await stop.until(wire.closed)
        wire.drop()
        await wire.closed
        open--
        record(tally, wire)
      }
      await stop.sleep(plan.pauseMs)
    }
  }
  await Promise.all(Array.from({ length: plan.slots }, (_, index) => slot(index)))
  return tally
}

function record(tally: Tally, wire: Wire): void {
  if (!wire.byClient) {
    tally.closedByServer++
    tally.serverCloseMs.push(wire.lifeMs)
  }
  for (const { status } of responses(wire.text)) {
    tally.statuses[status] = (tally.statuses[status] ?? 0) + 1
  }
}

type Behaviour = (wire: Wire, target: Target, tally: Tally, id: string, stop: Stop) => Promise<void>

const head = (target: Target, contentLength: number) =>
  `POST /http/${target.sourceId} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/x-ndjson\r\n` +
  `content-length: ${contentLength}\r\n\r\n`

/** Writes `bytes` one at a time, DRIP_MS apart, until all are sent, the socket closes or `stop`. */
async function drip(wire: Wire, bytes: string, stop: Stop): Promise<void> {
  for (let i = 0; i < bytes.length && !wire.isClosed && !stop.stopped; i++) {
    wire.socket.write(bytes[i]!)
    await stop.sleep(DRIP_MS, wire.closed)
  }
}

/** Endless-looking header lines (8 KiB, under the header limit): at one byte per DRIP_MS, never done. */
const SLOW_HEADERS = Array.from({ length: 400 }, (_, i) => `x-slow-${i}: a\r\n`).join('')

const BEHAVIOURS: Record<HostileKind, Behaviour> = {
  /** Slowloris on the head: a request line, then header bytes dripped one by one. */
  'slow-head': async (wire, target, _tally, _id, stop) => {
    wire.socket.write(`POST /http/${target.sourceId} HTTP/1.1\r\nhost: 127.0.0.1\r\n`)
    await drip(wire, SLOW_HEADERS, stop)
  },
  /** Slowloris on the body: a complete head, then a valid body dripped far slower than any timeout. */
  'slow-body': async (wire, target, _tally, id, stop) => {
    const body = Array.from({ length: 8 }, (_, i) => event('slow-body', `${id}-${i}`)).join('\n')
    wire.socket.write(head(target, body.length))
    await drip(wire, body, stop)
  },
  /** Opens a connection and sends nothing. */
  idle: async () => {},
  /** Declares more body than it sends, then waits. */
  'long-length-wait': async (wire, target, _tally, id) => {
    const body = event('long-length-wait', id)
    wire.socket.write(head(target, body.length + 64) + body)
  },
  /** Declares more body than it sends, then ends its side of the connection. */
  'long-length-close': async (wire, target, _tally, id, stop) => {
    const body = event('long-length-close', id)
    wire.socket.write(head(target, body.length + 64) + body)
    await stop.sleep(100, wire.closed)
    wire.socket.end()
  },
  /**
   * Declares less body than it sends, cut at an event's end: the declared part is a complete, valid
   * request; what follows is read as the next request, which is no HTTP.
   */
  'short-length': async (wire, target, tally, id) => {
    const body = event('short-length', id)
    tally.complete.push(id)
    wire.socket.write(`${head(target, body.length)}${body}\n${event(EXTRA_TAG, id)}\n`)
    const [answered] = await answers(wire, [1])
    if (answered) tally.acked.push(id)
  },
  /** Declares less body than it sends, cut inside the event: the declared body is no valid JSON. */
  'short-length-mid': async (wire, target, _tally, id) => {
    const body = event('short-length-mid', id)
    wire.socket.write(`${head(target, body.length - 9)}${body}\n${event(EXTRA_TAG, id)}\n`)
  },
  /** Sends part of a declared body and disconnects. */
  cut: async (wire, target, _tally, id, stop) => {
    const body = Array.from({ length: 200 }, (_, i) => event('cut', `${id}-${i}`)).join('\n')
    await new Promise<void>((resolve) =>
      wire.socket.write(head(target, body.length) + body.slice(0, 4000), () => resolve()),
    )
    await stop.sleep(20, wire.closed)
    wire.drop()
  },
  /** Five POSTs of 1..5 events written back to back: each must be answered 200, in order. */
  pipeline: async (wire, target, tally, id) => {
    const ids = [1, 2, 3, 4, 5].map((n) => Array.from({ length: n }, (_, i) => `${id}-${n}-${i}`))
    const bodies = ids.map((list) => list.map((each) => event('pipeline', each)).join('\n'))
    wire.socket.write(bodies.map((body) => head(target, body.length) + body).join(''))
    for (const list of ids) tally.complete.push(...list)
    const answered = await answers(wire, [1, 2, 3, 4, 5])
    answered.forEach((ok, i) => {
      if (ok) tally.acked.push(...ids[i]!)
    })
    if (!answered.every(Boolean)) {
      tally.problems.push(`pipelined answers: ${JSON.stringify(responses(wire.text).map((r) => r.status))}`)
    }
    wire.drop()
  },
}

/**
 * Waits for one response per expected `accepted` count (or the close); for each, whether it was
 * answered `200 {"accepted": n}` in its place.
 */
async function answers(wire: Wire, accepted: number[]): Promise<boolean[]> {
  await wire.until((text) => responses(text).length >= accepted.length)
  const got = responses(wire.text)
  return accepted.map((n, i) => got[i]?.status === 200 && JSON.parse(got[i]!.body).accepted === n)
}

export interface NormalResult {
  /** Each request's latency, with when it was sent (ms since the run began). */
  samples: { atMs: number; ms: number }[]
  /** Ids of the events acknowledged with 200. */
  acked: string[]
  /** Requests not answered `200 {"accepted": n}`: status or error, and the body. */
  failures: string[]
}

/**
 * The well-behaved client: small NDJSON POSTs through fetch (keep-alive), one at a time, one every
 * `intervalMs` (or back to back when a request takes longer), until `stop`.
 */
export async function runNormal(
  target: Target,
  stop: Stop,
  options: { intervalMs: number; eventsPerRequest: number; idPrefix: string },
): Promise<NormalResult> {
  const result: NormalResult = { samples: [], acked: [], failures: [] }
  const began = performance.now()
  for (let request = 0; !stop.stopped; request++) {
    const ids = Array.from(
      { length: options.eventsPerRequest },
      (_, i) => `${options.idPrefix}${request}-${i}`,
    )
    const sentAt = performance.now()
    try {
      const response = await fetch(`${target.url}/http/${target.sourceId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: ids.map((id) => event('normal', id)).join('\n'),
        signal: AbortSignal.timeout(30_000),
      })
      const text = await response.text()
      const ms = performance.now() - sentAt
      result.samples.push({ atMs: sentAt - began, ms })
      if (response.status === 200 && JSON.parse(text).accepted === ids.length) result.acked.push(...ids)
      else result.failures.push(`request ${request}: ${response.status} ${text.slice(0, 300)}`)
    } catch (error) {
      result.failures.push(`request ${request}: ${String(error)}`)
    }
    await stop.sleep(options.intervalMs - (performance.now() - sentAt))
  }
  return result
}

/** Creates the source every client posts to: authMethod None, stream type Auto. */
export async function createTarget(url: string, apiKey: string): Promise<Target> {
  const response = await fetch(`${url}/log-sources/http`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ integrationLabel: `hostile-${Date.now()}`, authMethod: 'None' }),
  })
  if (response.status !== 201) throw new Error(`create source: ${response.status} ${await response.text()}`)
  const { integrationId } = (await response.json()) as { integrationId: string }
  return { url, port: Number(new URL(url).port), apiKey, sourceId: integrationId }
}

/** The `id` of every stored event tagged `tag`, read page by page through `GET /events`. */
export async function storedIds(target: Target, tag: string): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const params = new URLSearchParams({ q: `tag = "${tag}"`, from: '2000-01-01T00:00:00Z', limit: '10000' })
    if (cursor !== null) params.set('cursor', cursor)
    const response = await fetch(`${target.url}/events?${params}`, {
      headers: { 'x-api-key': target.apiKey },
    })
    if (response.status !== 200) throw new Error(`search: ${response.status} ${await response.text()}`)
    const page = (await response.json()) as { results: { id: string }[]; nextCursor: string | null }
    ids.push(...page.results.map((result) => result.id))
    cursor = page.nextCursor
  } while (cursor !== null)
  return ids
}

/**
 * The soft limit on open files of this process, which its children inherit (`ulimit -n`; no runtime
 * offers setrlimit, so a test can only fit itself under it).
 */
export function openFilesLimit(): number {
  const limit = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim()
  return limit === 'unlimited' ? Number.POSITIVE_INFINITY : Number(limit) || 1024
}
