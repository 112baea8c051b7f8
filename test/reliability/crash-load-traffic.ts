/**
 * The senders of the crash-under-load test: one source per stream type, each with its own auth mode,
 * and a loop per sender that posts bodies in a random framing and Content-Encoding until the server is
 * killed. Every event carries a unique id (`r<request>-e<i>`), as a JSON member or as the first word of
 * a text line, and every request is written to the ledger, with what it should store, before it is sent.
 */
import { createHmac } from 'node:crypto'
import { brotliCompressSync, constants, deflateSync, gzipSync, zstdCompressSync } from 'node:zlib'
import type { RunningInlet } from '../e2e/server.ts'

export type Outcome = 'pending' | 'acked' | 'refused' | 'cut'

export interface SentRequest {
  request: number
  cycle: number
  source: string
  /**
   * CRC-32 of each event as it should be stored (compact JSON without the p_ fields), by its place in
   * the request: a few bytes per event rather than its text, so a long run's ledger stays small.
   */
  crcs: Uint32Array
  /** p_event_time of each event in ms, when the body gives it (CloudWatch). */
  timesMs: Float64Array | null
  outcome: Outcome
  status?: number
  /** The error code of a refusal, as the server named it. */
  error?: string
  /** For a cut request: whether it was found stored, once a restart has shown it. */
  stored?: boolean
}

type Auth = { kind: 'None' } | { kind: 'Bearer' } | { kind: 'HMAC'; header: string; prefix: string }
type Framing = 'json' | 'records' | 'lines' | 'cloudwatch' | 'auto'

interface SourceSpec {
  name: Framing
  input: Record<string, unknown>
  auth: Auth
}

/** Every stream type once, the JsonArray one through an envelope field, with None, Bearer and HMAC auth. */
export const SOURCE_SPECS: SourceSpec[] = [
  { name: 'json', input: { logStreamType: 'JSON', authMethod: 'None' }, auth: { kind: 'None' } },
  {
    name: 'records',
    input: {
      logStreamType: 'JsonArray',
      logStreamTypeOptions: { jsonArrayEnvelopeField: 'Records' },
      authMethod: 'Bearer',
    },
    auth: { kind: 'Bearer' },
  },
  {
    name: 'lines',
    input: { logStreamType: 'Lines', authMethod: 'HMAC', authHmacScheme: 'github' },
    auth: { kind: 'HMAC', header: 'x-hub-signature-256', prefix: 'sha256=' },
  },
  {
    name: 'cloudwatch',
    input: { logStreamType: 'CloudWatchLogs', authMethod: 'Bearer' },
    auth: { kind: 'Bearer' },
  },
  {
    name: 'auto',
    input: { logStreamType: 'Auto', authMethod: 'HMAC', authHmacScheme: 'raw', authHeaderKey: 'X-Signature' },
    auth: { kind: 'HMAC', header: 'x-signature', prefix: '' },
  },
]

export interface Source {
  spec: SourceSpec
  id: string
  /** The bearer token or HMAC key, as the create response gave it. */
  secret: string
}

/** Creates the sources through the management API; they live in the data directory from then on. */
export async function createSources(inlet: RunningInlet): Promise<Source[]> {
  const sources: Source[] = []
  for (const spec of SOURCE_SPECS) {
    const response = await fetch(`${inlet.url}/log-sources/http`, {
      method: 'POST',
      headers: { 'x-api-key': inlet.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ integrationLabel: `crash-${spec.name}`, ...spec.input }),
    })
    if (response.status !== 201) throw new Error(`creating ${spec.name}: ${await response.text()}`)
    const created = (await response.json()) as Record<string, string>
    const secret = created.authBearerToken ?? created.authSecretValue ?? ''
    sources.push({ spec, id: created.integrationId!, secret })
  }
  return sources
}

type Random = (n: number) => number

