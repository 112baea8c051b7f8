/**
 * Raw connections for the hostile clients: a socket that keeps what it received, knows who closed it
 * and after how long, and lets its owner wait for a condition on the bytes received. Also the reading
 * of HTTP/1.1 responses out of those bytes, and a stop signal every client loop watches.
 */
import { connect, type Socket } from 'node:net'

export interface Wire {
  socket: Socket
  /** Everything received so far, one character per byte. */
  text: string
  /** Resolves once the socket is closed, by either side. */
  closed: Promise<void>
  isClosed: boolean
  /** Whether this side closed it (`drop`); otherwise the server did. */
  byClient: boolean
  /**
   * Milliseconds from the start of the dial to the close: never less than the server held the
   * connection, however late this process's event loop runs the connect and close handlers.
   */
  lifeMs: number
  /** Resolves once `test(text)` holds or the socket closes. */
  until(test: (text: string) => boolean): Promise<void>
  /** Closes the connection from this side. */
  drop(): void
}

/** A connection to 127.0.0.1:`port`, once established; null when it could not be. */
export function dial(port: number): Promise<Wire | null> {
  return new Promise((resolve) => {
    const dialedAt = performance.now()
    const socket = connect(port, '127.0.0.1')
    let connected = false
    let closedResolve = () => {}
    const waiters: { test: (text: string) => boolean; resolve: () => void }[] = []
    const wire: Wire = {
      socket,
      text: '',
      closed: new Promise((done) => {
        closedResolve = done
      }),
      isClosed: false,
      byClient: false,
      lifeMs: 0,
      until(test) {
        if (wire.isClosed || test(wire.text)) return Promise.resolve()
        return new Promise((done) => waiters.push({ test, resolve: done }))
      },
      drop() {
        if (!wire.isClosed) wire.byClient = true
        socket.destroy()
      },
    }
    socket.on('data', (data: Buffer) => {
      wire.text += data.toString('latin1')
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.test(wire.text)) waiters.splice(i, 1)[0]!.resolve()
      }
    })
    socket.on('error', () => {})
    socket.once('connect', () => {
      connected = true
      resolve(wire)
    })
    socket.once('close', () => {
      wire.isClosed = true
      if (!connected) return resolve(null)
      wire.lifeMs = performance.now() - dialedAt
      for (const waiter of waiters.splice(0)) waiter.resolve()
      closedResolve()
    })
  })
}

/** The status and body of each complete HTTP/1.1 response in `text`, in order. */
export function responses(text: string): { status: number; body: string }[] {
  const found: { status: number; body: string }[] = []
  let at = 0
  for (;;) {
    const match = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(text.slice(at))
    if (!match) return found
    const length = Number(/content-length: *(\d+)/i.exec(match[2]!)?.[1] ?? 0)
    const start = at + match[0].length
    if (start + length > text.length) return found
    found.push({ status: Number(match[1]), body: text.slice(start, start + length) })
    at = start + length
  }
}

/** A stop signal: loops check `stopped`, waits end early through `sleep`. */
export class Stop {
  stopped = false
  private readonly waiters = new Set<() => void>()

  stop(): void {
    this.stopped = true
    for (const wake of this.waiters) wake()
    this.waiters.clear()
  }

  /** Waits `ms`, or less when stopped meanwhile or when `also` settles first. */
  sleep(ms: number, also?: Promise<unknown>): Promise<void> {
    return this.race(also, ms)
  }

  /** Waits for `promise` to settle, or for the stop. */
  until(promise: Promise<unknown>): Promise<void> {
    return this.race(promise)
  }

  private race(promise?: Promise<unknown>, ms?: number): Promise<void> {
    if (this.stopped) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        this.waiters.delete(wake)
        resolve()
      }
      const timer = ms === undefined ? undefined : setTimeout(wake, Math.max(0, ms))
      this.waiters.add(wake)
      promise?.then(wake, wake)
    })
  }
}

/** The `p`-th percentile (0..100) of `values`, by nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}
