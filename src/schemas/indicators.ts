/**
 * Indicator values: the strings of fields a schema marks with `indicators`, gathered per event into Panther's
 * `p_any_*` arrays (https://docs.panther.com/search/panther-fields) so that one search finds an IP address,
 * a domain or a hash across every log type. Values are checked and normalized as Panther stores them: IP
 * addresses must parse, host names lose a port and a trailing dot, punycode labels are shown in Unicode, an
 * ARN also yields its account id, and empty strings never count. A value that fails its kind's check is
 * skipped rather than stored, since a wrong indicator misleads a search more than a missing one.
 */
import type { Indicator } from './model.ts'

/** The p_any_* fields in alphabetical order; a slot number below is an index into this list. */
const FIELDS = [
  'p_any_aws_account_ids',
  'p_any_aws_arns',
  'p_any_aws_instance_ids',
  'p_any_aws_tags',
  'p_any_domain_names',
  'p_any_emails',
  'p_any_ip_addresses',
  'p_any_mac_addresses',
  'p_any_md5_hashes',
  'p_any_serial_numbers',
  'p_any_sha1_hashes',
  'p_any_sha256_hashes',
  'p_any_trace_ids',
  'p_any_usernames',
] as const
const ACCOUNT = FIELDS.indexOf('p_any_aws_account_ids')
const ARN = FIELDS.indexOf('p_any_aws_arns')
const INSTANCE = FIELDS.indexOf('p_any_aws_instance_ids')
const TAG = FIELDS.indexOf('p_any_aws_tags')
const DOMAIN = FIELDS.indexOf('p_any_domain_names')
const EMAIL = FIELDS.indexOf('p_any_emails')
const IP = FIELDS.indexOf('p_any_ip_addresses')
const MAC = FIELDS.indexOf('p_any_mac_addresses')
const MD5 = FIELDS.indexOf('p_any_md5_hashes')
const SERIAL = FIELDS.indexOf('p_any_serial_numbers')
const SHA1 = FIELDS.indexOf('p_any_sha1_hashes')
const SHA256 = FIELDS.indexOf('p_any_sha256_hashes')
const TRACE = FIELDS.indexOf('p_any_trace_ids')
const USERNAME = FIELDS.indexOf('p_any_usernames')

const SLOTS_OF: Record<Indicator, readonly number[]> = {
  ip: [IP],
  domain: [DOMAIN],
  hostname: [DOMAIN, IP],
  net_addr: [DOMAIN, IP],
  url: [DOMAIN, IP],
  email: [EMAIL],
  username: [USERNAME],
  md5: [MD5],
  sha1: [SHA1],
  sha256: [SHA256],
  trace_id: [TRACE],
  aws_arn: [ACCOUNT, ARN, INSTANCE],
  aws_account_id: [ACCOUNT],
  aws_instance_id: [INSTANCE],
  aws_tag: [TAG],
  mac: [MAC],
  serial_number: [SERIAL],
}

const FIELDS_OF = Object.fromEntries(
  Object.entries(SLOTS_OF).map(([kind, slots]) => [kind, Object.freeze(slots.map((slot) => FIELDS[slot]!))]),
) as Record<Indicator, readonly string[]>

/**
 * The p_any_* field names every kind may write (for search/UI): e.g. fieldsOf('url') →
 * ['p_any_domain_names', 'p_any_ip_addresses'].
 */
export function fieldsOf(kind: Indicator): readonly string[] {
  return FIELDS_OF[kind]
}

/** Collects the indicator values of one event; reused across events (call clear()). */
export class IndicatorCollector {
  /** One set per p_any_* field, made on first use, so an event with few indicators allocates little. */
  readonly #sets: (Set<string> | undefined)[] = []
  #count = 0

  /** Records a string value of a field marked with these indicator kinds. */
  add(kinds: readonly Indicator[], value: string): void {
    if (value === '') return
    for (let k = 0; k < kinds.length; k++) this.#addKind(kinds[k]!, value)
  }