/** Each coding as fetch takes a body: bytes over a plain ArrayBuffer. */
const CODINGS: Record<string, (body: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>> = {
  identity: (body) => body,
  gzip: (body) => new Uint8Array(gzipSync(body)),
  // RFC 9110 section 8.4.1.2: "deflate" is the zlib format (RFC 1950), which deflateSync writes.
  deflate: (body) => new Uint8Array(deflateSync(body)),
  // Quality 4 rather than 11: the senders share two cores with the server.
  br: (body) => new Uint8Array(brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })),
  zstd: (body) => new Uint8Array(zstdCompressSync(body)),
}
const CODING_NAMES = Object.keys(CODINGS)
const WORDS = ['alpha', 'déjà', 'vu', '雪', 'naïve', '🙂', 'x=1', 'path=/a/b', 'q"uote', 'back\\slash']

const words = (random: Random, count: number) =>
  Array.from({ length: count }, () => WORDS[random(WORDS.length)]!).join(' ')

/** Mostly small requests, sometimes one of hundreds of events, so a kill can land inside a big batch. */
const eventCount = (random: Random) => (random(12) === 0 ? 100 + random(700) : 1 + random(12))

/** A body and what it should store: each event as compact JSON without p_ fields, in body order. */
interface Built {
  text: string
  events: string[]
  /** The event times the body gives (CloudWatch), in ms; null when the server stamps the arrival time. */
  timesMs: number[] | null
}

function eventObject(request: number, i: number, random: Random): Record<string, unknown> {
  const event: Record<string, unknown> = { id: `r${request}-e${i}`, i, text: words(random, random(10)) }
  if (random(3) === 0) event.detail = { list: [i, i / 4, 'x'], flag: random(2) === 0, line: 'a\nb\t"c"' }
  return event
}

/** A text line (not JSON) whose first word is the event id; Lines stores it as {"message": line}. */
const textLine = (request: number, i: number, random: Random) =>
  `r${request}-e${i} ${words(random, 1 + random(8))}`

function objects(request: number, count: number, random: Random) {
  const events = Array.from({ length: count }, (_, i) => eventObject(request, i, random))
  return { events, expected: events.map((event) => JSON.stringify(event)) }
}

/** Objects as NDJSON, concatenated with nothing between them, or pretty printed. */
function jsonObjects(request: number, count: number, random: Random): Built {
  const { events, expected } = objects(request, count, random)
  const style = random(3)
  const text =
    style === 0
      ? expected.join('\n')
      : style === 1
        ? expected.join('')
        : events.map((event) => JSON.stringify(event, null, 2)).join('\n')
  return { text, events: expected, timesMs: null }
}

/** A top-level array, or the array at Records inside an envelope with other members around it. */
function jsonArray(request: number, count: number, random: Random, envelope: boolean): Built {
  const { expected } = objects(request, count, random)
  const array = `[${expected.join(',')}]`
  const text = envelope ? `{"region":"eu-west-1","Records":${array},"more":false}` : array
  return { text, events: expected, timesMs: null }
}

/**
 * Text lines with some JSON lines among them, LF or CRLF. Auto reads a body whose first byte is '{' as
 * JSON, so for it (`textFirst`) the first line is text.
 */
function textLines(request: number, count: number, random: Random, textFirst: boolean): Built {
  const events: string[] = []
  const lines: string[] = []
  for (let i = 0; i < count; i++) {
    if (random(3) === 0 && !(textFirst && i === 0)) {
      const json = JSON.stringify(eventObject(request, i, random))
      lines.push(json)
      events.push(json)
    } else {
      const line = textLine(request, i, random)
      lines.push(line)
      events.push(JSON.stringify({ message: line }))
    }
  }
  const newline = random(4) === 0 ? '\r\n' : '\n'
  return { text: lines.join(newline) + (random(2) === 0 ? newline : ''), events, timesMs: null }
}

