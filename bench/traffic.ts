/**
 * What the soak benchmark sends: a source for every pair of auth mode (each HMAC scheme on its own) and
 * stream type, bodies of every stream type, every Content-Encoding, and each mode's headers, signed as
 * the senders document it (the links are in the headers of src/ingest/auth/): raw and GitHub sign the
 * body; Standard Webhooks `${id}.${timestamp}.${body}` under the base64 key after `whsec_`; Stripe
 * `${t}.${body}`; Slack `v0:${timestamp}:${body}`. Also the searches it runs, and the stored count it
 * checks at the end.
 */
import { createHmac, randomUUID } from 'node:crypto'
import { brotliCompressSync, constants, deflateSync, gzipSync, zstdCompressSync } from 'node:zlib'

export const AUTH_MODES = [
  { name: 'none', input: { authMethod: 'None' } },
  { name: 'bearer', input: { authMethod: 'Bearer' } },
  { name: 'shared-secret', input: { authMethod: 'SharedSecret', authHeaderKey: 'X-Inlet-Secret' } },
  { name: 'basic', input: { authMethod: 'Basic', authUsername: 'soak' } },
  {
    name: 'hmac-raw',
    input: { authMethod: 'HMAC', authHmacScheme: 'raw', authHmacAlg: 'sha512', authHeaderKey: 'X-Signature' },
  },
  { name: 'hmac-github', input: { authMethod: 'HMAC', authHmacScheme: 'github' } },
  { name: 'hmac-standard-webhooks', input: { authMethod: 'HMAC', authHmacScheme: 'standard-webhooks' } },
  { name: 'hmac-stripe', input: { authMethod: 'HMAC', authHmacScheme: 'stripe' } },
  { name: 'hmac-slack', input: { authMethod: 'HMAC', authHmacScheme: 'slack' } },
] as const
export type AuthMode = (typeof AUTH_MODES)[number]

export const STREAM_TYPES = [
  { name: 'json', input: { logStreamType: 'JSON' } },
  { name: 'array', input: { logStreamType: 'JsonArray' } },
  {
    name: 'records',
    input: { logStreamType: 'JsonArray', logStreamTypeOptions: { jsonArrayEnvelopeField: 'Records' } },
  },
  { name: 'lines', input: { logStreamType: 'Lines' } },
  { name: 'cloudwatch', input: { logStreamType: 'CloudWatchLogs' } },
  { name: 'auto', input: { logStreamType: 'Auto' } },
] as const
export type StreamType = (typeof STREAM_TYPES)[number]

/** Each coding as fetch takes a body. Brotli at quality 4: the senders share two cores with the server. */
export const ENCODINGS: Record<string, (body: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>> = {
  identity: (body) => body,
  gzip: (body) => new Uint8Array(gzipSync(body)),
  // RFC 9110 section 8.4.1.2: "deflate" is the zlib format (RFC 1950), which deflateSync writes.
  deflate: (body) => new Uint8Array(deflateSync(body)),
  br: (body) => new Uint8Array(brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })),
  zstd: (body) => new Uint8Array(zstdCompressSync(body)),
}
export const ENCODING_NAMES = Object.keys(ENCODINGS)

export interface Source {
  id: string
  label: string
  auth: AuthMode
  stream: StreamType
  /** The current secret (token, password, key) as the server issued it; '' for None. */
  secret: string
}

/** The secret in a create or rotate response, whichever field the auth mode uses. */
export const secretOf = (answer: Record<string, unknown>): string =>
  String(answer.authBearerToken ?? answer.authSecretValue ?? answer.authPassword ?? '')

export const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!

const USERS = 50
const PATHS = ['/api/orders', '/api/login', '/health', '/api/search', '/static/app.js']
const WORDS = ['handled', 'timeout', 'retry', 'cache miss', 'déjà vu', '雪', 'ok']

/** One event as an object: fields the searches ask about (user, status, path, words in msg). */
function eventObject(run: string, seq: number): Record<string, unknown> {
  return {
    run,
    seq,
    user: `user${seq % USERS}`,
    status: pick([200, 200, 200, 201, 404, 500, 503]),
    path: pick(PATHS),
    ms: seq % 997,
    msg: `request ${pick(WORDS)} ${pick(WORDS)}`,
  }
}

const textLine = (event: Record<string, unknown>) =>
  `user=${event.user} status=${event.status} path=${event.path} msg="${event.msg}" seq=${event.seq}`

