/**
 * Alert delivery end to end against a real receiver on loopback: signatures checked with the
 * `standardwebhooks` package (not with the sender's code), both formats, retry with backoff, order,
 * timeouts, dropping, and the failure system error raised and resolved.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { Webhook } from 'standardwebhooks'
import {
  ALERT_DELIVERY_FAILURE,
  BACKOFF_MAX_MS,
  backoffMs,
  RESPONSE_BYTES_MAX,
} from '../../src/health/alerts/deliver.ts'
import { VERSION } from '../../src/version.ts'
import { alert, rig, SECRET, startReceiver, stopReceivers } from './alerts-fixtures.ts'

afterEach(stopReceivers)

const verify = (received: { body: string; headers: Record<string, string> }) =>
  new Webhook(SECRET).verify(received.body, received.headers)

const failing = (statuses: number[]) => (_received: unknown, index: number) =>
  new Response(`attempt ${index}`, { status: statuses[index] ?? 200 })

describe('signing and formats', () => {
  test('standard: the alert itself, signed so that standardwebhooks verifies it', async () => {
    const receiver = startReceiver()
    const { deliverer, outbox, errors } = rig(receiver.url)
    const sent = alert()
    outbox.enqueue({ ...sent, extra: 'not part of the contract' } as typeof sent)
    await deliverer.start()
    expect(receiver.received).toHaveLength(1)
    const [received] = receiver.received
    expect(verify(received!)).toEqual(sent)
    expect(JSON.parse(received!.body)).toEqual(sent)
    expect(received!.headers['webhook-id']).toBe('msg_test1')
    expect(received!.headers['content-type']).toBe('application/json')
    expect(received!.headers['user-agent']).toBe(`Inlet/${VERSION}`)
    expect(received!.path).toBe(new URL(receiver.url).pathname + new URL(receiver.url).search)
    expect(outbox.size()).toBe(0)
    expect(errors.calls).toEqual([
      { op: 'resolve', type: ALERT_DELIVERY_FAILURE, sourceId: null, wasOpen: false },
    ])
  })

  test('a tampered body, another secret or a stale timestamp fails verification', async () => {
    const receiver = startReceiver()
    const { deliverer, outbox } = rig(receiver.url)
    outbox.enqueue(alert())
    await deliverer.start()
    const received = receiver.received[0]!
    expect(() => verify({ ...received, body: received.body.replace('github', 'gitlab') })).toThrow()
    const other = `whsec_${Buffer.alloc(32, 7).toString('base64')}`
    expect(() => new Webhook(other).verify(received.body, received.headers)).toThrow()
    const stale = String(Number(received.headers['webhook-timestamp']) - 3600)
    expect(() =>
      verify({ ...received, headers: { ...received.headers, 'webhook-timestamp': stale } }),
    ).toThrow()
  })

  test('webhook-timestamp is the time of the attempt, in seconds', async () => {
    const receiver = startReceiver(failing([500]))
    const { deliverer, outbox, clock, timers } = rig(receiver.url)
    outbox.enqueue(alert())
    await deliverer.start()
    clock.now += timers.delays.at(-1)! + 1500
    await deliverer.wake()
    const [first, second] = receiver.received.map((r) => Number(r.headers['webhook-timestamp']))
    expect(first).toBe(Math.floor((clock.now - timers.delays[0]! - 1500) / 1000))
    expect(second).toBe(Math.floor(clock.now / 1000))
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual(['msg_test1', 'msg_test1'])
    for (const received of receiver.received) expect(verify(received)).toEqual(alert())
  })

  test('slack: {"text"} with one escaped line, signed too', async () => {
    const receiver = startReceiver()
    const { deliverer, outbox } = rig(receiver.url, { format: 'slack' })
    outbox.enqueue(alert())
    outbox.enqueue(alert({ state: 'OK', message: "source '<!channel> & co' receives events again" }))
    await deliverer.start()
    expect(receiver.received.map((received) => verify(received))).toEqual([
      {
        text:
          "[ALARM] SOURCE_NO_DATA: source 'github' (0b7c2a4e-3d41-4c1f-9a57-1f1d6c2b9e10) has received " +
          'no events for 15 minutes (last event 2026-11-28T11:45:00.000Z)',
      },
      { text: "[OK] SOURCE_NO_DATA: source '&lt;!channel&gt; &amp; co' receives events again" },
    ])
    expect(receiver.received[0]!.headers['content-type']).toBe('application/json')
  })
})

describe('retries', () => {
  test('a failing receiver that recovers: backoff, delivered once, the system error raised then resolved', async () => {
    const receiver = startReceiver(failing([500, 503]))
    const { deliverer, outbox, errors, logger, timers, clock } = rig(receiver.url)
    outbox.enqueue(alert())
    await deliverer.start()
    expect(receiver.received).toHaveLength(1)
    expect(outbox.rows[0]).toMatchObject({ attempts: 1, nextAttemptAtMs: clock.now + 1000 })
    expect(timers.delays).toEqual([1000])

    // Not due yet: a wake (another alert enqueued, say) sends nothing.
    clock.now += 999
    await deliverer.wake()
    expect(receiver.received).toHaveLength(1)

    clock.now += 1
    await deliverer.wake()
    expect(receiver.received).toHaveLength(2)
    expect(outbox.rows[0]).toMatchObject({ attempts: 2, nextAttemptAtMs: clock.now + 2000 })

    clock.now += 2000
    await deliverer.wake()
    expect(receiver.received).toHaveLength(3)
    expect(outbox.size()).toBe(0)
    expect(timers.active()).toBe(0)

    const raised = errors.calls.filter((call) => call.op === 'raise')
    expect(raised).toHaveLength(2)
    for (const call of raised) {
      expect(call).toMatchObject({ type: ALERT_DELIVERY_FAILURE, sourceId: null })
      expect(call.message).toContain(receiver.origin)
      expect(call.message).not.toContain('SECRET')
      expect(call.message).toContain('1 alert waiting')
    }
    expect(raised[0]!.message).toContain('HTTP 500')
    expect(raised[1]!.message).toContain('HTTP 503')
    expect(errors.calls.at(-1)).toEqual({
      op: 'resolve',
      type: ALERT_DELIVERY_FAILURE,
      sourceId: null,
      wasOpen: true,
    })
    // One warning for the episode, one line when it ends.
    expect(logger.lines.map((line) => [line.level, line.message])).toEqual([
      ['warn', 'alert delivery failing; retrying with backoff'],
      ['info', 'alert delivery recovered'],
    ])
    expect(JSON.stringify(logger.lines)).not.toContain('SECRET')
  })

  test('the retry timer fires on its own', async () => {
    const receiver = startReceiver(failing([500]))
    const { deliverer, outbox } = rig(receiver.url, { schedule: undefined, clock: Date.now })
    outbox.enqueue(alert())
    await deliverer.start()
    expect(receiver.received).toHaveLength(1)
    const deadline = Date.now() + 1900
    while (outbox.size() > 0 && Date.now() < deadline) await Bun.sleep(20)
    expect(receiver.received).toHaveLength(2)
    expect(outbox.size()).toBe(0)
    await deliverer.close()
  })

  test('redirects, client errors and an unreachable receiver are failures', async () => {
    const receiver = startReceiver(failing([302, 404]))
    const { deliverer, outbox, errors, clock, timers } = rig(receiver.url)
    outbox.enqueue(alert())
    await deliverer.start()
    clock.now += timers.delays.at(-1)!
    await deliverer.wake()
    receiver.stop()
    clock.now += timers.delays.at(-1)!
    await deliverer.wake()
    const messages = errors.calls.flatMap((call) => (call.op === 'raise' ? [call.message] : []))
    expect(messages).toHaveLength(3)
    expect(messages[0]).toContain('HTTP 302, a redirect, which is not followed')
    expect(messages[1]).toContain('HTTP 404')
    for (const message of messages) expect(message).not.toContain('SECRET')
    expect(outbox.rows[0]).toMatchObject({ attempts: 3 })
    expect(timers.delays).toEqual([1000, 2000, 4000])
  })

  test('a receiver that does not answer within the timeout is a failure', async () => {
    const receiver = startReceiver(() => new Promise<Response>(() => {}))
    const { deliverer, outbox, errors } = rig(receiver.url, { timeoutMs: 200 })
    outbox.enqueue(alert())
    const started = performance.now()
    await deliverer.start()
    expect(performance.now() - started).toBeLessThan(1000)
    expect(outbox.rows[0]).toMatchObject({ attempts: 1 })
    expect(errors.calls[0]).toMatchObject({ op: 'raise', type: ALERT_DELIVERY_FAILURE })
    expect((errors.calls[0] as { message: string }).message).toContain('no answer within 200 ms')
  })

  test('backoff doubles from 1 s to at most 5 minutes, jitter only shortening it', () => {
    const none = () => 0
    expect([1, 2, 3, 4, 9, 10, 50, 10_000].map((attempts) => backoffMs(attempts, none))).toEqual([
      1000,
      2000,
      4000,
      8000,
      256_000,
      BACKOFF_MAX_MS,
      BACKOFF_MAX_MS,
      BACKOFF_MAX_MS,
    ])
    for (let i = 0; i < 100; i++) {
      const delay = backoffMs(20, Math.random)
      expect(delay).toBeGreaterThanOrEqual(BACKOFF_MAX_MS * 0.9)
      expect(delay).toBeLessThanOrEqual(BACKOFF_MAX_MS)
    }
  })
})

describe('order and limits', () => {
  test('strictly oldest first, one attempt at a time: a failing first alert holds back the second', async () => {
    const receiver = startReceiver(async (received, index) => {
      await Bun.sleep(30)
      const { state } = JSON.parse(received.body) as { state: string }
      return new Response(null, { status: index === 0 && state === 'ALARM' ? 500 : 204 })
    })
    const { deliverer, outbox, clock, timers } = rig(receiver.url)
    outbox.enqueue(alert())
    const first = deliverer.start()
    // Enqueued while the first attempt is in flight, and woken repeatedly: still one request at a time.
    outbox.enqueue(alert({ state: 'OK', message: 'events again' }))
    await Promise.all([deliverer.wake(), deliverer.wake(), first])
    expect(receiver.received).toHaveLength(1)
    await deliverer.wake()
    expect(receiver.received).toHaveLength(1)

    clock.now += timers.delays.at(-1)!
    await Promise.all([deliverer.wake(), deliverer.wake()])
    expect(receiver.received.map((received) => JSON.parse(received.body).state)).toEqual([
      'ALARM',
      'ALARM',
      'OK',
    ])
    expect(receiver.received.map((received) => received.headers['webhook-id'])).toEqual([
      'msg_test1',
      'msg_test1',
      'msg_test2',
    ])
    expect(receiver.maxInFlight).toBe(1)
    expect(outbox.size()).toBe(0)
  })

  test('an alert older than retry_hours is dropped, logged and reported; the next one goes', async () => {
    const receiver = startReceiver()
    const { deliverer, outbox, errors, logger, clock } = rig(receiver.url, { retryMs: 3_600_000 })
    outbox.enqueue(alert())
    outbox.rows[0]!.attempts = 7
    clock.now += 3_600_001
    outbox.enqueue(alert({ state: 'OK', message: 'events again' }))
    await deliverer.start()
    expect(outbox.dropped.map((row) => row.id)).toEqual([1])
    expect(receiver.received.map((received) => JSON.parse(received.body).state)).toEqual(['OK'])
    expect(errors.calls[0]).toMatchObject({ op: 'raise', type: ALERT_DELIVERY_FAILURE, sourceId: null })
    const message = (errors.calls[0] as { message: string }).message
    expect(message).toContain('dropped')
    expect(message).toContain('7 attempts over 1 hour')
    expect(message).toContain(receiver.origin)
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'alert dropped undelivered' }),
    )
  })

  test('only the first KiB of an answer is read, even of an endless one', async () => {
    const endless = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(64 * 1024).fill(0x61)),
    })
    const receiver = startReceiver(() => new Response(endless, { status: 200 }))
    const { deliverer } = rig(receiver.url, { timeoutMs: 1000 })
    const started = performance.now()
    const result = await deliverer.send(alert())
    expect(performance.now() - started).toBeLessThan(900)
    expect(result).toMatchObject({ delivered: true, status: 200 })
    expect(result.response).toBe('a'.repeat(RESPONSE_BYTES_MAX))
  })

  test('close() stops the timers and waits for the attempt in flight, bounded by the timeout', async () => {
    const receiver = startReceiver(() => new Promise<Response>(() => {}))
    const { deliverer, outbox, timers } = rig(receiver.url, { timeoutMs: 200 })
    outbox.enqueue(alert())
    void deliverer.start()
    await Bun.sleep(20)
    const started = performance.now()
    await deliverer.close()
    expect(performance.now() - started).toBeLessThan(600)
    // The failure was still recorded, and no retry was scheduled after the close.
    expect(outbox.rows[0]).toMatchObject({ attempts: 1 })
    expect(timers.active()).toBe(0)
    await deliverer.wake()
    expect(receiver.received).toHaveLength(1)
  })

  test('an error inside the loop is logged and retried later, never thrown', async () => {
    const receiver = startReceiver()
    const { deliverer, outbox, logger, timers } = rig(receiver.url)
    outbox.enqueue(alert())
    outbox.head = () => {
      throw new Error('database is locked')
    }
    await deliverer.start()
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error' }))
    expect(timers.active()).toBe(1)
  })
})

describe('send()', () => {
  test("reports the receiver's status and answer, and the alert verifies", async () => {
    const receiver = startReceiver(() => new Response('accepted, thanks', { status: 202 }))
    const { deliverer, outbox } = rig(receiver.url)
    const result = await deliverer.send(alert({ type: 'TEST', state: 'OK' }))
    expect(result).toEqual({
      delivered: true,
      status: 202,
      response: 'accepted, thanks',
      webhookId: expect.stringMatching(/^msg_[A-Za-z0-9_-]{22}$/),
      durationMs: expect.any(Number),
    })
    expect(receiver.received[0]!.headers['webhook-id']).toBe(result.webhookId)
    expect(verify(receiver.received[0]!)).toEqual(alert({ type: 'TEST', state: 'OK' }))
    expect(outbox.size()).toBe(0)
  })

  test('a refusal or an unreachable receiver is reported, never thrown, without the URL', async () => {
    const receiver = startReceiver(() => new Response('no_such_channel', { status: 404 }))
    const { deliverer } = rig(receiver.url)
    expect(await deliverer.send(alert())).toMatchObject({
      delivered: false,
      status: 404,
      response: 'no_such_channel',
      error: 'the receiver answered HTTP 404',
    })
    receiver.stop()
    const unreachable = await deliverer.send(alert())
    expect(unreachable).toMatchObject({ delivered: false, status: null, response: '' })
    expect(unreachable.error).toBeString()
    expect(unreachable.error).not.toContain('SECRET')
  })

  test('a test alert that gets through retries the waiting head at once', async () => {
    const receiver = startReceiver(failing([500]))
    const { deliverer, outbox } = rig(receiver.url)
    outbox.enqueue(alert())
    await deliverer.start()
    expect(outbox.size()).toBe(1)
    await deliverer.send(alert({ type: 'TEST', state: 'OK' }))
    await deliverer.wake()
    expect(outbox.size()).toBe(0)
    expect(receiver.received.map((received) => JSON.parse(received.body).type)).toEqual([
      'SOURCE_NO_DATA',
      'TEST',
      'SOURCE_NO_DATA',
    ])
  })
})

describe('configuration', () => {
  test.each([
    ['not a URL', 'is not a URL'],
    ['ftp://example.com/hook', 'must be an http:// or https:// URL'],
  ])('webhook_url %s is refused without being quoted', (url, problem) => {
    expect(() => rig(url)).toThrow(`[alerts] webhook_url (INLET_ALERTS_WEBHOOK_URL) ${problem}`)
  })

  test('an invalid secret is refused', () => {
    expect(() => rig('http://127.0.0.1:9/', { secret: 'whsec_short' })).toThrow('webhook secret')
  })

  test('the receiver is shown by its origin only', () => {
    expect(rig('https://hooks.slack.com/services/T0/B0/XYZ?x=1').deliverer.receiver).toBe(
      'https://hooks.slack.com',
    )
  })
})
