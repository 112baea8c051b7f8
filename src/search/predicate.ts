/**
 * Compiles a query's AST (query.ts) once into a test of one stored event, run by the scanner on every event
 * of a search. Literals are read once at compile time (as number, boolean and instant), so an event costs
 * only the walk along each path and the comparisons.
 *
 * Semantics, where the contract leaves room:
 * - Words and phrases match the stored JSON text ignoring the case of ASCII letters only (`ZOË` does not find
 *   `Zoë`), so that the scanner's byte-level prefilter decides exactly as the predicate would. Being text, they
 *   also match key names, and characters the sender escaped (`\u00e9`) match only as escaped. `CONTAINS`
 *   reads the parsed value instead, so it ignores case in all of Unicode and sees no escapes.
 * - A path crossing an array applies to every element, at any depth, and a comparison holds when any value
 *   reached satisfies it; a segment of digits on an array picks that element instead.
 * - The event value's type decides how a literal is read: against a number the literal must spell a number,
 *   against a boolean `true` or `false` (any case), against a string it is compared as text, except that an
 *   RFC 3339 timestamp or `YYYY-MM-DD` date literal compares as an instant with strings that are timestamps
 *   too, and ordering against a number literal reads numeric strings as numbers. A bare `null` matches only
 *   null. Objects never compare.
 * - A comparison never holds on a missing or null field, `!=` included: `x != v` is `x EXISTS AND NOT x = v`,
 *   so on an array it holds when no element equals v. `NOT x = v`, by contrast, also holds when x is missing.
 * - `EXISTS` holds when some value reached is not null; an empty array exists.
 * - Ordering of strings is by UTF-16 code unit (JavaScript's `<`); numbers never order against non-numbers.
 */
import { compileTimeFormats, type Timestamp } from '../schemas/time.ts'
import type { Ast, CompareOp, Value } from './query.ts'

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const parseRfc3339 = compileTimeFormats(['rfc3339'])
const NON_ASCII = /[\u0080-\uffff]/
const ASCII_UPPER_RUN = /[A-Z]+/g

/** Lowercases ASCII letters only; the native toLowerCase does exactly that on ASCII text, the common case. */
function asciiLower(text: string): string {
  if (!NON_ASCII.test(text)) return text.toLowerCase()
  return text.replace(ASCII_UPPER_RUN, (run) => run.toLowerCase())
}

/** The number a literal or event string spells (`42`, `-1.5`, `1e3`), or undefined. */
export function numberOf(text: string): number | undefined {
  return NUMBER.test(text) ? Number(text) : undefined
}

/** The instant an RFC 3339 timestamp or a `YYYY-MM-DD` date (midnight UTC) spells, or null. */
export function instantOf(text: string): Timestamp | null {
  const date = DATE.exec(text)
  if (date === null) return parseRfc3339(text)
  const ms = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]))
  return new Date(ms).getUTCDate() === Number(date[3]) ? { ms, nanos: 0 } : null
}

/** What a predicate sees of one event: its parsed value (on demand) and its stored JSON text (on demand). */
export interface EventView {
  value(): Record<string, unknown>
  /** The stored JSON text. */
  text(): string
}
export type Predicate = (event: EventView) => boolean

/** One event under test: its parsed value and its text with ASCII letters lowercased, each read at most once per event. */
interface Context {
  event: EventView
  value: Record<string, unknown> | undefined
  lower: string | undefined
}
type Node = (context: Context) => boolean
type Test = (value: unknown) => boolean

/** A path segment; `index` is the element a digits-only segment picks on an array, else -1. */
interface Segment {
  key: string
  index: number
}

/** A literal read every way an event value may need it. */
interface Literal {
  raw: string
  isNull: boolean
  number: number | undefined
  boolean: boolean | undefined
  instant: Timestamp | null
}

function literalOf(value: Value, raw: string): Literal {
  const lower = raw.toLowerCase()
  return {
    raw,
    isNull: value === null,
    number: numberOf(raw),
    boolean: lower === 'true' ? true : lower === 'false' ? false : undefined,
    instant: instantOf(raw),
  }
}

const compareInstants = (a: Timestamp, b: Timestamp) => a.ms - b.ms || a.nanos - b.nanos

function equals(literal: Literal, value: unknown): boolean {
  if (literal.isNull || value === null) return literal.isNull && value === null
  switch (typeof value) {
    case 'string': {
      if (value === literal.raw) return true
      const instant = literal.instant === null ? null : instantOf(value)
      return instant !== null && compareInstants(instant, literal.instant!) === 0
    }
    case 'number':
      return value === literal.number
    case 'boolean':
      return value === literal.boolean
    default:
      return false
  }
}