  /** True when nothing was collected. */
  get empty(): boolean {
    return this.#count === 0
  }

  /**
   * Writes the p_any_* arrays (sorted, deduplicated) onto the target object, in alphabetical field order, and
   * returns it.
   */
  writeTo(target: Record<string, unknown>): Record<string, unknown> {
    for (let slot = 0; slot < FIELDS.length; slot++) {
      const set = this.#sets[slot]
      if (set !== undefined && set.size > 0)
        target[FIELDS[slot]!] = set.size === 1 ? [...set] : [...set].sort()
    }
    return target
  }

  clear(): void {
    if (this.#count === 0) return
    for (const set of this.#sets) set?.clear()
    this.#count = 0
  }

  #put(slot: number, value: string): void {
    let set = this.#sets[slot]
    if (set === undefined) {
      set = new Set()
      this.#sets[slot] = set
    }
    const size = set.size
    set.add(value)
    this.#count += set.size - size
  }

  #putIf(slot: number, value: string | undefined): void {
    if (value !== undefined) this.#put(slot, value)
  }

  #addKind(kind: Indicator, value: string): void {
    switch (kind) {
      case 'ip':
        this.#putIf(IP, ipOf(trimmed(value)))
        break
      case 'domain':
        this.#putIf(DOMAIN, domainOf(value))
        break
      case 'hostname':
      case 'net_addr':
        this.#addHost(hostOf(trimmed(value)))
        break
      case 'url':
        this.#addHost(urlHost(value))
        break
      case 'email':
        if (isEmail(value)) this.#put(EMAIL, value)
        break
      case 'md5':
        this.#putIf(MD5, hashOf(value, 32))
        break
      case 'sha1':
        this.#putIf(SHA1, hashOf(value, 40))
        break
      case 'sha256':
        this.#putIf(SHA256, hashOf(value, 64))
        break
      case 'aws_arn':
        this.#addArn(value)
        break
      case 'aws_account_id':
        if (isAccountId(value)) this.#put(ACCOUNT, value)
        break
      case 'aws_instance_id':
        if (isInstanceId(value)) this.#put(INSTANCE, value)
        break
      case 'mac':
        this.#putIf(MAC, macOf(value))
        break
      case 'username':
        if (!isBlank(value)) this.#put(USERNAME, value)
        break
      case 'trace_id':
        if (!isBlank(value)) this.#put(TRACE, value)
        break
      case 'aws_tag':
        if (!isBlank(value)) this.#put(TAG, value)
        break
      case 'serial_number':
        if (!isBlank(value)) this.#put(SERIAL, value)
        break
    }
  }

  #addHost(host: string | undefined): void {
    if (host === undefined) return
    const ip = ipOf(host)
    if (ip !== undefined) this.#put(IP, ip)
    else this.#putIf(DOMAIN, domainOf(host))
  }

  /** An ARN; its account id and an EC2 instance id in it are indicators too, as Panther records them. */
  #addArn(value: string): void {
    const arn = arnOf(value)
    if (arn === undefined) return
    this.#put(ARN, value)
    if (isAccountId(arn.accountId)) this.#put(ACCOUNT, arn.accountId)
    if (arn.resource.startsWith('instance/')) {
      const instanceId = arn.resource.slice(arn.resource.lastIndexOf('/') + 1)
      if (isInstanceId(instanceId)) this.#put(INSTANCE, instanceId)
    }
  }
}

