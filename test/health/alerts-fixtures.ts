/**
 * Scaffolding for the alert delivery tests: a real receiver on loopback that records what it is sent, an
 * in-memory outbox, and recording stand-ins for the system error store, the logger and the timers. None
 * of it shares code with the sender's signing: tests verify with the `standardwebhooks` package.
 */
import { randomBytes } from 'node:crypto'
import type { Server } from 'bun'
import { AlertDeliverer, type AlertDelivererDeps, type Schedule } from '../../src/health/alerts/deliver.ts'
import type { LogFields, Logger } from '../../src/logger.ts'
import type { Alert, AlertOutbox, PendingAlert } from '../../src/registry/alerts.ts'
import type { SystemError, SystemErrorStore } from '../../src/registry/system-errors.ts'

export const SECRET = `whsec_${randomBytes(32).toString('base64')}`
/** The receiver's URL carries a token in its path and query, as Slack's do: neither may leak. */
export const TOKEN_PATH = '/services/T000/SECRET-PATH-TOKEN?key=SECRET-QUERY-TOKEN'

export interface Received {
  headers: Record<string, string>
  body: string
  path: string
}

export type Answer = (received: Received, index: number) => Response | Promise<Response>

export interface Receiver {
  url: string
  origin: string
  received: Received[]
  /** Most requests it was answering at once. */
  maxInFlight: number
  stop(): void
}

const receivers: Receiver[] = []

/** A real HTTP receiver on 127.0.0.1, port 0; `stopReceivers()` (afterEach) closes them all. */
export function startReceiver(answer: Answer = () => new Response('ok')): Receiver {
  let inFlight = 0
  const receiver: Receiver = {
    url: '',
    origin: '',
    received: [],
    maxInFlight: 0,
    stop: () => server.stop(true),
  }
  const server: Server<undefined> = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      inFlight++
      receiver.maxInFlight = Math.max(receiver.maxInFlight, inFlight)
      try {
        const url = new URL(request.url)
        const received = {
          headers: Object.fromEntries(request.headers),
          body: await request.text(),
          path: url.pathname + url.search,
        }
        receiver.received.push(received)
        return await answer(received, receiver.received.length - 1)
      } finally {
        inFlight--
      }
    },
  })
  receiver.origin = `http://127.0.0.1:${server.port}`
  receiver.url = `${receiver.origin}${TOKEN_PATH}`
  receivers.push(receiver)
  return receiver
}

export function stopReceivers(): void {
  for (const receiver of receivers.splice(0)) receiver.stop()
}

/** Alerts in a list, oldest first, as the registry's outbox keeps them; `head()` hands out a copy, as a row would be. */
export class MemoryOutbox implements AlertOutbox {
  readonly rows: PendingAlert[] = []
  readonly dropped: PendingAlert[] = []
  #nextId = 1

  constructor(private readonly clock: () => number) {}

  enqueue(alert: Alert): void {
    const id = this.#nextId++
    const now = this.clock()
    this.rows.push({
      id,
      webhookId: `msg_test${id}`,
      alert,
      createdAtMs: now,
      attempts: 0,
      nextAttemptAtMs: now,
    })
  }

  head(): PendingAlert | null {
    const row = this.rows[0]
    return row ? { ...row } : null
  }

  delivered(id: number): void {
    this.#remove(id)
  }

  failed(id: number, nextAttemptAtMs: number): void {
    const row = this.rows.find((candidate) => candidate.id === id)
    if (!row) throw new Error(`no pending alert ${id}`)
    row.attempts++
    row.nextAttemptAtMs = nextAttemptAtMs
  }

  drop(id: number): void {
    this.dropped.push(...this.#remove(id))
  }

  size(): number {
    return this.rows.length
  }

  #remove(id: number): PendingAlert[] {
    const index = this.rows.findIndex((row) => row.id === id)
    if (index < 0) throw new Error(`no pending alert ${id}`)
    return this.rows.splice(index, 1)
  }
}

export type ErrorCall =
  | { op: 'raise'; type: string; sourceId: string | null; message: string }
  | { op: 'resolve'; type: string; sourceId: string | null; wasOpen: boolean }

/** Records raises and resolves, and keeps whether each error is open, as the real store would. */
export function recordingErrors(): Pick<SystemErrorStore, 'raise' | 'resolve'> & {
  calls: ErrorCall[]
  open: Set<string>
} {
  const calls: ErrorCall[] = []
  const open = new Set<string>()
  const row = (type: string, sourceId: string | null, message: string): SystemError => ({
    id: 1,
    type,
    sourceId,
    message,
    state: 'open',
    count: 1,
    firstSeenAt: '',
    lastSeenAt: '',
    resolvedAt: null,
  })
  return {
    calls,
    open,
    raise({ type, sourceId, message }) {
      calls.push({ op: 'raise', type, sourceId, message })
      const opened = !open.has(type)
      open.add(type)
      return { error: row(type, sourceId, message), opened }
    },
    resolve(type, sourceId) {
      const wasOpen = open.delete(type)
      calls.push({ op: 'resolve', type, sourceId, wasOpen })
      return wasOpen ? { ...row(type, sourceId, ''), state: 'resolved' } : null
    },
  }
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  message: string
  fields: LogFields | undefined
}

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = []
  const at =
    (level: LogLine['level']) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields })
    }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** Timers that never fire on their own: a test moves the clock and calls `wake()` itself. */
export function manualTimers(): { schedule: Schedule; delays: number[]; active(): number } {
  const timers: { delayMs: number; cancelled: boolean }[] = []
  return {
    schedule: (_run, delayMs) => {
      const timer = { delayMs, cancelled: false }
      timers.push(timer)
      return () => {
        timer.cancelled = true
      }
    },
    get delays() {
      return timers.map((timer) => timer.delayMs)
    },
    active: () => timers.filter((timer) => !timer.cancelled).length,
  }
}

export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    type: 'SOURCE_NO_DATA',
    state: 'ALARM',
    sourceId: '0b7c2a4e-3d41-4c1f-9a57-1f1d6c2b9e10',
    sourceLabel: 'github',
    minutesThreshold: 15,
    lastEventReceivedAtTime: '2026-11-28T11:45:00.000Z',
    at: '2026-11-28T12:00:00.000Z',
    message:
      "source 'github' (0b7c2a4e-3d41-4c1f-9a57-1f1d6c2b9e10) has received no events for 15 minutes " +
      '(last event 2026-11-28T11:45:00.000Z)',
    ...overrides,
  }
}

export interface Rig {
  deliverer: AlertDeliverer
  outbox: MemoryOutbox
  errors: ReturnType<typeof recordingErrors>
  logger: ReturnType<typeof recordingLogger>
  timers: ReturnType<typeof manualTimers>
  /** Starts at the real time, since receivers check `webhook-timestamp` against theirs. */
  clock: { now: number }
}

/** A deliverer on manual timers, a fake clock and a jitter of zero, unless `overrides` say otherwise. */
export function rig(url: string, overrides: Partial<AlertDelivererDeps> = {}): Rig {
  const clock = { now: Date.now() }
  const outbox = new MemoryOutbox(() => clock.now)
  const errors = recordingErrors()
  const logger = recordingLogger()
  const timers = manualTimers()
  const deliverer = new AlertDeliverer({
    outbox,
    url,
    format: 'standard',
    secret: SECRET,
    timeoutMs: 1000,
    retryMs: 24 * 3_600_000,
    clock: () => clock.now,
    systemErrors: errors,
    logger,
    schedule: timers.schedule,
    random: () => 0,
    ...overrides,
  })
  return { deliverer, outbox, errors, logger, timers, clock }
}
