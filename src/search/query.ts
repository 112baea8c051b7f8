/**
 * The filter language of `GET /events` (docs/reference.md): reads `q` into an AST that predicate.ts
 * compiles, and derives from it what the scanner can check on an event's stored JSON text before parsing it.
 *
 * Grammar, loosest binding first: `a OR b`; `a AND b` (also `a b`); `NOT a`; then terms: `( … )`, a quoted
 * phrase, a bare word, or a comparison `field op value` with op one of `= != > >= < <=`, `field CONTAINS value`,
 * `field EXISTS`, `field IN (v, …)`. Decisions the contract leaves open:
 * - Keywords are case-insensitive. AND, OR and NOT are always keywords (quote them to search for the words).
 *   CONTAINS and EXISTS are keywords only right after a bare word, and IN only there and before `(`, so
 *   `user logged in` still searches for three words.
 * - A bare word runs up to white space or one of `( ) " , = < >` and `!=`; `-word` is a word, not a negation.
 *   Phrases take `\"` and `\\` as escapes; any other backslash is kept as written (`"C:\temp"`).
 * - Fields are dotted paths of letters, digits, `_ - @ $`; a segment in backticks may hold anything but a
 *   backtick (`` `odd key`.x ``), and `[n]` picks an array element (same as the segment `n`).
 * - Bare values that read as numbers, `true`, `false` or `null` (any case) are typed; everything else is a
 *   string. Quoted values are always strings; how a literal compares is up to predicate.ts.
 */
import { instantOf, numberOf } from './predicate.ts'

export type Value = string | number | boolean | null
export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'contains'
export type Ast =
  | { kind: 'all' }
  | { kind: 'text'; text: string }
  | { kind: 'compare'; path: string[]; op: CompareOp; value: Value; raw: string }
  | { kind: 'exists'; path: string[] }
  | { kind: 'in'; path: string[]; values: Value[]; raws: string[] }
  | { kind: 'not'; operand: Ast }
  | { kind: 'and'; operands: Ast[] }
  | { kind: 'or'; operands: Ast[] }

export const QUERY_CHARS_MAX = 4096
export const QUERY_TERMS_MAX = 256
export const QUERY_DEPTH_MAX = 64

/** A malformed `q`; `position` is the 0-based index of the character the problem was found at. */
export class QueryError extends Error {
  constructor(
    readonly position: number,
    detail: string,
  ) {
    super(`q: position ${position}: ${detail}`)
    this.name = 'QueryError'
  }
}

interface Token {
  kind: 'word' | 'string' | 'op' | '(' | ')' | ',' | 'end'
  /** A word as written, a phrase without its quotes and escapes, or the punctuation itself. */
  text: string
  pos: number
  /** The keyword a bare word spells (upper case), or '' when it is none or holds backticks. */
  keyword: string
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'CONTAINS', 'EXISTS', 'IN'])
/** Characters that end a bare word, besides white space; `!` ends one only before `=`. */
const WORD_BREAKS = new Set(['(', ')', '"', ',', '=', '<', '>'])
const endsWord = (q: string, i: number) =>
  WORD_BREAKS.has(q[i]!) || /\s/.test(q[i]!) || (q[i] === '!' && q[i + 1] === '=')
const TYPED_WORD = /^(?:true|false|null)$/i
const FIELD_CHAR = /[\p{L}\p{N}_\-@$]/u

function tokenize(q: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < q.length) {
    const c = q[i]!
    if (/\s/.test(c)) {
      i++
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, text: c, pos: i++, keyword: '' })
    } else if (c === '=' || c === '<' || c === '>' || (c === '!' && q[i + 1] === '=')) {
      const text = c !== '=' && q[i + 1] === '=' ? `${c}=` : c
      tokens.push({ kind: 'op', text, pos: i, keyword: '' })
      i += text.length
    } else if (c === '"') {
      i = readPhrase(q, i, tokens)
    } else {
      i = readWord(q, i, tokens)
    }
  }
  tokens.push({ kind: 'end', text: '', pos: q.length, keyword: '' })
  return tokens
}

function readPhrase(q: string, start: number, tokens: Token[]): number {
  let text = ''
  for (let i = start + 1; i < q.length; i++) {
    const c = q[i]!
    if (c === '"') {
      tokens.push({ kind: 'string', text, pos: start, keyword: '' })
      return i + 1
    }
    if (c === '\\' && (q[i + 1] === '"' || q[i + 1] === '\\')) text += q[++i]
    else text += c
  }
  throw new QueryError(start, `unterminated string starting at position ${start}`)
}

function readWord(q: string, start: number, tokens: Token[]): number {
  let i = start
  let quoted = false
  while (i < q.length && !endsWord(q, i)) {
    if (q[i] === '`') {
      const close = q.indexOf('`', i + 1)
      if (close < 0) throw new QueryError(i, `unterminated backtick quote starting at position ${i}`)
      quoted = true
      i = close
    }
    i++
  }
  const text = q.slice(start, i)
  const upper = text.toUpperCase()
  tokens.push({ kind: 'word', text, pos: start, keyword: !quoted && KEYWORDS.has(upper) ? upper : '' })
  return i
}