/** `arn:partition:service:region:account-id:resource`, where region and account id may be empty. */
function arnOf(value: string): { accountId: string; resource: string } | undefined {
  if (!value.startsWith('arn:') || hasSpace(value)) return undefined
  const service = value.indexOf(':', 4)
  const region = service < 0 ? -1 : value.indexOf(':', service + 1)
  const account = region < 0 ? -1 : value.indexOf(':', region + 1)
  const resource = account < 0 ? -1 : value.indexOf(':', account + 1)
  if (resource < 0 || service === 4 || region === service + 1 || resource === value.length - 1)
    return undefined
  return { accountId: value.slice(account + 1, resource), resource: value.slice(resource + 1) }
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57
const isHex = (c: number): boolean => isDigit(c) || ((c | 32) >= 97 && (c | 32) <= 102)
const isLetter = (c: number): boolean => (c | 32) >= 97 && (c | 32) <= 122

/** Whitespace-only values are as empty as the empty string. */
function isBlank(value: string): boolean {
  return value.charCodeAt(0) <= 32 && value.trim() === ''
}

function trimmed(value: string): string {
  return value.charCodeAt(0) <= 32 || value.charCodeAt(value.length - 1) <= 32 ? value.trim() : value
}

function hasSpace(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) <= 32) return true
  return false
}

function isPort(value: string, start: number): boolean {
  const digits = value.length - start
  if (digits < 1 || digits > 5) return false
  for (let i = start; i < value.length; i++) if (!isDigit(value.charCodeAt(i))) return false
  return true
}

