/**
 * Indicator values: the strings of fields a schema marks with `indicators`, gathered per event into Panther's
 * `p_any_*` arrays (https://docs.panther.com/search/panther-fields) so that one search finds an IP address,
 * a domain or a hash across every log type. Values are checked and normalized as Panther stores them: IP
 * addresses must parse, host names lose a port and a trailing dot, punycode labels are shown in Unicode, an
 * ARN also yields its account id, and empty strings never count. A value that fails its kind's check is
 * skipped rather than stored, since a wrong indicator misleads a search more than a missing one. The checks
 * themselves are in net.ts (addresses and host names), indicator-values.ts (the other kinds) and punycode.ts.
 */
import {
  arnOf,
  hashOf,
  hasSpace,
  isAccountId,
  isBlank,
  isEmail,
  isInstanceId,
  trimmed,
} from './indicator-values.ts'
import { type ByteWriter, CLOSE_BRACKET, COMMA, QUOTE } from './json-bytes.ts'
import type { Indicator } from './model.ts'
import { domainOf, hostOf, ipOf, isIPv4, isIPv6, isPort, macOf, urlHost } from './net.ts'

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
/** Values a p_any_* list is searched for duplicates in place; beyond, a Set keeps them. */
const LIST_VALUES_MAX = 16

export class IndicatorCollector {
  /**
   * One list per p_any_* field, made on first use. Events carry few values per field, for which a list
   * searched in place is cheaper than a Set; a list past LIST_VALUES_MAX gets a Set beside it.
   */
  readonly #lists: (string[] | undefined)[] = []
  readonly #sets: (Set<string> | undefined)[] = []
  /** Slots holding values, in order, so clearing and writing touch only those. */
  readonly #used: number[] = []

  /** Records a string value of a field marked with these indicator kinds. */
  add(kinds: readonly Indicator[], value: string): void {
    if (value === '') return
    for (let k = 0; k < kinds.length; k++) this.#addKind(kinds[k]!, value)
  }

  /** True when nothing was collected. */
  get empty(): boolean {
    return this.#used.length === 0
  }

  /**
   * Writes the p_any_* arrays (sorted, deduplicated) onto the target object, in alphabetical field order, and
   * returns it.
   */
  writeTo(target: Record<string, unknown>): Record<string, unknown> {
    for (const slot of this.#used) target[FIELDS[slot]!] = this.#sorted(slot)
    return target
  }

  /** Writes the p_any_* arrays as JSON object members, each after a comma (`,"p_any_emails":["a@b.io"]`). */
  writeMembers(out: ByteWriter): void {
    for (const slot of this.#used) {
      out.text(MEMBER_HEADS[slot]!)
      const list = this.#lists[slot]!
      if (list.length > 1) list.sort()
      for (let i = 0; i < list.length; i++) {
        if (i > 0) out.byte(COMMA)
        writeString(out, list[i]!)
      }
      out.byte(CLOSE_BRACKET)
    }
  }

  clear(): void {
    for (const slot of this.#used) {
      this.#lists[slot]!.length = 0
      this.#sets[slot] = undefined
    }
    this.#used.length = 0
  }

  #sorted(slot: number): string[] {
    const list = this.#lists[slot]!
    return list.length === 1 ? list : [...list].sort()
  }

  #put(slot: number, value: string): void {
    let list = this.#lists[slot]
    if (list === undefined) {
      list = []
      this.#lists[slot] = list
    }
    if (list.length === 0) {
      // Kept in slot order, which is FIELDS's alphabetical order, so output needs no sorting of fields.
      let at = this.#used.length
      while (at > 0 && this.#used[at - 1]! > slot) at--
      this.#used.splice(at, 0, slot)
    } else if (list.length < LIST_VALUES_MAX) {
      if (list.includes(value)) return
    } else {
      let set = this.#sets[slot]
      if (set === undefined) {
        set = new Set(list)
        this.#sets[slot] = set
      }
      if (set.has(value)) return
      set.add(value)
    }
    list.push(value)
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

/** `,"p_any_…":[` for each field, made once. */
const MEMBER_HEADS = FIELDS.map((field) => `,"${field}":[`)

/** A string as JSON: written as it is when nothing in it needs escaping, which is nearly always. */
function writeString(out: ByteWriter, value: string): void {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code < 0x20 || code === 0x22 || code === 0x5c) {
      out.text(JSON.stringify(value))
      return
    }
  }
  out.byte(QUOTE)
  out.text(value)
  out.byte(QUOTE)
}
