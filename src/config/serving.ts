/**
 * Where and how the server listens: the `listen` address, TLS, and the rule that a non-loopback
 * address is served only over TLS unless the operator says a proxy in front terminates it.
 */
import { isIP } from 'node:net'
import { parseCidr } from '../cidr.ts'
import { type Config, MEMORY_RESERVE_BYTES, workersMemoryAllows } from './schema.ts'

const MIB = 1024 * 1024

export interface ListenAddress {
  hostname: string
  port: number
}

/** Parses `HOST:PORT`, `[v6]:PORT` or `:PORT` (all interfaces). Returns an error message on bad input. */
export function parseListen(text: string): ListenAddress | string {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim())
  if (!match) return `expected HOST:PORT (or [IPv6]:PORT), got ${JSON.stringify(text)}`
  const port = Number(match[3])
  if (port > 65_535) return `port ${port} is out of range 0..65535`
  const hostname = match[1] ?? (match[2] || '0.0.0.0')
  if (match[1] !== undefined && isIP(match[1]) !== 6)
    return `${JSON.stringify(match[1])} is not an IPv6 address`
  return { hostname, port }
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase()
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

/** Cross-field rules the schema alone cannot state; each problem names the keys involved. */
export function checkServing(config: Config): string[] {
  const problems: string[] = []
  const listen = parseListen(config.listen)
  if (typeof listen === 'string') problems.push(`listen: ${listen}`)
  const tls = config.tls_cert !== '' || config.tls_key !== ''
  if (tls && (config.tls_cert === '' || config.tls_key === '')) {
    problems.push('tls_cert and tls_key: give both the certificate and its key, or neither')
  }
  if (typeof listen !== 'string' && !tls && !config.allow_plain_http && !isLoopback(listen.hostname)) {
    problems.push(
      `listen: ${config.listen} is not a loopback address; serving it without TLS is refused ` +
        '(set tls_cert and tls_key, or allow_plain_http when a TLS proxy sits in front)',
    )
  }
  // The largest request must fit with the log's queue beside it: its body and the reader's copy, its
  // decoded bytes stored as events (each with up to 256 bytes of p_ fields), a brotli window.
  const ingest = config.ingest
  const largest =
    3 * ingest.request_bytes_max + ingest.decoded_bytes_max + 256 * ingest.events_per_request_max + 16 * MIB
  const needed = largest + config.log.queue_bytes_max + MEMORY_RESERVE_BYTES
  if (ingest.memory_max < needed) {
    problems.push(
      `ingest.memory_max (${ingest.memory_max}) is less than the ${needed} bytes one largest request needs ` +
        'beside the log queue and the process itself: raise it, or lower ingest.decoded_bytes_max, ' +
        'ingest.events_per_request_max or log.queue_bytes_max',
    )
  }
  if (config.public_url !== '') {
    try {
      const url = new URL(config.public_url)
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme')
    } catch {
      problems.push(`public_url: expected an http(s) URL, got ${JSON.stringify(config.public_url)}`)
    }
  }
  config.server.trusted_proxies.forEach((text, index) => {
    const range = parseCidr(text)
    if (typeof range === 'string') problems.push(`server.trusted_proxies[${index}]: ${range}`)
  })
  const allowed = workersMemoryAllows(config)
  if (config.server.workers > allowed) {
    problems.push(
      `server.workers: ${config.server.workers} workers need more memory than ingest.memory_max leaves (room for ${allowed}); raise memory_max or lower workers`,
    )
  }
  return problems
}
