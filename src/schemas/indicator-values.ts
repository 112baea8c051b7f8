/**
 * Checks and normal forms of the indicator values that are not network addresses (those are in net.ts):
 * e-mail addresses, hashes, ARNs, AWS account and instance ids, and free text such as user names. Each says
 * whether a value is one of its kind, so that a value that is not is skipped rather than stored.
 */
import { isDigit, isHex } from './net.ts'

/** Whitespace-only values are as empty as the empty string. */
export function isBlank(value: string): boolean {
  return value.charCodeAt(0) <= 32 && value.trim() === ''
}

/** `value` without white space at either end, copied only when it has some. */
export function trimmed(value: string): string {
  return value.charCodeAt(0) <= 32 || value.charCodeAt(value.length - 1) <= 32 ? value.trim() : value
}

/** Whether `value` holds white space or a control character anywhere. */
export function hasSpace(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) <= 32) return true
  return false
}

/** `arn:partition:service:region:account-id:resource`, where region and account id may be empty. */
export function arnOf(value: string): { accountId: string; resource: string } | undefined {
  if (!value.startsWith('arn:') || hasSpace(value)) return undefined
  const service = value.indexOf(':', 4)
  const region = service < 0 ? -1 : value.indexOf(':', service + 1)
  const account = region < 0 ? -1 : value.indexOf(':', region + 1)
  const resource = account < 0 ? -1 : value.indexOf(':', account + 1)
  if (resource < 0 || service === 4 || region === service + 1 || resource === value.length - 1)
    return undefined
  return { accountId: value.slice(account + 1, resource), resource: value.slice(resource + 1) }
}

/** Something before and after the last `@`, and no white space, control character or angle bracket. */
export function isEmail(value: string): boolean {
  const at = value.lastIndexOf('@')
  if (at < 1 || at === value.length - 1) return false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c <= 32 || c === 127 || c === 60 || c === 62) return false
  }
  return true
}

/** A hash of `length` hex digits, lowercased so that a search matches it whatever case the source wrote. */
export function hashOf(value: string, length: number): string | undefined {
  if (value.length !== length) return undefined
  for (let i = 0; i < length; i++) if (!isHex(value.charCodeAt(i))) return undefined
  return value.toLowerCase()
}

/** An AWS account id: twelve digits. */
export function isAccountId(value: string): boolean {
  if (value.length !== 12) return false
  for (let i = 0; i < 12; i++) if (!isDigit(value.charCodeAt(i))) return false
  return true
}

/** An EC2 instance id as logs write it: `i-` and more, without white space. */
export function isInstanceId(value: string): boolean {
  return value.length > 2 && value.startsWith('i-') && !hasSpace(value)
}
