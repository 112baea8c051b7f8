/**
 * Two ingest workers sharing the port (`[server] workers = 2`), against the running server: new
 * connections reach both workers, and every guarantee of one thread holds across them. Events are
 * counted once whichever worker took them, a change to a source reaches every worker at once, a
 * Standard Webhooks delivery retried on several connections at once is stored once, and every
 * acknowledged event is in the log.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { Webhook } from 'standardwebhooks'
import { type RunningInlet, startInlet } from './server.ts'

const API_KEY = 'e2e-workers-api-key-0001'

/** CPU time (clock ticks) of each of the process's threads named `Worker`, by thread id (Linux). */
function workerThreadTicks(pid: number): Map<string, number> {
  const ticks = new Map<string, number>()
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const comm = readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim()
    if (comm !== 'Worker') continue
    const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    ticks.set(task, Number(fields[11]) + Number(fields[12]))
  }
  return ticks
}

describe('two ingest workers', () => {
  let inlet: RunningInlet

  beforeAll(async () => {
    inlet = await startInlet({ env: { INLET_API_KEY: API_KEY, INLET_SERVER_WORKERS: '2' } })
  })
  afterAll(async () => {
    if (inlet.process.exitCode === null) await inlet.stop()
  })

  const api = (method: string, path: string, body?: object) =>
    fetch(`${inlet.url}${path}`, {
      method,
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json', connection: 'close' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })

  async function createSource(body: object): Promise<Record<string, string>> {
    const response = await api('POST', '/log-sources/http', {
      integrationLabel: `w-${Math.random()}`,
      ...body,
    })
    expect(response.status).toBe(201)
    return (await response.json()) as Record<string, string>
  }

  /** `count` requests, each on a connection of its own (so the kernel spreads them), 16 at a time. */
  async function sendEach(
    count: number,
    request: (i: number) => { path: string; headers?: Record<string, string>; body: string },
  ): Promise<number[]> {
    const statuses: number[] = []
    for (let start = 0; start < count; start += 16) {
      const batch = Array.from({ length: Math.min(16, count - start) }, async (_, j) => {
        const { path, headers, body } = request(start + j)
        const response = await fetch(`${inlet.url}${path}`, {
          method: 'POST',
          headers: { connection: 'close', ...headers },
          body,
        })
        await response.arrayBuffer()
        return response.status
      })
      statuses.push(...(await Promise.all(batch)))
    }
    return statuses
  }

  test('new connections reach both workers, and the events of all are counted once', async () => {
    const source = await createSource({ authMethod: 'None' })
    const before = workerThreadTicks(inlet.process.pid)
    expect(before.size).toBe(2)
    const statuses = await sendEach(600, (i) => ({
      path: `/http/${source.integrationId}`,
      body: `{"n": ${i}}\n{"n": ${i}, "second": true}`,
    }))
    expect(statuses.every((status) => status === 200)).toBe(true)
    const after = workerThreadTicks(inlet.process.pid)
    // Both threads did work: each was sent a share of the connections.
    for (const [thread, ticks] of after)
      expect(ticks, `thread ${thread}`).toBeGreaterThan(before.get(thread)!)
    const metrics = await (await api('GET', '/metrics')).text()
    expect(metrics).toContain(`inlet_ingest_events_total{source="${source.integrationId}"} 1200`)
    const count = (await (await api('GET', `/events/count?sourceId=${source.integrationId}`)).json()) as {
      count: number
    }
    expect(count.count).toBe(1200)
  })

  test('a rotation without grace, then a deletion, take effect on every worker at once', async () => {
    const source = await createSource({ authMethod: 'Bearer' })
    const send = (token: string) =>
      sendEach(32, () => ({
        path: `/http/${source.integrationId}`,
        headers: { authorization: `Bearer ${token}` },
        body: '{"a": 1}',
      }))
    expect(new Set(await send(source.authBearerToken!))).toEqual(new Set([200]))
    const rotated = await api('POST', `/log-sources/http/${source.integrationId}/rotate-secret`, {
      graceSeconds: 0,
    })
    const { authBearerToken: next } = (await rotated.json()) as { authBearerToken: string }
    expect(new Set(await send(source.authBearerToken!))).toEqual(new Set([401]))
    expect(new Set(await send(next))).toEqual(new Set([200]))
    expect((await api('DELETE', `/log-sources/http/${source.integrationId}`)).status).toBe(204)
    expect(new Set(await send(next))).toEqual(new Set([404]))
  })

  test('one Standard Webhooks delivery sent on 12 connections at once is stored once', async () => {
    const source = await createSource({ authMethod: 'HMAC', authHmacScheme: 'standard-webhooks' })
    const body = '{"type": "invoice.paid", "id": "evt_1"}'
    const id = 'msg_workers_1'
    const timestamp = new Date()
    const signature = new Webhook(source.authSecretValue!).sign(id, timestamp, body)
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    }
    const statuses = await sendEach(12, () => ({ path: `/http/${source.integrationId}`, headers, body }))
    expect(new Set(statuses)).toEqual(new Set([200]))
    const { count } = (await (await api('GET', `/events/count?sourceId=${source.integrationId}`)).json()) as {
      count: number
    }
    expect(count).toBe(1)
  })

  test('after a clean stop, every acknowledged event is in the log once', async () => {
    const { code, events } = await inlet.stop()
    expect(code).toBe(0)
    const ids = events.map((event) => event.p_row_id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(events.filter((event) => typeof event.n === 'number')).toHaveLength(1200)
  })
})
