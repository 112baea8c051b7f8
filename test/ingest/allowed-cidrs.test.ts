/**
 * A source's allowedCidrs through the app: who may send, what a refusal stores and how it is counted,
 * and how a trusted proxy names the client.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { setPeerAddress } from '../../src/runtime/serve.ts'
import { BASE_URL, type TestApp, testApp } from '../helpers.ts'

let t: TestApp
afterEach(() => t.close())

/** Each source's Bearer token, by its id (two sources may not share one). */
const tokens = new Map<string, string>()

async function source(allowedCidrs: string[]): Promise<string> {
  const response = await t.call('POST', '/log-sources/http', {
    body: { integrationLabel: `s${Math.random()}`, authMethod: 'Bearer', allowedCidrs },
  })
  expect(response.status).toBe(201)
  const created = (await response.json()) as { integrationId: string; authBearerToken: string }
  tokens.set(created.integrationId, created.authBearerToken)
  return created.integrationId
}

function send(id: string, peer: string | null, headers: Record<string, string> = {}) {
  const request = new Request(`${BASE_URL}/http/${id}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.get(id)}`, ...headers },
    body: '{"a":1}',
  })
  return t.app.handle(peer === null ? request : setPeerAddress(request, peer))
}

describe('allowedCidrs', () => {
  test('a sender inside the ranges is served; outside is 403, stores nothing, and is no auth failure', async () => {
    t = await testApp()
    const id = await source(['192.30.252.0/22', '2001:db8::/32'])
    expect((await send(id, '192.30.253.7')).status).toBe(200)
    expect((await send(id, '2001:db8::9')).status).toBe(200)
    expect((await send(id, '::ffff:192.30.254.1')).status).toBe(200)
    const refused = await send(id, '198.51.100.7')
    expect(refused.status).toBe(403)
    const body = (await refused.json()) as { error: { code: string; message: string } }
    expect(body.error).toEqual({
      code: 'ADDRESS_NOT_ALLOWED',
      message: "client address 198.51.100.7 is not in this source's allowedCidrs",
    })
    // Refused before auth: a wrong token from outside is still a 403, not a 401.
    expect((await send(id, '198.51.100.7', { authorization: 'Bearer wrong-token-value' })).status).toBe(403)
    expect(t.log.stats().lastSeq).toBe(3)
    const counters = t.counters.source(id)
    expect(counters.authFailures).toBe(0)
    expect(counters.statuses.get(403)).toBe(2)
    expect(t.counters.rejections.get('ADDRESS_NOT_ALLOWED')).toBe(2)
  })

  test('an empty list lets any address send; a request with no known peer is refused only by a list', async () => {
    t = await testApp()
    const open = await source([])
    expect((await send(open, '203.0.113.1')).status).toBe(200)
    expect((await send(open, null)).status).toBe(200)
    const closed = await source(['10.0.0.0/8'])
    expect((await send(closed, null)).status).toBe(403)
  })

  test('only a trusted proxy may name the client in X-Forwarded-For or Forwarded', async () => {
    t = await testApp({ env: { INLET_SERVER_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8' } })
    const id = await source(['192.30.252.0/22'])
    expect((await send(id, '127.0.0.1', { 'x-forwarded-for': '192.30.252.9' })).status).toBe(200)
    expect((await send(id, '10.1.2.3', { forwarded: 'for=192.30.252.9' })).status).toBe(200)
    expect((await send(id, '127.0.0.1', { 'x-forwarded-for': '198.51.100.7' })).status).toBe(403)
    // A sender that connects directly cannot claim an allowed address.
    expect((await send(id, '198.51.100.7', { 'x-forwarded-for': '192.30.252.9' })).status).toBe(403)
    // Nor slip one in to the left of its own address behind the proxy.
    const spoof = { 'x-forwarded-for': '192.30.252.9, 198.51.100.7' }
    expect((await send(id, '127.0.0.1', spoof)).status).toBe(403)
  })

  test('ranges are checked when a source is written; bad ones are a 400 naming the entry', async () => {
    t = await testApp()
    const response = await t.call('POST', '/log-sources/http', {
      body: { integrationLabel: 'x', authMethod: 'None', allowedCidrs: ['10.0.0.0/8', '10.0.0.0/40'] },
    })
    expect(response.status).toBe(400)
    const body = (await response.json()) as { error: { field: string; message: string } }
    expect(body.error.field).toBe('allowedCidrs.1')
    expect(body.error.message).toContain('prefix length')
    const id = await source([' 10.0.0.0/8 '])
    const read = (await (await t.call('GET', `/log-sources/http/${id}`)).json()) as { allowedCidrs: string[] }
    expect(read.allowedCidrs).toEqual(['10.0.0.0/8'])
    // A replace without the field opens the source to any address again, as for every optional field.
    const replaced = await t.call('PUT', `/log-sources/http/${id}`, {
      body: { integrationLabel: 'y', authMethod: 'Bearer' },
    })
    expect(((await replaced.json()) as { allowedCidrs: string[] }).allowedCidrs).toEqual([])
  })
})
