/**
 * Punycode (RFC 3492) decoding of internationalized domain names, so that a name written in its ASCII form
 * (`xn--...` labels) is stored as an indicator in the Unicode form people read and search for. Only decoding is
 * needed: indicators are never encoded back. Web-standard APIs offer no decoder (the URL parser only
 * encodes), hence this one.
 */

/**
 * Decodes every `xn--` label of a domain name to Unicode, in lowercase as IDNA defines the Unicode form; a
 * label that is not valid punycode stays as is.
 */
export function decodeLabels(name: string): string {
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

/** The value of a punycode digit: a-z (either case) are 0-25 and 0-9 are 26-35; anything else is BASE. */
function punycodeDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 22
  const lower = c | 32
  return lower >= 97 && lower <= 122 ? lower - 97 : BASE
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
