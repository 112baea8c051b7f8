/**
 * Who sent a request, for a source's `allowedCidrs`. The connection's peer is the client, unless the
 * peer is one of `[server] trusted_proxies`: only then may the request name the client, in `Forwarded`
 * (RFC 7239) or else `X-Forwarded-For`. Each proxy appends the address it received the request from, so
 * the list is read from the right, skipping the trusted proxies: the first address that is not one of
 * them is the client, and anything to its left was written by the sender, who may lie. A sender that
 * connects directly cannot claim another address, whatever headers it sends.
 */

import { CidrSet, parseAddress } from '../cidr.ts'
import type { DirectRequest } from '../runtime/serve.ts'

export class ClientAddress {
  readonly #trusted: CidrSet

  constructor(trustedProxies: readonly string[]) {
    this.#trusted = new CidrSet(trustedProxies)
  }

  /** The client's address, or null when it cannot be known (no peer, or a proxy chain naming a non-address). */
  of(request: Pick<DirectRequest, 'headers'>, peer: string | null): string | null {
    if (peer === null || this.#trusted.size === 0 || !this.#trusted.has(peer)) return peer
    const forwarded = request.headers.get('forwarded')
    const chain =
      forwarded !== null
        ? forwardedFor(forwarded)
        : (request.headers.get('x-forwarded-for')?.split(',').map(stripPort) ?? [])
    for (let i = chain.length - 1; i >= 0; i--) {
      const address = chain[i]!
      if (parseAddress(address) === null) return null
      if (i === 0 || !this.#trusted.has(address)) return address
    }
    return peer
  }
}

/** The `for=` addresses of a Forwarded header's elements, in order (RFC 7239 §4 and §6). */
function forwardedFor(header: string): string[] {
  const found: string[] = []
  for (const element of header.split(',')) {
    for (const pair of element.split(';')) {
      const equals = pair.indexOf('=')
      if (equals < 0 || pair.slice(0, equals).trim().toLowerCase() !== 'for') continue
      found.push(stripPort(unquote(pair.slice(equals + 1).trim())))
    }
  }
  return found
}

const unquote = (value: string) =>
  value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value

/** `[2001:db8::1]:4711` → `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`; a bare address is kept. */
function stripPort(text: string): string {
  const value = text.trim()
  if (value.startsWith('[')) {
    const close = value.indexOf(']')
    return close < 0 ? value : value.slice(1, close)
  }
  const colon = value.indexOf(':')
  return colon >= 0 && colon === value.lastIndexOf(':') ? value.slice(0, colon) : value
}
