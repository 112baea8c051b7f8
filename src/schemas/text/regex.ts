/**
 * The `regex` line parser, after Panther's: the `match` list is one regular expression split into parts
 * (joined as written), searched for in the line like Go's regexp does (unanchored: write `^` and `$` to
 * pin it), whose named groups become fields. Grok tags expand first: `%{NAME}` is a built-in or
 * `patternDefinitions` pattern, `%{NAME:field}` captures it as a field.
 *
 * Panther's syntax is RE2's; this translates what differs in JavaScript (`(?P<name>...)`, a leading
 * `(?i)`, `\z`, `\pL`, `[[:alpha:]]`, a literal `{`, escaped punctuation) and compiles with the `u` flag,
 * so that `.` and classes work on code points as RE2's do. Named groups become plain ones whose names are
 * kept here, which lets a name repeat across alternatives and hold `.`, `-`, `@` or `$` as field names may.
 */
import type { CleanValue, LineParser } from './index.ts'

/** Grok patterns available to every regex, by the names Panther gives them. */
const BUILTIN: Record<string, string> = {
  DATA: '.*?',
  GREEDYDATA: '.*',
  NOTSPACE: '\\S+',
  SPACE: '\\s*',
  WORD: '\\b\\w+\\b',
  QUOTEDSTRING: `"(?:[^"\\\\]|\\\\.)*"|'(?:[^'\\\\]|\\\\.)*'`,
  HEXDIGIT: '[0-9A-Fa-f]',
  UUID: '%{HEXDIGIT}{8}-(?:%{HEXDIGIT}{4}-){3}%{HEXDIGIT}{12}',
  INT: '[+-]?\\d+',
  BASE10NUM: '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)',
  NUMBER: '%{BASE10NUM}',
  BASE16NUM: '[+-]?(?:0[xX])?%{HEXDIGIT}+',
  POSINT: '\\b[1-9]\\d*\\b',
  NONNEGINT: '\\b\\d+\\b',
  CISCOMAC: '(?:%{HEXDIGIT}{4}\\.){2}%{HEXDIGIT}{4}',
  WINDOWSMAC: '(?:%{HEXDIGIT}{2}-){5}%{HEXDIGIT}{2}',
  COMMONMAC: '(?:%{HEXDIGIT}{2}:){5}%{HEXDIGIT}{2}',
  MAC: '%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC}',
  IPV4INT: '25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d',
  IPV4: '\\b(?:%{IPV4INT}\\.){3}%{IPV4INT}\\b',
  // Every form has a colon within its first five characters, which the first lookahead checks cheaply
  // before trying them. The forms with an IPv4 tail come first, and the lookahead after each makes a
  // shorter form give way to a longer one.
  IPV6: `(?=%{HEXDIGIT}{0,4}:)(?:${[
    '(?:%{IPV6H}:){6}%{IPV4}',
    '::(?:ffff(?::0{1,4})?:)?%{IPV4}',
    '(?:%{IPV6H}:){1,5}:%{IPV4}',
    '(?:%{IPV6H}:){7}%{IPV6H}',
    '(?:%{IPV6H}:){1,6}(?::%{IPV6H}){1,6}',
    '(?:%{IPV6H}:){1,7}:',
    '::(?:%{IPV6H}(?::%{IPV6H}){0,6})?',
  ]
    .map((form) => `(?:${form})(?:%[0-9A-Za-z]+)?(?![0-9A-Fa-f:])`)
    .join('|')})`,
  IPV6H: '%{HEXDIGIT}{1,4}',
  IP: '%{IPV6}|%{IPV4}',
  HOSTNAME: '\\b[0-9A-Za-z][0-9A-Za-z-]{0,62}(?:\\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*(?:\\.?|\\b)',
  IPORHOST: '%{IP}|%{HOSTNAME}',
  HOSTPORT: '%{IPORHOST}:%{POSINT}',
  USERNAME: '[a-zA-Z0-9._-]+',
  UNIXPATH: '(?:/[\\w%!$@:.,+~-]*)+',
  WINPATH: '(?:[A-Za-z]:|\\\\)(?:\\\\[^\\\\?*]*)+',
  PATH: '%{UNIXPATH}|%{WINPATH}',
  TTY: '/dev/(?:pts|tty[pq]?)(?:\\w+)?/?\\d+',
  URIPROTO: '[A-Za-z][A-Za-z0-9+.-]*',
  URIHOST: '%{IPORHOST}(?::%{POSINT})?',
  URIPATH: "(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\\-]*)+",
  URIPARAM: "\\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\\-\\[\\]<>]*",
  URIPATHPARAM: '%{URIPATH}(?:%{URIPARAM})?',
  URI: '%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?',
  MONTH:
    '\\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|' +
    'Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\b',
  MONTHNUM: '0?[1-9]|1[0-2]',
  MONTHNUM2: '0[1-9]|1[0-2]',
  MONTHDAY: '0[1-9]|[12]\\d|3[01]|[1-9]',
  DAY:
    '\\b(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|' +
    'Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)\\b',
  YEAR: '(?:\\d\\d){1,2}',
  HOUR: '2[0-3]|[01]?\\d',
  MINUTE: '[0-5]\\d',
  SECOND: '(?:[0-5]?\\d|60)(?:[:.,]\\d+)?',
  KITCHEN: '%{HOUR}:%{MINUTE}',
  TIME: '%{HOUR}:%{MINUTE}:%{SECOND}',
  DATE_US: '%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}',
  DATE_EU: '%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}',
  ISO8601_TIMEZONE: 'Z|[+-]%{HOUR}(?::?%{MINUTE})',
  ISO8601_SECOND: '%{SECOND}|60',
  TIMESTAMP_ISO8601:
    '%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?',
  DATE: '%{DATE_US}|%{DATE_EU}',
  DATETIME: '%{DATE}[- ]%{TIME}',
  TZ: '[A-Z]{3}',
  TZOFFSET: '[+-]\\d{4}',
  TIMESTAMP_RFC822: '%{DAY} %{MONTH} %{MONTHDAY} %{YEAR} %{TIME} %{TZ}',
  TIMESTAMP_RFC2822: '%{DAY}, %{MONTHDAY} %{MONTH} %{YEAR} %{TIME} %{ISO8601_TIMEZONE}',
  TIMESTAMP_OTHER: '%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{TZ} %{YEAR}',
  TIMESTAMP_EVENTLOG: '%{YEAR}%{MONTHNUM2}%{MONTHDAY}%{HOUR}%{MINUTE}%{SECOND}',
  SYSLOGTIMESTAMP: '%{MONTH} +%{MONTHDAY} %{TIME}',
  HTTPDATE: '%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{TZOFFSET}',
  NS: '%{NOTSPACE}',
  QS: '%{QUOTEDSTRING}',
  HOST: '%{HOSTNAME}',
  PID: '%{POSINT}',
  USER: '%{USERNAME}',
}

