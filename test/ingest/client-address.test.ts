import { describe, expect, test } from 'bun:test'
import { ClientAddress } from '../../src/ingest/client-address.ts'

const request = (headers: Record<string, string> = {}) => new Request('http://inlet.test/', { headers })

describe('ClientAddress', () => {
  const behindProxies = new ClientAddress(['10.0.0.0/8', '192.0.2.1'])

  test('without trusted proxies the peer is the client, whatever the headers say', () => {
    const direct = new ClientAddress([])
    const spoofed = request({ 'x-forwarded-for': '203.0.113.5', forwarded: 'for=203.0.113.5' })
    expect(direct.of(spoofed, '198.51.100.7')).toBe('198.51.100.7')
    expect(direct.of(spoofed, null)).toBeNull()
  })

  test('a peer that is no trusted proxy is the client, even with proxies configured', () => {
    const spoofed = request({ 'x-forwarded-for': '10.1.1.1' })
    expect(behindProxies.of(spoofed, '198.51.100.7')).toBe('198.51.100.7')
  })

  test('behind trusted proxies, X-Forwarded-For is read from the right past the proxies', () => {
    const peer = '10.0.0.2'
    expect(behindProxies.of(request({ 'x-forwarded-for': '203.0.113.5' }), peer)).toBe('203.0.113.5')
    // The sender wrote 1.1.1.1 itself; the first proxy appended the address it saw.
    const chain = request({ 'x-forwarded-for': '1.1.1.1, 203.0.113.5, 10.9.9.9' })
    expect(behindProxies.of(chain, peer)).toBe('203.0.113.5')
    expect(behindProxies.of(request({ 'x-forwarded-for': '10.1.1.1, 192.0.2.1' }), peer)).toBe('10.1.1.1')
    expect(behindProxies.of(request(), peer)).toBe(peer)
    expect(behindProxies.of(request({ 'x-forwarded-for': '203.0.113.5:4711' }), peer)).toBe('203.0.113.5')
  })

  test('Forwarded (RFC 7239) is preferred, with quoted, bracketed and ported forms', () => {
    const peer = '192.0.2.1'
    const forwarded = request({
      forwarded: 'for=1.1.1.1;proto=https, for="[2001:db8:cafe::17]:4711";by=10.0.0.1',
      'x-forwarded-for': '203.0.113.99',
    })
    expect(behindProxies.of(forwarded, peer)).toBe('2001:db8:cafe::17')
    expect(behindProxies.of(request({ forwarded: 'For="203.0.113.5:80"' }), peer)).toBe('203.0.113.5')
  })

  test('a chain that names no address where the client should be is unknown', () => {
    expect(behindProxies.of(request({ forwarded: 'for=unknown' }), '10.0.0.2')).toBeNull()
    expect(behindProxies.of(request({ 'x-forwarded-for': 'garbage, 10.1.1.1' }), '10.0.0.2')).toBeNull()
  })
})