/** A body of `count` events in the framing `stream` reads; `count` is what the server should accept. */
export function buildBody(stream: StreamType['name'], run: string, firstSeq: number, count: number): string {
  const events = Array.from({ length: count }, (_, i) => eventObject(run, firstSeq + i))
  const json = events.map((event) => JSON.stringify(event))
  switch (stream) {
    case 'json':
      return Math.random() < 0.2
        ? events.map((event) => JSON.stringify(event, null, 2)).join('\n')
        : json.join('\n')
    case 'array':
      return `[${json.join(',')}]`
    case 'records':
      return `{"region":"eu-west-1","Records":[${json.join(',')}],"more":false}`
    case 'lines':
      return events.map(textLine).join(Math.random() < 0.3 ? '\r\n' : '\n')
    case 'cloudwatch': {
      const logEvents = events.map((event, i) => ({
        id: String(i),
        timestamp: Date.now() - Math.floor(Math.random() * 60_000),
        message: i % 2 === 0 ? JSON.stringify(event) : textLine(event),
      }))
      return JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: '123456789012',
        logGroup: '/soak',
        logStream: run,
        subscriptionFilters: ['all'],
        logEvents,
      })
    }
    case 'auto':
      // Auto reads a body whose first byte is `{` or `[` as JSON, else as lines.
      return pick([
        () => json.join('\n'),
        () => `[${json.join(',')}]`,
        () => events.map(textLine).join('\n'),
      ])()
  }
}

const hmac = (alg: string, key: string | Uint8Array, prefix: string, body: Uint8Array) =>
  createHmac(alg, key).update(prefix, 'latin1').update(body).digest()

/** The headers `source`'s senders send with `body` (as sent, compressed or not), signed with `secret`. */
export function authHeaders(source: Source, secret: string, body: Uint8Array): Record<string, string> {
  const now = String(Math.floor(Date.now() / 1000))
  switch (source.auth.name) {
    case 'none':
      return {}
    case 'bearer':
      return { authorization: `Bearer ${secret}` }
    case 'shared-secret':
      return { 'x-inlet-secret': secret }
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`soak:${secret}`).toString('base64')}` }
    case 'hmac-raw':
      return { 'x-signature': `sha512=${hmac('sha512', secret, '', body).toString('base64')}` }
    case 'hmac-github':
      return { 'x-hub-signature-256': `sha256=${hmac('sha256', secret, '', body).toString('hex')}` }
    case 'hmac-standard-webhooks': {
      const id = `msg_${randomUUID()}`
      const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
      const signature = hmac('sha256', key, `${id}.${now}.`, body).toString('base64')
      return { 'webhook-id': id, 'webhook-timestamp': now, 'webhook-signature': `v1,${signature}` }
    }
    case 'hmac-stripe':
      return { 'stripe-signature': `t=${now},v1=${hmac('sha256', secret, `${now}.`, body).toString('hex')}` }
    case 'hmac-slack':
      return {
        'x-slack-request-timestamp': now,
        'x-slack-signature': `v0=${hmac('sha256', secret, `v0:${now}:`, body).toString('hex')}`,
      }
  }
}

/**
 * Searches newest first stop at their limit; counts read their whole range, so they cover the last
 * minute only and cost the same in the first minute of a soak as in the thirtieth.
 */
export const SEARCHES: { name: string; path: string; query: Record<string, string>; lastMinute?: true }[] = [
  { name: 'status-and-user', path: '/events', query: { q: 'status >= 500 AND user = user7', limit: '100' } },
  { name: 'word', path: '/events', query: { q: 'timeout', limit: '50' } },
  {
    name: 'count-404',
    path: '/events/count',
    query: { q: 'status = 404', interval: '1m' },
    lastMinute: true,
  },
  {
    name: 'contains-or-not-in',
    path: '/events',
    query: { q: 'path CONTAINS "login" OR NOT status IN (200, 201)', limit: '200' },
  },
  { name: 'count-all', path: '/events/count', query: { interval: '1m' }, lastMinute: true },
]

/** Sums `GET /events/count` over [fromMs, toMs], halving the range while a count comes back partial. */
export async function countStored(
  url: string,
  apiKey: string,
  fromMs: number,
  toMs: number,
): Promise<number> {
  const params = new URLSearchParams({
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    interval: '1h',
  })
  const response = await fetch(`${url}/events/count?${params}`, { headers: { 'x-api-key': apiKey } })
  const { count, partial } = (await response.json()) as { count: number; partial: boolean }
  if (!partial || toMs - fromMs < 2) return count
  const middle = Math.floor((fromMs + toMs) / 2)
  return (await countStored(url, apiKey, fromMs, middle)) + (await countStored(url, apiKey, middle + 1, toMs))
}