const TAG = /%\{([^}]*)\}/g
const PATTERN_NAME = /^[A-Z][A-Z0-9_]*$/
/** Field names as schemas accept them, spaces aside. */
const FIELD_NAME = /^[A-Za-z0-9_@$][A-Za-z0-9_@$.-]*$/
/** A hostile set of definitions could nest into a huge expression; no real pattern comes near this. */
const EXPANDED_CHARS_MAX = 256 * 1024
/** Expansions of the built-in patterns, which never change. */
const builtinCache = new Map<string, string>()

export function compileRegex(
  parts: string[],
  definitions: Record<string, string>,
  clean: CleanValue,
  path: string,
): LineParser {
  const expand = grokExpander(definitions, `${path}.patternDefinitions`)
  const source = parts.map((part, index) => expand(part, `${path}.match[${index}]`)).join('')
  const at = parts.length === 1 ? `${path}.match[0]` : `${path}.match`
  const { regex, names } = compile(source, at)
  const groups = names.flatMap((name, index) => (name === null ? [] : [{ name, index: index + 1 }]))
  if (groups.length === 0) {
    throw new Error(`${at}: no named group: capture fields with %{PATTERN:field} or (?P<field>...)`)
  }
  return (line) => {
    const match = regex.exec(line)
    if (match === null) return null
    const fields: Record<string, string> = {}
    for (const { name, index } of groups) {
      const raw = match[index]
      // A group in an alternative that did not match has no value, and must not hide one that did.
      if (raw === undefined) continue
      const value = clean(raw)
      if (value !== undefined) fields[name] = value
    }
    return { fields }
  }
}