/** Dotted-quad IPv4 without leading zeros, which some parsers would read as octal. */
function isIPv4(s: string, start = 0, end = s.length): boolean {
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
function isIPv6(s: string): boolean {
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
function ipOf(value: string): string | undefined {
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
function domainOf(value: string): string | undefined {
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
function urlHost(url: string): string | undefined {
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
function hostOf(value: string): string | undefined {
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

function isEmail(value: string): boolean {
  const at = value.lastIndexOf('@')
  if (at < 1 || at === value.length - 1) return false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c <= 32 || c === 127 || c === 60 || c === 62) return false
  }
  return true
}

/** A hash of `length` hex digits, lowercased so that a search matches it whatever case the source wrote. */
function hashOf(value: string, length: number): string | undefined {
  if (value.length !== length) return undefined
  for (let i = 0; i < length; i++) if (!isHex(value.charCodeAt(i))) return undefined
  return value.toLowerCase()
}

function isAccountId(value: string): boolean {
  if (value.length !== 12) return false
  for (let i = 0; i < 12; i++) if (!isDigit(value.charCodeAt(i))) return false
  return true
}

function isInstanceId(value: string): boolean {
  return value.length > 2 && value.startsWith('i-') && !hasSpace(value)
}

/** `00:1a:2b:3c:4d:5e` from that form, the dashed one, Cisco's `001a.2b3c.4d5e` or twelve bare hex digits. */
function macOf(value: string): string | undefined {
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

/**
 * Decodes every `xn--` label of a domain name to Unicode, in lowercase as IDNA defines the Unicode form; a
 * label that is not valid punycode stays as is.
 */
function decodeLabels(name: string): string {
  if (!/(^|\.)xn--/i.test(name)) return name
  return name
    .split('.')
    .map((label) => (/^xn--/i.test(label) ? (punycodeDecode(label.slice(4).toLowerCase()) ?? label) : label))
    .join('.')
}

const BASE = 36
const T_MIN = 1
const T_MAX = 26
const INT_MAX = 0x7fffffff

function punycodeDigit(c: number): number {
  if (isDigit(c)) return c - 22
  return isLetter(c) ? (c | 32) - 97 : BASE
}

function adaptBias(delta: number, points: number, first: boolean): number {
  let d = first ? Math.floor(delta / 700) : delta >> 1
  d += Math.floor(d / points)
  let k = 0
  for (; d > ((BASE - T_MIN) * T_MAX) >> 1; k += BASE) d = Math.floor(d / (BASE - T_MIN))
  return k + Math.floor(((BASE - T_MIN + 1) * d) / (d + 38))
}

/** RFC 3492 decoding of one label (without its `xn--`), or undefined when the input is not valid punycode. */
function punycodeDecode(input: string): string | undefined {
  const basic = Math.max(input.lastIndexOf('-'), 0)
  const output: number[] = []
  for (let j = 0; j < basic; j++) {
    const c = input.charCodeAt(j)
    if (c >= 128) return undefined
    output.push(c)
  }
  let n = 128
  let bias = 72
  let i = 0
  for (let pos = basic > 0 ? basic + 1 : 0; pos < input.length; ) {
    const before = i
    for (let w = 1, k = BASE; ; k += BASE) {
      if (pos >= input.length) return undefined
      const digit = punycodeDigit(input.charCodeAt(pos++))
      if (digit >= BASE || digit > Math.floor((INT_MAX - i) / w)) return undefined
      i += digit * w
      const t = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias
      if (digit < t) break
      if (w > Math.floor(INT_MAX / (BASE - t))) return undefined
      w *= BASE - t
    }
    const points = output.length + 1
    bias = adaptBias(i - before, points, before === 0)
    n += Math.floor(i / points)
    i %= points
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined
    output.splice(i++, 0, n)
  }
  // IDNA requires an A-label to decode to something non-ASCII, so a label without insertions is invalid.
  return output.length > basic ? String.fromCodePoint(...output) : undefined
}

/** Top-level domains common enough that a dotted name ending in one is likely a domain, not a file name. */
const COMMON_TLDS = new Set(
  [
    'com net org edu gov mil int info biz io ai app dev co me tv xyz cloud online site tech internal',
    'us uk ca au de fr nl eu jp cn ru br in it es se ch no pl kr',
  ]
    .join(' ')
    .split(' '),
)
const DOMAIN_NAME = /^(?=.{4,253}\.?$)((?!-)[a-z0-9-]{1,63}(?<!-)\.)+([a-z]{2,63})\.?$/i
const EMAIL_ADDRESS = /^[^\s@<>"/:]+@((?!-)[a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$/i
const XRAY_TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/
const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/
const MAC_ADDRESS = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

/** Hex with both letters and digits, so that numbers and words are not taken for hashes. */
function looksLikeHash(value: string): boolean {
  return hashOf(value, value.length) !== undefined && /[a-f]/i.test(value) && /[0-9]/.test(value)
}

function looksLikeNetAddr(value: string): boolean {
  const colon = value.lastIndexOf(':')
  if (colon < 0 || !isPort(value, colon + 1)) return false
  const host = value.slice(0, colon)
  return host.startsWith('[') ? host.endsWith(']') && isIPv6(host.slice(1, -1)) : isIPv4(host)
}

/**
 * A guess of the indicator kinds that fit a string value, for schema inference: e.g. '10.0.0.1' → ['ip'],
 * 'https://x.io/a' → ['url'], 'a@b.io' → ['email'], 32 hex → ['md5'],
 * 'arn:aws:iam::123456789012:user/x' → ['aws_arn'], 12 digits → [] (too ambiguous alone), a dotted
 * hostname with a known-looking TLD → ['domain']. Returns [] when unsure.
 */
export function guessIndicators(value: string): Indicator[] {
  const v = value.trim()
  if (v === '' || v.length > 2048) return []
  if (ipOf(v) !== undefined) return ['ip']
  if (v.startsWith('arn:')) return arnOf(v) === undefined ? [] : ['aws_arn']
  if (looksLikeHash(v)) {
    if (v.length === 32) return ['md5']
    if (v.length === 40) return ['sha1']
    if (v.length === 64) return ['sha256']
  }
  if (XRAY_TRACE_ID.test(v)) return ['trace_id']
  if (INSTANCE_ID.test(v)) return ['aws_instance_id']
  if (MAC_ADDRESS.test(v)) return ['mac']
  if (looksLikeNetAddr(v)) return ['net_addr']
  if (URL_SCHEME.test(v)) return urlHost(v) !== undefined && !hasSpace(v) ? ['url'] : []
  if (EMAIL_ADDRESS.test(v)) return ['email']
  const tld = DOMAIN_NAME.exec(v)?.[2]
  return tld !== undefined && COMMON_TLDS.has(tld.toLowerCase()) ? ['domain'] : []
}
