/**
 * The `fastmatch` line parser: patterns such as `%{ip} - %{user} [%{time}] "%{request}"`, literal text
 * between `%{name}` placeholders, tried in order until one matches the whole line. A placeholder takes the
 * text up to the next occurrence of the literal after it; the last one takes the rest of the line, up to the
 * pattern's closing literal if it has one. `%{}` and `%{_}` match text that is not kept. A placeholder
 * between quotes (`"%{request}"`) may hold quotes escaped with a backslash, which are unescaped.
 *
 * Matching is a scan with indexOf, linear in the line, never a backtracking search: the first occurrence
 * of each literal is always the right one. A later occurrence only leaves less of the line for the rest of
 * the pattern, so if the rest cannot match after the first it cannot match after any later one; the one
 * literal whose place is not its first occurrence, the closing one, is pinned to the end of the line.
 */
import type { CleanValue, LineParser } from './index.ts'

/** A placeholder and the literal text that follows it in the pattern. */
interface Segment {
  /** The field it fills; null for `%{}` and `%{_}`. */
  name: string | null
  /** The literal after it; empty only for a last placeholder that takes the rest of the line. */
  literal: string
  /** The quote around it in the pattern (`"` or `'`), or '' when it is not quoted. */
  quote: string
}

interface Pattern {
  prefix: string
  segments: Segment[]
}

const PLACEHOLDER = /%\{([^}]*)\}/
const BACKSLASH = 92
const UNESCAPE: Record<string, RegExp> = { '"': /\\(["\\])/g, "'": /\\(['\\])/g }

export function compileFastmatch(sources: string[], clean: CleanValue, path: string): LineParser {
  const patterns = sources.map((source, index) => compilePattern(source, `${path}.match[${index}]`))
  return (line) => {
    for (const pattern of patterns) {
      const fields = matchPattern(pattern, line, clean)
      if (fields !== null) return { fields }
    }
    return null
  }
}

function compilePattern(source: string, path: string): Pattern {
  // Splitting on the capturing pattern alternates literal, placeholder, literal, ..., literal.
  const pieces = source.split(PLACEHOLDER)
  if (pieces.length === 1) throw new Error(`${path}: no %{field} placeholder`)
  const segments: Segment[] = []
  for (let i = 1; i < pieces.length; i += 2) {
    const tag = pieces[i]!.trim()
    const before = pieces[i - 1]!
    const literal = pieces[i + 1]!
    if (literal === '' && i + 2 < pieces.length) {
      throw new Error(`${path}: %{${tag}} needs literal text between it and the next placeholder`)
    }
    if (tag === '__proto__') throw new Error(`${path}: %{${tag}} is not a usable field name`)
    const quote = before.at(-1)
    segments.push({
      name: tag === '' || tag === '_' ? null : tag,
      literal,
      quote: (quote === '"' || quote === "'") && literal.startsWith(quote) ? quote : '',
    })
  }
  return { prefix: pieces[0]!, segments }
}

function matchPattern(pattern: Pattern, line: string, clean: CleanValue): Record<string, string> | null {
  if (!line.startsWith(pattern.prefix)) return null
  const { segments } = pattern
  const last = segments.length - 1
  const fields: Record<string, string> = {}
  let at = pattern.prefix.length
  for (let i = 0; i <= last; i++) {
    const { name, literal, quote } = segments[i]!
    let end: number
    if (i < last) {
      end = seek(line, literal, at, quote !== '')
      if (end < 0) return null
    } else if (literal === '') {
      end = line.length
    } else {
      end = line.length - literal.length
      if (end < at || !line.endsWith(literal) || (quote !== '' && isEscaped(line, end, at))) return null
    }
    if (name !== null) {
      let raw = line.slice(at, end)
      if (quote !== '' && raw.includes('\\')) raw = raw.replace(UNESCAPE[quote]!, '$1')
      const value = clean(raw)
      if (value !== undefined) fields[name] = value
    }
    at = end + literal.length
  }
  return fields
}

/** The first occurrence of `literal` from `from` on; in a quoted value, one whose quote is not escaped. */
function seek(line: string, literal: string, from: number, quoted: boolean): number {
  let at = line.indexOf(literal, from)
  if (quoted) {
    while (at >= 0 && isEscaped(line, at, from)) at = line.indexOf(literal, at + 1)
  }
  return at
}

/** The character at `at` follows an odd run of backslashes (counted back to `from`), so it is escaped. */
function isEscaped(line: string, at: number, from: number): boolean {
  let before = at
  while (before > from && line.charCodeAt(before - 1) === BACKSLASH) before--
  return (at - before) % 2 === 1
}