/**
 * Returns a function expanding grok tags in a source. Each definition is expanded and compiled up front,
 * so a bad one is reported at its own path even when no pattern uses it.
 */
function grokExpander(definitions: Record<string, string>, path: string) {
  const expanded = new Map<string, string>()
  const resolve = (name: string, chain: string[]): string | undefined => {
    const custom = Object.hasOwn(definitions, name)
    const cache = custom ? expanded : builtinCache
    const done = cache.get(name)
    if (done !== undefined) return done
    const source = custom ? definitions[name] : Object.hasOwn(BUILTIN, name) ? BUILTIN[name] : undefined
    if (source === undefined) return undefined
    if (chain.includes(name)) {
      throw new Error(`${path}.${chain[0]}: refers to itself (${[...chain, name].join(' → ')})`)
    }
    const result = expandTags(source, `${path}.${name}`, [...chain, name], resolve)
    cache.set(name, result)
    return result
  }
  for (const name of Object.keys(definitions)) {
    if (!PATTERN_NAME.test(name)) {
      throw new Error(
        `${path}.${name}: a pattern name is upper-case letters, digits and _, starting with a letter`,
      )
    }
    if (Object.hasOwn(BUILTIN, name)) throw new Error(`${path}.${name}: is already a built-in pattern`)
    compile(resolve(name, [])!, `${path}.${name}`)
  }
  return (source: string, at: string) => expandTags(source, at, [], resolve)
}

type Resolve = (name: string, chain: string[]) => string | undefined

/** Replaces `%{NAME}` with the pattern as a non-capturing group and `%{NAME:field}` as a named one. */
function expandTags(source: string, at: string, chain: string[], resolve: Resolve): string {
  let chars = source.length
  return source.replace(TAG, (_, tag: string) => {
    const colon = tag.indexOf(':')
    const name = (colon < 0 ? tag : tag.slice(0, colon)).trim()
    if (!PATTERN_NAME.test(name)) throw new Error(`${at}: %{${tag}} does not name a pattern`)
    const body = resolve(name, chain)
    if (body === undefined) throw new Error(`${at}: %{${tag}} names no built-in or defined pattern`)
    chars += body.length
    if (chars > EXPANDED_CHARS_MAX)
      throw new Error(`${at}: expands to more than ${EXPANDED_CHARS_MAX} characters`)
    return colon < 0 ? `(?:${body})` : `(?P<${checkField(tag.slice(colon + 1).trim(), at)}>${body})`
  })
}

function checkField(name: string, at: string): string {
  if (!FIELD_NAME.test(name) || name === '__proto__')
    throw new Error(`${at}: '${name}' is not a usable field name`)
  return name
}

/** Compiles an RE2 source; `names` has one entry per capturing group, its field name or null. */
function compile(source: string, at: string): { regex: RegExp; names: (string | null)[] } {
  const { translated, flags, names } = translate(source, at)
  try {
    return { regex: new RegExp(translated, `${flags}u`), names }
  } catch (error) {
    const problem = (error as Error).message.replace(/^Invalid regular expression: (\/.*\/[a-z]*: )?/, '')
    throw new Error(`${at}: invalid regular expression: ${problem}`)
  }
}

const LEADING_FLAGS = /^\(\?([imsU]+)\)/
const REPEAT = /\{\d+(?:,\d*)?\}/y
/** `(?P<name>` or `(?<name>`, not the lookbehinds `(?<=` and `(?<!`. */
const NAMED_GROUP = /\(\?P?<(?![=!])([^>]*)>/y
/** What JavaScript's `u` flag lets a backslash escape outside a class; RE2 lets any punctuation be. */
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/')
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/
const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
}

