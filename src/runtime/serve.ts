/**
 * Starting and stopping the HTTP server, and the facts about a connection that only the server knows
 * (the peer's address). This is the one place that knows how requests reach the app, so another
 * runtime's adapter can stand in.
 *
 * Why `node:http` and not `Bun.serve`: Bun.serve (1.4.5) closes a connection as soon as it parses an
 * HTTP/1.1 request pipelined behind one whose response is still pending, without answering either.
 * Every ingest response waits for an fdatasync, so a pipelining sender had its first request stored
 * and no answer at all, and a retry stored it twice. RFC 9112 §9.3.2 lets a client pipeline and requires
 * the server to answer in order; Bun's `node:http` server queues pipelined requests and does. It costs
 * about 35 µs a request: one-event requests (750 bytes, fsync on, wrk with 32 connections) went from
 * 14,300 to 9,400 a second, the same app served by Bun.serve and through this adapter.
 *
 * The ingest endpoints, the hot path, can skip the web Request and Response: `direct` names the routes
 * that take a `DirectRequest` (the parsed request as read from the connection, its headers read from the
 * raw list and its body collected from the socket) and give back a `DirectResponse` written straight to
 * it. Building the web Request (its Headers, URL and body stream) and reading the Response back cost
 * about 20 µs of the 35 above, measured with a bare handler either way.
 *
 * Timeouts are kept here in JavaScript rather than by the server's idle timer, which also fires while a
 * handler is still working (a long search, a wait for the disk): a connection must send a complete
 * request head within `headTimeoutMs` of opening or of its previous response, and is closed once idle
 * that long; a slow body is the body reader's business (408).
 */
import * as http from 'node:http'
import * as https from 'node:https'
import type { Socket } from 'node:net'

export interface ServeOptions {
  hostname: string
  port: number
  tls?: { cert: string; key: string }
  /** Largest request line and header section; larger is answered 431 by `malformed`. */
  headerBytesMax: number
  /** Time a connection has to deliver a request head, from opening or from its last response. */
  headTimeoutMs: number
  /** The response to a request the HTTP parser refused before the app saw it (400 or 431). */
  malformed: (status: 400 | 431) => { body: string; contentType: string }
  /** Routes served without a web Request and Response (the ingest endpoints). */
  direct?: DirectRoutes
}

export interface RunningServer {
  /** The port actually bound (differs from the one asked for when that was 0). */
  port: number
  /** Stops accepting connections, lets in-flight requests finish for up to `graceMs`, then closes the rest. */
  stop(graceMs: number): Promise<void>
}

export type FetchHandler = (request: Request) => Response | Promise<Response>

/** What a request's headers must offer the handlers that read them: a web `Headers` does. */
export interface HeaderReader {
  /** The value of the header of this lower-case name, repeated fields joined by ", "; null if absent. */
  get(name: string): string | null
  /** Each field as sent, name and value. */
  [Symbol.iterator](): IterableIterator<[string, string]>
}

/** The part of a web Request that the direct routes read; a web Request is one. */
export interface DirectRequest {
  readonly method: string
  /** The absolute URL, as a web Request's. */
  readonly url: string
  readonly headers: HeaderReader
  /** The body as a stream, for a body of unknown length; null for none. */
  readonly body: ReadableStream<Uint8Array> | null
  /** The whole body. */
  bytes(): Promise<Uint8Array>
}

export interface DirectResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export type DirectRoute = (request: DirectRequest) => Promise<DirectResponse>

/** A direct route's answer as a web Response, for the same route served through the app. */
export const toResponse = (answer: DirectResponse): Response =>
  new Response(answer.body, { status: answer.status, headers: answer.headers })

/** The direct route for a request line, or null to hand the request to the app. */
export type DirectRoutes = (method: string, target: string) => DirectRoute | null

/** The address of the peer each request came from, as the server saw the connection. */
const peers = new WeakMap<object, string>()

/** The connection's peer address (IPv4 or IPv6 text), or null for a request that no server received. */
export const peerAddress = (request: DirectRequest): string | null => peers.get(request) ?? null

/** Records the peer of a request built outside a server (tests, other adapters). */
export function setPeerAddress(request: Request, address: string): Request {
  peers.set(request, address)
  return request
}

interface Connection {
  /** Requests received and not yet answered; pipelined ones are queued by the server. */
  active: number
  timer: ReturnType<typeof setTimeout> | undefined
  /** Runs once `active` falls to 0: the parser's refusal of what followed them waits for their answers. */
  whenIdle?: () => void
}

