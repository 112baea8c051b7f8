/**
 * Network addresses as indicator values: IPv4 and IPv6 addresses, `host:port` and bracketed forms, the host
 * of a URL, domain names and MAC addresses, each checked and put in the normal form Panther stores. They are
 * kept apart from the indicator collector because they are the bulk of its parsing. Values are read on
 * character codes in the strict forms written here, not through the URL parser, which accepts and rewrites
 * forms that are not addresses as written (it reads `1.2.3` as `1.2.0.3` and `010.0.0.1` as `8.0.0.1`).
 */
import { decodeLabels } from './punycode.ts'

/** Character classes of a character code; `| 32` lowers a letter. */
export const isDigit = (c: number): boolean => c >= 48 && c <= 57
export const isHex = (c: number): boolean => isDigit(c) || ((c | 32) >= 97 && (c | 32) <= 102)
const isLetter = (c: number): boolean => (c | 32) >= 97 && (c | 32) <= 122

/** Whether `value` from `start` to its end is a port number: one to five digits. */
export function isPort(value: string, start: number): boolean {
  const digits = value.length - start
  if (digits < 1 || digits > 5) return false
  for (let i = start; i < value.length; i++) if (!isDigit(value.charCodeAt(i))) return false
  return true
}

/** Dotted-quad IPv4 without leading zeros, which some parsers would read as octal. */
export function isIPv4(s: string, start = 0, end = s.length): boolean {
  let parts = 0
  let digits = 0
  let octet = 0
  for (let i = start; i <= end; i++) {
    const c = i < end ? s.charCodeAt(i) : 46
    if (c === 46 /* . */) {
      if (digits === 0 || parts === 4) return false
      parts++
      digits = 0
      octet = 0
    } else if (isDigit(c) && !(digits > 0 && octet === 0)) {
      octet = octet * 10 + c - 48
      if (++digits > 3 || octet > 255) return false
    } else return false
  }
  return parts === 4
}

/** RFC 4291 text form: eight groups of up to four hex digits, one `::` at most, an IPv4 tail; no zone. */
export function isIPv6(s: string): boolean {
  const end = s.length
  let groups = 0
  let elided = false
  let i = 0
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false
    elided = true
    i = 2
  }
  while (i < end) {
    let j = i
    while (j < end && j - i < 5 && isHex(s.charCodeAt(j))) j++
    if (j < end && s.charCodeAt(j) === 46) {
      if (!isIPv4(s, i, end)) return false
      groups += 2
      break
    }
    if (j === i || j - i > 4) return false
    groups++
    if (j === end) break
    if (s.charCodeAt(j) !== 58 || j + 1 === end) return false
    i = j + 1
    if (s.charCodeAt(i) === 58) {
      if (elided) return false
      elided = true
      i++
    }
  }
  return elided ? groups < 8 : groups === 8
}

function ipv6Of(value: string): string | undefined {
  return isIPv6(value) ? value.toLowerCase() : undefined
}

/** The IP address in `value`, IPv4 as written and IPv6 in lowercase, or undefined when it is none. */
export function ipOf(value: string): string | undefined {
  if (isIPv4(value)) return value
  return value.includes(':') ? ipv6Of(value) : undefined
}

function withoutZone(address: string): string {
  const percent = address.indexOf('%')
  return percent < 0 ? address : address.slice(0, percent)
}

/**
 * A domain name without its trailing dot and with punycode labels decoded. Values that cannot be a name
 * (spaces, slashes, colons, or no letter or digit at all, such as a `-` placeholder) give undefined.
 */
export function domainOf(value: string): string | undefined {
  const end = value.charCodeAt(value.length - 1) === 46 ? value.length - 1 : value.length
  let named = false
  let dashed = false
  for (let i = 0; i < end; i++) {
    const c = value.charCodeAt(i)
    if (c <= 32 || c === 127 || c === 47 || c === 92 || c === 58) return undefined
    if (c === 45) dashed = true
    else if (isDigit(c) || isLetter(c) || c > 127) named = true
  }
  if (!named) return undefined
  const name = end === value.length ? value : value.slice(0, end)
  return dashed ? decodeLabels(name) : name
}

/** The host of a URL with an authority (`scheme://` or `//`), without user info, port or IPv6 brackets. */
export function urlHost(url: string): string | undefined {
  let start: number
  if (url.startsWith('//')) start = 2
  else {
    const colon = url.indexOf(':')
    if (colon < 1 || !isLetter(url.charCodeAt(0)) || !url.startsWith('//', colon + 1)) return undefined
    for (let i = 1; i < colon; i++) {
      const c = url.charCodeAt(i)
      if (!(isLetter(c) || isDigit(c) || c === 43 || c === 45 || c === 46)) return undefined
    }
    start = colon + 3
  }
  let end = start
  for (; end < url.length; end++) {
    const c = url.charCodeAt(end)
    if (c === 47 || c === 63 || c === 35) break
  }
  const at = url.lastIndexOf('@', end - 1)
  if (at >= start) start = at + 1
  return start < end ? hostOf(url.slice(start, end)) : undefined
}

/**
 * The host of `host`, `host:port`, `[v6]` or `[v6]:port` without brackets or IPv6 zone, or undefined when
 * malformed; a bare IPv6 address is a host too.
 */
export function hostOf(value: string): string | undefined {
  if (value.charCodeAt(0) === 91 /* [ */) {
    const close = value.indexOf(']')
    const rest = close + 1
    if (close < 0 || (rest < value.length && !(value.charCodeAt(rest) === 58 && isPort(value, rest + 1)))) {
      return undefined
    }
    return ipv6Of(withoutZone(value.slice(1, close)))
  }
  const colon = value.indexOf(':')
  if (colon < 0 || isIPv6(value)) return value
  // isPort rejects a second colon: without brackets that is neither an address nor host:port.
  return isPort(value, colon + 1) ? value.slice(0, colon) : undefined
}

/** `00:1a:2b:3c:4d:5e` from that form, the dashed one, Cisco's `001a.2b3c.4d5e` or twelve bare hex digits. */
export function macOf(value: string): string | undefined {
  const length = value.length
  const sep = length === 17 ? value.charCodeAt(2) : length === 14 ? 46 : length === 12 ? 0 : -1
  if (sep !== 0 && sep !== 58 && sep !== 45 && sep !== 46) return undefined
  const every = length === 17 ? 3 : 5
  let hex = ''
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i)
    if (sep !== 0 && i % every === every - 1) {
      if (c !== sep) return undefined
    } else if (isHex(c)) hex += value[i]
    else return undefined
  }
  hex = hex.toLowerCase()
  return hex.replace(/(..)(?!$)/g, '$1:')
}