/** One or two subscription-filter payloads; each entry's message is a text line or an event's JSON. */
function cloudWatch(request: number, count: number, random: Random): Built {
  const events: string[] = []
  const timesMs: number[] = []
  const origin = { logGroup: '/crash/load', logStream: `stream-${request}`, owner: '123456789012' }
  const entries = Array.from({ length: count }, (_, i) => {
    const timestamp = Date.now() - random(60_000)
    const object = random(2) === 0 ? eventObject(request, i, random) : null
    const message = object ? JSON.stringify(object) : textLine(request, i, random)
    // Stored with the payload's origin after the event's own fields.
    events.push(JSON.stringify({ ...(object ?? { message }), ...origin }))
    timesMs.push(timestamp)
    return { id: String(i), timestamp, message }
  })
  const split = count > 1 && random(2) === 0 ? 1 + random(count - 1) : count
  const payload = (logEvents: unknown[]) =>
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      ...origin,
      subscriptionFilters: ['all'],
      logEvents,
    })
  const parts = [payload(entries.slice(0, split))]
  if (split < count) parts.push(payload(entries.slice(split)))
  return { text: parts.join('\n'), events, timesMs }
}

function buildBody(framing: Framing, request: number, random: Random): Built {
  const count = eventCount(random)
  switch (framing) {
    case 'json':
      return jsonObjects(request, count, random)
    case 'records':
      return jsonArray(request, count, random, true)
    case 'lines':
      return textLines(request, count, random, false)
    case 'cloudwatch':
      return cloudWatch(request, count, random)
    case 'auto': {
      const kind = random(3)
      if (kind === 0) return jsonArray(request, count, random, false)
      if (kind === 1) return jsonObjects(request, count, random)
      return textLines(request, count, random, true)
    }
  }
}

function authHeaders(source: Source, body: Uint8Array): Record<string, string> {
  const auth = source.spec.auth
  if (auth.kind === 'Bearer') return { authorization: `Bearer ${source.secret}` }
  if (auth.kind === 'None') return {}
  // The signature covers the body exactly as sent, compressed or not.
  const digest = createHmac('sha256', source.secret).update(body).digest('hex')
  return { [auth.header]: `${auth.prefix}${digest}` }
}

export interface Ledger {
  requests: SentRequest[]
  failures: string[]
}

/** Shared by the senders of one cycle: the server's URL and whether it has been killed. */
export interface CycleState {
  cycle: number
  url: string
  killed: boolean
}

/**
 * Posts requests to `source` until the cycle's server is killed. A request is recorded before it is
 * sent; none is sent once the kill has been decided, so every request of the cycle either got an answer
 * or was cut by the kill.
 */
export async function sendUntilKilled(
  source: Source,
  random: Random,
  ledger: Ledger,
  state: CycleState,
): Promise<void> {
  while (!state.killed) {
    const request = ledger.requests.length
    const built = buildBody(source.spec.name, request, random)
    const coding = CODING_NAMES[random(CODING_NAMES.length)]!
    const body = CODINGS[coding]!(new TextEncoder().encode(built.text))
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...authHeaders(source, body),
    }
    if (coding !== 'identity') headers['content-encoding'] = coding
    const sent: SentRequest = {
      request,
      cycle: state.cycle,
      source: source.id,
      crcs: Uint32Array.from(built.events, (json) => Bun.hash.crc32(json)),
      timesMs: built.timesMs && Float64Array.from(built.timesMs),
      outcome: 'pending',
    }
    ledger.requests.push(sent)
    try {
      const response = await fetch(`${state.url}/http/${source.id}`, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(20_000),
      })
      sent.status = response.status
      // The status line is the acknowledgement; the body may still be cut by the kill.
      sent.outcome = response.ok ? 'acked' : 'refused'
      const answer = await response.json().catch(() => undefined)
      if (!response.ok) sent.error = answer?.error?.code ?? 'unreadable answer'
      if (response.ok && answer !== undefined && answer.accepted !== built.events.length) {
        ledger.failures.push(`r${request}: accepted ${answer.accepted}, sent ${built.events.length}`)
      }
    } catch {
      if (sent.outcome === 'pending') sent.outcome = 'cut'
    }
  }
}