export async function serve(fetch: FetchHandler, options: ServeOptions): Promise<RunningServer> {
  const scheme = options.tls ? 'https' : 'http'
  const origin = `${scheme}://${options.hostname.includes(':') ? `[${options.hostname}]` : options.hostname}`
  const connections = new Map<Socket, Connection>()
  let inflight = 0
  let idle: (() => void) | null = null

  const armTimer = (socket: Socket, state: Connection) => {
    clearTimeout(state.timer)
    state.timer = setTimeout(() => socket.destroy(), options.headTimeoutMs)
  }

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket
    const state = connections.get(socket)
    if (state) {
      clearTimeout(state.timer)
      state.active++
    }
    inflight++
    res.once('close', () => {
      inflight--
      if (state && --state.active === 0) {
        if (state.whenIdle) state.whenIdle()
        else if (!socket.destroyed) armTimer(socket, state)
      }
      if (inflight === 0) idle?.()
    })
    const route = options.direct?.(req.method ?? 'GET', req.url ?? '/')
    const answering = route ? answerDirect(req, res, origin, route) : answer(req, res, origin, fetch)
    answering.catch(() => res.destroy())
  }

  const serverOptions = { maxHeaderSize: options.headerBytesMax }
  const server = options.tls
    ? https.createServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, onRequest)
    : http.createServer(serverOptions, onRequest)
  // Only what the Keep-Alive response header tells clients; the timer below is what closes.
  server.keepAliveTimeout = options.headTimeoutMs
  server.on('connection', (socket: Socket) => {
    const state: Connection = { active: 0, timer: undefined }
    connections.set(socket, state)
    armTimer(socket, state)
    socket.once('close', () => {
      clearTimeout(state.timer)
      connections.delete(socket)
    })
  })
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
    const refuse = () => {
      if (!socket.writable) return socket.destroy()
      const { body, contentType } = options.malformed(status)
      const head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: ${contentType}\r\n`
      socket.end(`${head}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
    }
    // Answers go in the order of the requests (RFC 9112 §9.3.2): requests before the bad bytes, still
    // being handled (waiting for the disk, say), are answered first.
    const state = connections.get(socket)
    if (state && state.active > 0) state.whenIdle = refuse
    else refuse()
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.hostname, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') {
    throw new Error(`could not listen on ${options.hostname}:${options.port}`)
  }
  return {
    port: address.port,
    async stop(graceMs) {
      server.close()
      server.closeIdleConnections()
      if (inflight > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined
        await new Promise<void>((resolve) => {
          idle = resolve
          timer = setTimeout(resolve, graceMs)
        })
        clearTimeout(timer)
      }
      server.closeAllConnections()
    },
  }
}

/** Hands one request to the app as a web Request and writes the app's Response back. */
async function answer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  origin: string,
  fetch: FetchHandler,
): Promise<void> {
  const request = toRequest(req, origin)
  if (request === null) {
    res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' }).end('bad request target')
    return
  }
  peers.set(request, req.socket.remoteAddress ?? '')
  const response = await fetch(request)
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  // An answer given before the body was read whole (a 413, a 401, a 408) ends the connection: what
  // is left of the body is not worth receiving, and it could not be told apart from a next request.
  if (!req.complete) {
    headers.connection = 'close'
    discardRest(req)
  }
  if (response.body === null) {
    res.writeHead(response.status, headers).end()
    return
  }
  const body = await response.bytes()
  headers['content-length'] = String(body.byteLength)
  res.writeHead(response.status, headers).end(body)
}

/** Hands one request to a direct route and writes its answer back. */
async function answerDirect(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  origin: string,
  route: DirectRoute,
): Promise<void> {
  const request = new NodeRequest(req, `${origin}${req.url}`)
  peers.set(request, req.socket.remoteAddress ?? '')
  const response = await route(request)
  const headers = response.headers
  headers['content-length'] = String(Buffer.byteLength(response.body))
  if (!req.complete) {
    headers.connection = 'close'
    discardRest(req)
  }
  res.writeHead(response.status, headers).end(response.body)
}

/** A parsed request as a `DirectRequest`: headers read from the raw list when asked, the body collected. */
class NodeRequest implements DirectRequest {
  #stream: ReadableStream<Uint8Array> | null | undefined
  readonly headers: HeaderReader

  constructor(
    private readonly req: http.IncomingMessage,
    readonly url: string,
  ) {
    this.headers = new RawHeaders(req.rawHeaders)
  }

