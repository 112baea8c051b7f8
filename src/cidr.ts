/**
 * IP address ranges in CIDR notation (RFC 4632 for IPv4, RFC 4291 §2.3 for IPv6): a source's
 * `allowedCidrs` and the server's `trusted_proxies`. Pure: addresses are parsed into bytes here, so the
 * same rules hold on every runtime. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, which a dual-stack
 * listener reports for an IPv4 peer) is its IPv4 address, so one range written either way matches it.
 */

export interface Cidr {
  /** 4 or 16 bytes. */
  bytes: Uint8Array
  prefix: number
}

/** The range `text` names (`10.0.0.0/8`, `2001:db8::/32`, or one address), or an error message. */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/')
  const address = parseAddress(slash < 0 ? text : text.slice(0, slash))
  if (address === null) return `${JSON.stringify(text)} is not an IPv4 or IPv6 address or CIDR range`
  const bits = address.length * 8
  if (slash < 0) return { bytes: address, prefix: bits }
  const prefixText = text.slice(slash + 1)
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN
  if (!(prefix >= 0 && prefix <= bits)) {
    return `${JSON.stringify(text)}: the prefix length must be a number from 0 to ${bits}`
  }
  return { bytes: address, prefix }
}

/** A set of ranges, compiled once, asked per request. */
export class CidrSet {
  readonly #ranges: Cidr[]

  /** `texts` must be valid ranges (checked where they were configured). */
  constructor(texts: readonly string[]) {
    this.#ranges = texts.map((text) => {
      const range = parseCidr(text)
      if (typeof range === 'string') throw new Error(`assertion failed: ${range}`)
      return range
    })
  }

  get size(): number {
    return this.#ranges.length
  }

  /** Whether `address` (text, as a socket reports it) lies in one of the ranges. */
  has(address: string): boolean {
    const bytes = parseAddress(address)
    return bytes !== null && this.#ranges.some((range) => contains(range, bytes))
  }
}

function contains(range: Cidr, address: Uint8Array): boolean {
  if (range.bytes.length !== address.length) return false
  const whole = range.prefix >> 3
  for (let i = 0; i < whole; i++) if (range.bytes[i] !== address[i]) return false
  const rest = range.prefix & 7
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return (range.bytes[whole]! & mask) === (address[whole]! & mask)
}

/** The bytes of an IPv4 or IPv6 address (4 or 16; a mapped IPv4 address gives 4), or null. */
export function parseAddress(text: string): Uint8Array | null {
  if (text.includes(':')) {
    const v6 = parseIpv6(text)
    if (v6 === null) return null
    const mapped = v6.subarray(0, 10).every((byte) => byte === 0) && v6[10] === 0xff && v6[11] === 0xff
    return mapped ? v6.slice(12) : v6
  }
  return parseIpv4(text)
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.')
  if (parts.length !== 4) return null
  const bytes = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!
    // No leading zeros: "010" means 8 to some parsers and 10 to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return null
    bytes[i] = Number(part)
  }
  return bytes
}

function parseIpv6(text: string): Uint8Array | null {
  // A zone (fe80::1%eth0) names an interface of this machine, not another address.
  const zone = text.indexOf('%')
  const address = zone < 0 ? text : text.slice(0, zone)
  const halves = address.split('::')
  if (halves.length > 2) return null
  const groups = (half: string) => (half === '' ? [] : half.split(':'))
  const head = groups(halves[0]!)
  const tail = halves.length === 2 ? groups(halves[1]!) : []
  const words: number[] = []
  const read = (list: string[], allowV4: boolean): boolean => {
    for (let i = 0; i < list.length; i++) {
      const group = list[i]!
      if (allowV4 && i === list.length - 1 && group.includes('.')) {
        const v4 = parseIpv4(group)
        if (v4 === null) return false
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
      } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) words.push(Number.parseInt(group, 16))
      else return false
    }
    return true
  }
  if (!read(head, halves.length === 1)) return null
  const headWords = words.length
  if (!read(tail, true)) return null
  const missing = 8 - words.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null
  words.splice(headWords, 0, ...new Array<number>(missing).fill(0))
  const bytes = new Uint8Array(16)
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8
    bytes[2 * i + 1] = word & 0xff
  })
  return bytes
}