/** Splits a field as written into its segments; `[n]` becomes the segment `n`. */
function parsePath(token: Token): string[] {
  const { text, pos } = token
  const path: string[] = []
  let i = 0
  for (;;) {
    if (text[i] === '`') {
      const close = text.indexOf('`', i + 1)
      path.push(text.slice(i + 1, close))
      i = close + 1
    } else {
      const start = i
      while (i < text.length && FIELD_CHAR.test(text[i]!)) i++
      if (i === start) throw new QueryError(pos + i, `expected a field name segment in '${text}'`)
      path.push(text.slice(start, i))
    }
    while (text[i] === '[') {
      const close = text.indexOf(']', i)
      const index = close < 0 ? '' : text.slice(i + 1, close)
      if (!/^\d+$/.test(index)) throw new QueryError(pos + i, `expected an array index like [0] in '${text}'`)
      path.push(index)
      i = close + 1
    }
    if (i === text.length) return path
    if (text[i] !== '.') throw new QueryError(pos + i, `unexpected '${text[i]}' in field name '${text}'`)
    i++
  }
}

function literal(token: Token): Value {
  if (token.kind === 'string') return token.text
  const n = numberOf(token.text)
  if (n !== undefined) return n
  const lower = token.text.toLowerCase()
  if (lower === 'true' || lower === 'false') return lower === 'true'
  return lower === 'null' ? null : token.text
}

const shown = (token: Token) => (token.kind === 'string' ? `"${token.text}"` : `'${token.text}'`)

class Parser {
  #at = 0
  #terms = 0

  constructor(private readonly tokens: Token[]) {}