/** Where the value sorts against the literal: negative, zero or positive; NaN when they do not order. */
function order(literal: Literal, value: unknown): number {
  if (typeof value === 'number') return literal.number === undefined ? Number.NaN : value - literal.number
  if (typeof value !== 'string' || literal.isNull) return Number.NaN
  const instant = literal.instant === null ? null : instantOf(value)
  if (instant !== null) return compareInstants(instant, literal.instant!)
  const number = literal.number === undefined ? undefined : numberOf(value)
  if (number !== undefined) return number - literal.number!
  return value < literal.raw ? -1 : value > literal.raw ? 1 : 0
}

const ORDERS: Record<'>' | '>=' | '<' | '<=', (sign: number) => boolean> = {
  '>': (sign) => sign > 0,
  '>=': (sign) => sign >= 0,
  '<': (sign) => sign < 0,
  '<=': (sign) => sign <= 0,
}

/**
 * How deep the walk below follows nested values. Ingest refuses events deeper than `[ingest]
 * event_depth_max` (at most 4096), but events stored before that limit existed may nest far deeper, and
 * one of them must not overflow the stack of every search whose window holds it: below this depth nothing
 * matches.
 */
const WALK_DEPTH_MAX = 4096

/**
 * Whether `test` holds for some value at `path` from `at` on. Arrays met on the way are walked in place (no
 * flattening); `spread` also applies the test to the elements of an array found at the end of the path.
 */
function some(
  value: unknown,
  path: readonly Segment[],
  at: number,
  test: Test,
  spread: boolean,
  depth = 0,
): boolean {
  if (at === path.length && !(spread && Array.isArray(value))) return test(value)
  if (typeof value !== 'object' || value === null || depth >= WALK_DEPTH_MAX) return false
  if (Array.isArray(value)) {
    const index = at < path.length ? path[at]!.index : -1
    if (index >= 0) return index < value.length && some(value[index], path, at + 1, test, spread, depth + 1)
    for (let k = 0; k < value.length; k++) if (some(value[k], path, at, test, spread, depth + 1)) return true
    return false
  }
  const key = path[at]!.key
  return (
    Object.hasOwn(value, key) &&
    some((value as Record<string, unknown>)[key], path, at + 1, test, spread, depth + 1)
  )
}

const present: Test = (value) => value !== null && value !== undefined

function segmentsOf(path: string[]): Segment[] {
  return path.map((key) => ({ key, index: /^\d+$/.test(key) ? Number(key) : -1 }))
}

const root = (context: Context) => {
  context.value ??= context.event.value()
  return context.value
}

function compareTest(op: CompareOp, literal: Literal): Test {
  if (op === '=' || op === '!=') return (value) => equals(literal, value)
  if (op === 'contains') {
    const needle = literal.raw.toLowerCase()
    return (value) =>
      (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') &&
      String(value).toLowerCase().includes(needle)
  }
  const accepts = ORDERS[op]
  return (value) => accepts(order(literal, value))
}

function compileNode(ast: Ast): Node {
  switch (ast.kind) {
    case 'all':
      return () => true
    case 'text': {
      const needle = asciiLower(ast.text)
      return (context) => {
        context.lower ??= asciiLower(context.event.text())
        return context.lower.includes(needle)
      }
    }
    case 'compare': {
      const path = segmentsOf(ast.path)
      const test = compareTest(ast.op, literalOf(ast.value, ast.raw))
      if (ast.op === '!=') {
        return (context) =>
          some(root(context), path, 0, present, false) && !some(root(context), path, 0, test, true)
      }
      return (context) => some(root(context), path, 0, test, true)
    }
    case 'exists': {
      const path = segmentsOf(ast.path)
      return (context) => some(root(context), path, 0, present, false)
    }
    case 'in': {
      const path = segmentsOf(ast.path)
      const literals = ast.values.map((value, k) => literalOf(value, ast.raws[k]!))
      const test: Test = (value) => {
        for (let k = 0; k < literals.length; k++) if (equals(literals[k]!, value)) return true
        return false
      }
      return (context) => some(root(context), path, 0, test, true)
    }
    case 'not': {
      const operand = compileNode(ast.operand)
      return (context) => !operand(context)
    }
    case 'and': {
      const operands = ast.operands.map(compileNode)
      return (context) => {
        for (let k = 0; k < operands.length; k++) if (!operands[k]!(context)) return false
        return true
      }
    }
    case 'or': {
      const operands = ast.operands.map(compileNode)
      return (context) => {
        for (let k = 0; k < operands.length; k++) if (operands[k]!(context)) return true
        return false
      }
    }
  }
}

/** Compiles the AST once into a predicate the scanner runs on each event. */
export function compilePredicate(ast: Ast): Predicate {
  const node = compileNode(ast)
  return (event) => node({ event, value: undefined, lower: undefined })
}