/** Rewrites RE2 syntax as JavaScript's, turning named groups into plain ones whose names it returns. */
function translate(
  source: string,
  at: string,
): { translated: string; flags: string; names: (string | null)[] } {
  const names: (string | null)[] = []
  let flags = ''
  let out = ''
  let i = 0
  const lead = LEADING_FLAGS.exec(source)
  if (lead) {
    if (lead[1]!.includes('U')) throw new Error(`${at}: the (?U) flag is not supported`)
    flags = [...new Set(lead[1])].join('')
    i = lead[0].length
  }
  while (i < source.length) {
    const char = source[i]!
    if (char === '\\') {
      const [text, length] = translateEscape(source, i, false)
      out += text
      i += length
    } else if (char === '[') {
      const [text, length] = translateClass(source, i, at)
      out += text
      i += length
    } else if (char === '(') {
      NAMED_GROUP.lastIndex = i
      const named = NAMED_GROUP.exec(source)
      if (named) {
        names.push(checkField(named[1]!, at))
        i += named[0].length
      } else {
        // `(?:`, lookarounds and flag groups capture nothing; what follows the `(` is copied as it is.
        if (source[i + 1] !== '?') names.push(null)
        i++
      }
      out += '('
    } else if (char === '{') {
      REPEAT.lastIndex = i
      const repeat = REPEAT.exec(source)
      out += repeat ? repeat[0] : '\\{'
      i += repeat ? repeat[0].length : 1
    } else {
      out += char === '}' ? '\\}' : char
      i++
    }
  }
  return { translated: out, flags, names }
}

/** Translates the escape at `i`; returns the JavaScript text and how many source characters it took. */
function translateEscape(source: string, i: number, inClass: boolean): [string, number] {
  const next = source[i + 1]
  if (next === undefined) return ['\\', 1]
  if (next === 'z') return ['(?![^])', 2]
  if (next === 'A') return ['(?<![^])', 2]
  if (next === 'a') return ['\\x07', 2]
  if ((next === 'p' || next === 'P') && source[i + 2] !== '{' && source[i + 2] !== undefined) {
    return [`\\${next}{${source[i + 2]}}`, 3]
  }
  const codePoint = /^x\{([0-9A-Fa-f]+)\}/.exec(source.slice(i + 1, i + 12))
  if (codePoint) return [`\\u{${codePoint[1]}}`, codePoint[0].length + 1]
  if (next === 'Q') {
    const end = source.indexOf('\\E', i + 2)
    const quoted = source.slice(i + 2, end < 0 ? source.length : end)
    return [quoted.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), quoted.length + (end < 0 ? 2 : 4)]
  }
  if (ASCII_PUNCTUATION.test(next) && !JS_SYNTAX.has(next) && !(inClass && next === '-')) return [next, 2]
  return [`\\${next}`, 2]
}

/** Translates the character class at `i`: a `]` first in it is literal, and POSIX classes are spelt out. */
function translateClass(source: string, i: number, at: string): [string, number] {
  let out = '['
  let j = i + 1
  if (source[j] === '^') {
    out += '^'
    j++
  }
  if (source[j] === ']') {
    out += '\\]'
    j++
  }
  while (j < source.length && source[j] !== ']') {
    const posix = source[j] === '[' && /^\[:(\^?)([a-z]+):\]/.exec(source.slice(j, j + 12))
    if (posix) {
      const ranges = POSIX_CLASSES[posix[2]!]
      if (ranges === undefined || posix[1] === '^') throw new Error(`${at}: ${posix[0]} is not supported`)
      out += ranges
      j += posix[0].length
    } else if (source[j] === '\\') {
      const [text, length] = translateEscape(source, j, true)
      out += text
      j += length
    } else {
      out += source[j] === '[' ? '\\[' : source[j]
      j++
    }
  }
  // An unclosed class is left for the compiler to report.
  return [j < source.length ? `${out}]` : out, j + 1 - i]
}