  get peek(): Token {
    return this.tokens[this.#at]!
  }

  next(): Token {
    return this.tokens[this.#at++]!
  }

  parseOr(depth: number): Ast {
    const operands = [this.parseAnd(depth)]
    while (this.peek.keyword === 'OR') {
      this.expectTerm(this.next())
      operands.push(this.parseAnd(depth))
    }
    return join('or', operands)
  }

  parseAnd(depth: number): Ast {
    const operands = [this.parseUnary(depth)]
    for (;;) {
      if (this.peek.keyword === 'AND') this.expectTerm(this.next())
      else if (!this.startsTerm(this.peek)) break
      operands.push(this.parseUnary(depth))
    }
    return join('and', operands)
  }

  parseUnary(depth: number): Ast {
    const token = this.next()
    if (token.keyword === 'NOT' || token.kind === '(') {
      if (depth >= QUERY_DEPTH_MAX)
        throw new QueryError(token.pos, `nested deeper than ${QUERY_DEPTH_MAX} levels`)
      if (token.kind === '(') {
        const inner = this.parseOr(depth + 1)
        if (this.next().kind !== ')') {
          throw new QueryError(this.tokens[this.#at - 1]!.pos, `missing ')' for '(' at position ${token.pos}`)
        }
        return inner
      }
      this.expectTerm(token)
      return { kind: 'not', operand: this.parseUnary(depth + 1) }
    }
    if (token.kind === 'string') return this.leaf(token, { kind: 'text', text: token.text })
    if (token.kind === 'word' && this.startsTerm(token)) return this.wordTerm(token)
    throw new QueryError(token.pos, token.kind === 'end' ? 'expected a term' : `unexpected ${shown(token)}`)
  }

  /** A bare word: the field of a comparison when an operator follows, else a word to search for. */
  wordTerm(word: Token): Ast {
    const after = this.peek
    if (after.kind === 'op' || after.keyword === 'CONTAINS') {
      const path = parsePath(word)
      this.next()
      const value = this.value(`expected a value after '${after.text}'`)
      const op = after.kind === 'op' ? (after.text as CompareOp) : 'contains'
      return this.leaf(word, { kind: 'compare', path, op, value: literal(value), raw: value.text })
    }
    if (after.keyword === 'EXISTS') {
      this.next()
      return this.leaf(word, { kind: 'exists', path: parsePath(word) })
    }
    if (after.keyword === 'IN' && this.tokens[this.#at + 1]!.kind === '(') return this.inList(word)
    return this.leaf(word, { kind: 'text', text: word.text })
  }

  inList(word: Token): Ast {
    const path = parsePath(word)
    this.next()
    const open = this.next()
    const values: Value[] = []
    const raws: string[] = []
    for (;;) {
      const value = this.value(`expected a value in the list of IN at position ${open.pos}`)
      this.count(value)
      values.push(literal(value))
      raws.push(value.text)
      const after = this.next()
      if (after.kind === ')') return { kind: 'in', path, values, raws }
      if (after.kind !== ',')
        throw new QueryError(after.pos, `expected ',' or ')' in the list of IN at position ${open.pos}`)
    }
  }

  /** The next token, which must be a value (a bare word or a quoted string). */
  value(expected: string): Token {
    const token = this.next()
    if (token.kind === 'word' || token.kind === 'string') return token
    throw new QueryError(token.pos, expected)
  }

  /** Counts a term against the limit; each value of an IN list is one. */
  count(token: Token): void {
    if (++this.#terms > QUERY_TERMS_MAX) throw new QueryError(token.pos, `more than ${QUERY_TERMS_MAX} terms`)
  }

  leaf(token: Token, ast: Ast): Ast {
    this.count(token)
    return ast
  }

  startsTerm(token: Token): boolean {
    if (token.kind === 'word') return token.keyword !== 'AND' && token.keyword !== 'OR'
    return token.kind === 'string' || token.kind === '('
  }

  expectTerm(keyword: Token): void {
    if (!this.startsTerm(this.peek))
      throw new QueryError(this.peek.pos, `expected a term after '${keyword.text}'`)
  }
}

function join(kind: 'and' | 'or', operands: Ast[]): Ast {
  if (operands.length === 1) return operands[0]!
  return {
    kind,
    operands: operands.flatMap((operand) => (operand.kind === kind ? operand.operands : [operand])),
  }
}

/** Reads `q` into an AST; blank `q` matches everything. Throws QueryError naming the position of a mistake. */
export function parseQuery(q: string): Ast {
  if (q.length > QUERY_CHARS_MAX)
    throw new QueryError(QUERY_CHARS_MAX, `longer than ${QUERY_CHARS_MAX} characters`)
  const tokens = tokenize(q)
  if (tokens.length === 1) return { kind: 'all' }
  const parser = new Parser(tokens)
  const ast = parser.parseOr(0)
  const rest = parser.peek
  if (rest.kind !== 'end') throw new QueryError(rest.pos, `unexpected ${shown(rest)}`)
  return ast
}

/**
 * Where a literal's verbatim runs end: characters JSON writers may escape. Stored text keeps the sender's own
 * escapes, such as `\u00e9`, `\/` (PHP), `\u003c` for `< > &` (Go) or `\u0027` for `' + \`` (.NET), so only
 * printable ASCII without those is sure to appear as written.
 */
const ESCAPABLE = /[^\x20-\x7e]|["\\/<>&'+`]/
/**
 * For CONTAINS, which lowers the case of the value in all of Unicode, also the ASCII letters that two other
 * characters become: the Kelvin sign U+212A becomes `k`, and U+0130 (`İ`) becomes `i` followed by U+0307.
 * So a matching value may lack any `k` of the literal, and an `i` with no printable ASCII after it.
 */
const ESCAPABLE_OR_FOLDED = /[^\x20-\x7e]|["\\/<>&'+`kK]|[iI](?![\x20-\x7e])/

/** Whether `text` appears in any stored event that holds it exactly as written: no character of it escapable. */
export const isVerbatim = (text: string) => !ESCAPABLE.test(text)

/** The longest run of `text` between `breaks`, which is what is sure to appear in the stored text. */
function verbatimRun(text: string, breaks = ESCAPABLE): string {
  let best = ''
  for (const run of text.split(breaks)) if (run.length > best.length) best = run
  return best
}

/**
 * Strings every event the query matches holds in its stored text, for the scanner to check before parsing,
 * taken from the terms AND-ed at the top: a word or phrase whole (caseless); for `= "string"` and `CONTAINS`,
 * the part of the literal sure to be stored as written. Literals other spellings of which also match (numbers,
 * booleans, instants) give none.
 */
export function requiredNeedles(ast: Ast): { text: string; caseless: boolean }[] {
  const needles = new Map<string, { text: string; caseless: boolean }>()
  const add = (text: string, caseless: boolean) => {
    const key = caseless ? `i:${text.toLowerCase()}` : `=:${text}`
    if (text !== '' && !needles.has(key)) needles.set(key, { text, caseless })
  }
  const visit = (node: Ast) => {
    if (node.kind === 'and') for (const operand of node.operands) visit(operand)
    // A word or phrase is matched against the stored text itself, so it is its own needle, whole.
    else if (node.kind === 'text') add(node.text, true)
    else if (node.kind === 'compare' && node.op === '=' && typeof node.value === 'string') {
      // Numbers, booleans and instants equal other spellings of themselves, so the text need not appear.
      if (!TYPED_WORD.test(node.raw) && numberOf(node.raw) === undefined && instantOf(node.raw) === null) {
        add(verbatimRun(node.value), false)
      }
    } else if (node.kind === 'compare' && node.op === 'contains') {
      // A number matches by its JavaScript text, which may not be how the sender wrote it (1e3, 1.0).
      if (!/^[-+.eE\d]*$/.test(node.raw)) add(verbatimRun(node.raw, ESCAPABLE_OR_FOLDED), true)
    }
  }
  visit(ast)
  return [...needles.values()]
}
