import { describe, expect, test } from 'bun:test'
import { CidrSet, parseAddress, parseCidr } from '../src/cidr.ts'

describe('parseAddress', () => {
  test('IPv4 and IPv6 in their usual spellings; a mapped IPv4 address is its IPv4 address', () => {
    expect(parseAddress('192.0.2.1')).toEqual(Uint8Array.of(192, 0, 2, 1))
    expect(parseAddress('::1')).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))
    expect(parseAddress('2001:DB8::8:800:200c:417a')?.length).toBe(16)
    expect(parseAddress('::ffff:192.0.2.1')).toEqual(Uint8Array.of(192, 0, 2, 1))
    expect(parseAddress('fe80::1%eth0')?.length).toBe(16)
    expect(parseAddress('1:2:3:4:5:6:7:8')?.length).toBe(16)
    expect(parseAddress('::')?.every((byte) => byte === 0)).toBe(true)
  })

  test('anything else is no address', () => {
    for (const text of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '01.2.3.4',
      '1.2.3.-4',
      'a.b.c.d',
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::',
      'g::1',
      '::ffff:1.2.3',
      'localhost',
    ]) {
      expect({ text, parsed: parseAddress(text) }).toEqual({ text, parsed: null })
    }
  })
})

describe('parseCidr', () => {
  test('ranges and single addresses; errors name the text', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ bytes: Uint8Array.of(10, 0, 0, 0), prefix: 8 })
    expect(parseCidr('192.0.2.7')).toEqual({ bytes: Uint8Array.of(192, 0, 2, 7), prefix: 32 })
    expect(parseCidr('2001:db8::/32')).toMatchObject({ prefix: 32 })
    expect(parseCidr('10.0.0.0/33')).toBe('"10.0.0.0/33": the prefix length must be a number from 0 to 32')
    expect(parseCidr('10.0.0.0/')).toBeString()
    expect(parseCidr('::/129')).toBeString()
    expect(parseCidr('example.com/8')).toBe('"example.com/8" is not an IPv4 or IPv6 address or CIDR range')
  })
})

describe('CidrSet', () => {
  test('membership by prefix, byte-aligned or not, per family', () => {
    const set = new CidrSet(['10.0.0.0/8', '192.168.1.128/25', '2001:db8::/32', '203.0.113.9'])
    expect(set.has('10.255.0.1')).toBe(true)
    expect(set.has('11.0.0.1')).toBe(false)
    expect(set.has('192.168.1.200')).toBe(true)
    expect(set.has('192.168.1.127')).toBe(false)
    expect(set.has('203.0.113.9')).toBe(true)
    expect(set.has('203.0.113.10')).toBe(false)
    expect(set.has('2001:db8:ffff::1')).toBe(true)
    expect(set.has('2001:db9::1')).toBe(false)
    expect(set.has('::ffff:10.1.2.3')).toBe(true)
    expect(set.has('not an address')).toBe(false)
  })

  test('/0 matches its whole family and nothing of the other', () => {
    const v4 = new CidrSet(['0.0.0.0/0'])
    expect(v4.has('198.51.100.1')).toBe(true)
    expect(v4.has('2001:db8::1')).toBe(false)
    expect(new CidrSet(['::/0']).has('2001:db8::1')).toBe(true)
  })
})