  get method(): string {
    return this.req.method ?? 'GET'
  }

  get body(): ReadableStream<Uint8Array> | null {
    this.#stream ??= bodyStream(this.req)
    return this.#stream
  }

  bytes(): Promise<Uint8Array> {
    const req = this.req
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.once('end', () => {
        // The chunks are the socket's own buffers, handed over rather than copied into an ArrayBuffer.
        const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
        resolve(new Uint8Array(whole.buffer, whole.byteOffset, whole.byteLength))
      })
      req.once('close', () => {
        if (!req.complete) reject(new Error('the client closed the connection mid-body'))
      })
    })
  }
}

/** Header fields as the parser read them, looked up as `Headers` would: by lower-case name, repeats joined. */
class RawHeaders implements HeaderReader {
  #byName: Map<string, string> | undefined

  constructor(private readonly raw: string[]) {}

  get(name: string): string | null {
    if (this.#byName === undefined) {
      const byName = new Map<string, string>()
      const raw = this.raw
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const key = raw[i]!.toLowerCase()
        const value = trimOws(raw[i + 1]!)
        const before = byName.get(key)
        byName.set(key, before === undefined ? value : `${before}, ${value}`)
      }
      this.#byName = byName
    }
    return this.#byName.get(name) ?? null
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    const raw = this.raw
    for (let i = 0; i + 1 < raw.length; i += 2) yield [raw[i]!.toLowerCase(), raw[i + 1]!]
  }
}

const isOws = (code: number) => code === 0x20 || code === 0x09

/**
 * A field value without the spaces and tabs around it (RFC 9110 §5.5), as `Headers` keeps it; not
 * `trim()`, which would also take a trailing byte 0xA0, the end of a UTF-8 `à`.
 */
function trimOws(value: string): string {
  let start = 0
  let end = value.length
  while (start < end && isOws(value.charCodeAt(start))) start++
  while (end > start && isOws(value.charCodeAt(end - 1))) end--
  return start === 0 && end === value.length ? value : value.slice(start, end)
}

/**
 * The web Request for a parsed request head. The body is a stream over the connection that pulls as
 * the app reads, so the app's own size and time limits decide how much is ever buffered; a client that
 * disconnects mid-body makes the read fail. Null for a request target that is no URL.
 */
function toRequest(req: http.IncomingMessage, origin: string): Request | null {
  const target = req.url ?? '/'
  let url: string
  try {
    url = target.startsWith('/') ? `${origin}${target}` : new URL(target).href
  } catch {
    return null
  }
  const method = req.method ?? 'GET'
  const init: RequestInit & { duplex?: 'half' } = { method, headers: headerList(req.rawHeaders) }
  if (method !== 'GET' && method !== 'HEAD') {
    init.body = bodyStream(req)
    init.duplex = 'half'
  }
  try {
    return new Request(url, init)
  } catch {
    return null
  }
}

/**
 * Reads and drops what is left of a body the app stopped reading, for a short while: closing a socket
 * with unread data in it makes the kernel send a reset, which can destroy the answer before the client
 * reads it (the "lingering close" of RFC 9112 §9.6).
 */
function discardRest(req: http.IncomingMessage): void {
  req.removeAllListeners('data')
  req.on('data', () => {})
  req.resume()
  setTimeout(() => req.socket.destroy(), LINGER_MS).unref()
}

const LINGER_MS = 2000

function headerList(raw: string[]): [string, string][] {
  const list: [string, string][] = []
  for (let i = 0; i + 1 < raw.length; i += 2) list.push([raw[i]!, raw[i + 1]!])
  return list
}

function bodyStream(req: http.IncomingMessage): ReadableStream<Uint8Array> {
  // Once the stream is closed, errored or cancelled, its controller takes nothing more.
  let open = true
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          if (!open) return
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
          if ((controller.desiredSize ?? 1) <= 0) req.pause()
        })
        req.once('end', () => {
          if (open) controller.close()
          open = false
        })
        req.once('close', () => {
          if (open && !req.complete) controller.error(new Error('the client closed the connection mid-body'))
          open = false
        })
      },
      pull() {
        req.resume()
      },
      cancel() {
        open = false
        req.pause()
      },
    },
    { highWaterMark: 1 },
  )
}

/** `fetch` for the CLI, which may talk to a server with a self-signed certificate when told to. */
export function cliFetch(url: string, init: RequestInit, options: { insecure: boolean }): Promise<Response> {
  return fetch(url, options.insecure ? { ...init, tls: { rejectUnauthorized: false } } : init)
}
