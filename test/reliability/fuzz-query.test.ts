/**
 * Properties of the query language (src/search/query.ts, predicate.ts, plan.ts): any string either parses
 * or is refused with a QueryError naming a position inside it, and what parses compiles into a predicate
 * that runs on any event; a query written from a generated syntax tree reads back as that tree; and the
 * scanner's needles never drop an event the predicate matches, and decide alone exactly when the plan
 * says they do.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { planSearch } from '../../src/search/plan.ts'
import { compilePredicate, type EventView, numberOf } from '../../src/search/predicate.ts'
import { type Ast, parseQuery, QueryError, requiredNeedles, type Value } from '../../src/search/query.ts'
import { anyText, FUZZ_TIMEOUT_MS, fuzz, jsonEvent } from './fuzz.ts'

/** A query as written, and the syntax tree it must read as. */
interface Query {
  q: string
  ast: Ast
}

const KEYWORDS = /^(?:and|or|not|contains|exists|in)$/i
/** A bare word: nothing that ends one (white space as JavaScript knows it, `( ) " , = < >`), and no backtick. */
const BARE_WORD = /^[^\s()",=<>`]+$/
const isBare = (text: string) => BARE_WORD.test(text) && !text.includes('!=')

const caseOf = (word: string) =>
  fc
    .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
    .map((upper) => Array.from(word, (c, k) => (upper[k] ? c.toUpperCase() : c.toLowerCase())).join(''))

const paren = (query: Query): fc.Arbitrary<Query> =>
  fc.boolean().map((wrap) => (wrap ? { ...query, q: `(${query.q})` } : query))

/** A bare word; keywords only where the caller allows them. */
const bareWord = (keywords: boolean) =>
  fc
    .oneof(anyText(12), fc.constantFrom('-abc', 'a!b', '10.0.0.1', 'x@y.z', 'é', '42', 'TRUE', 'Null', 'in'))
    .filter((text) => isBare(text) && (keywords || !KEYWORDS.test(text)))

const phrase = (text: string) => `"${text.replace(/["\\]/g, '\\$&')}"`

/** A literal as written, bare or quoted, with the value and raw text the parser must give it. */
const literal: fc.Arbitrary<{ q: string; value: Value; raw: string }> = fc.oneof(
  anyText(12).map((text) => ({ q: phrase(text), value: text, raw: text })),
  fc
    .oneof(bareWord(true), fc.constantFrom('1e3', '-1.5', '.5', '+3', '1.', '0', 'true', 'FALSE', 'null'))
    .map((text) => {
      const number = numberOf(text)
      const lower = text.toLowerCase()
      const value =
        number ?? (lower === 'true' ? true : lower === 'false' ? false : lower === 'null' ? null : text)
      return { q: text, value, raw: text }
    }),
)

/** A field path as written: plain segments, backtick-quoted ones, array indexes. */
const FIELD_CHARS = fc.constantFrom(...'abcXYZ019_-@$éß中'.split(''))
const segment = fc.oneof(
  fc.string({ unit: FIELD_CHARS, minLength: 1, maxLength: 6 }).map((text) => ({ q: text, path: [text] })),
  anyText(8)
    .filter((text) => !text.includes('`'))
    .map((text) => ({ q: `\`${text}\``, path: [text] })),
)
const field = fc
  .array(fc.tuple(segment, fc.array(fc.nat({ max: 12 }), { maxLength: 2 })), { minLength: 1, maxLength: 3 })
  .map((parts) => ({
    q: parts.map(([{ q }, indexes]) => q + indexes.map((n) => `[${n}]`).join('')).join('.'),
    path: parts.flatMap(([{ path }, indexes]) => [...path, ...indexes.map(String)]),
  }))
  .filter(({ q }) => !KEYWORDS.test(q))

const OPS = ['=', '!=', '>', '>=', '<', '<='] as const
const space = fc.constantFrom(' ', '  ', '\t')

const leaf: fc.Arbitrary<Query> = fc.oneof(
  bareWord(false).map((text) => ({ q: text, ast: { kind: 'text', text } as Ast })),
  anyText(16).map((text) => ({ q: phrase(text), ast: { kind: 'text', text } as Ast })),
  fc.tuple(field, fc.constantFrom(...OPS), literal, space).map(([f, op, v, gap]) => ({
    q: `${f.q}${gap}${op}${gap}${v.q}`,
    ast: { kind: 'compare', path: f.path, op, value: v.value, raw: v.raw } as Ast,
  })),
  fc.tuple(field, caseOf('contains'), literal).map(([f, keyword, v]) => ({
    q: `${f.q} ${keyword} ${v.q}`,
    ast: { kind: 'compare', path: f.path, op: 'contains', value: v.value, raw: v.raw } as Ast,
  })),
  fc.tuple(field, caseOf('exists')).map(([f, keyword]) => ({
    q: `${f.q} ${keyword}`,
    ast: { kind: 'exists', path: f.path } as Ast,
  })),
  fc
    .tuple(field, caseOf('in'), fc.array(literal, { minLength: 1, maxLength: 3 }))
    .map(([f, keyword, values]) => ({
      q: `${f.q} ${keyword} (${values.map((v) => v.q).join(', ')})`,
      ast: {
        kind: 'in',
        path: f.path,
        values: values.map((v) => v.value),
        raws: values.map((v) => v.raw),
      } as Ast,
    })),
)

/** The parser flattens `a AND (b AND c)` into one AND of three, and likewise OR. */
function joined(kind: 'and' | 'or', operands: Ast[]): Ast {
  return {
    kind,
    operands: operands.flatMap((operand) => (operand.kind === kind ? operand.operands : [operand])),
  }
}

/** Queries over `leaves`: AND (written or implied), OR and NOT, with parentheses where needed and at random. */
function queries(leaves: fc.Arbitrary<Query>, maxDepth: number): fc.Arbitrary<Query> {
  return fc.letrec<{ node: Query; and: Query; or: Query; not: Query }>((tie) => ({
    node: fc.oneof({ depthSize: 'small', maxDepth }, leaves.chain(paren), tie('and'), tie('or'), tie('not')),
    and: fc
      .tuple(fc.array(tie('node'), { minLength: 2, maxLength: 3 }), fc.constantFrom(' ', ' AND ', ' and '))
      .map(([items, glue]) => ({
        q: items.map((item) => (item.ast.kind === 'or' ? `(${item.q})` : item.q)).join(glue),
        ast: joined(
          'and',
          items.map((item) => item.ast),
        ),
      })),
    or: fc
      .tuple(fc.array(tie('node'), { minLength: 2, maxLength: 3 }), fc.constantFrom(' OR ', ' or '))
      .map(([items, glue]) => ({
        q: items.map((item) => item.q).join(glue),
        ast: joined(
          'or',
          items.map((item) => item.ast),
        ),
      })),
    not: fc.tuple(tie('node'), caseOf('not')).map(([item, keyword]) => ({
      q: `${keyword} ${item.ast.kind === 'and' || item.ast.kind === 'or' ? `(${item.q})` : item.q}`,
      ast: { kind: 'not', operand: item.ast },
    })),
  })).node
}

const view = (text: string): EventView => ({ value: () => JSON.parse(text), text: () => text })

/** Pieces of the language and odd text, run together into strings the parser mostly refuses. */
const QUERY_PIECES = '( ) " \\" ` , = != < <= > >= AND or NOT contains EXISTS in [ ] [0] . \\ a 1 é'.split(
  ' ',
)
const anyQuery = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc
    .array(fc.oneof(fc.constantFrom(...QUERY_PIECES, ' '), anyText(4)), { maxLength: 30 })
    .map((pieces) => pieces.join('')),
  fc
    .array(fc.oneof(fc.constantFrom(...QUERY_PIECES), anyText(4)), { maxLength: 30 })
    .map((pieces) => pieces.join(' ')),
)

describe('parseQuery', () => {
  test(
    'any string parses, or is refused by a QueryError at a position inside it; what parses runs on any event',
    () => {
      const property = fc.property(anyQuery, jsonEvent, (q, event) => {
        let ast: Ast
        try {
          ast = parseQuery(q)
        } catch (error) {
          expect(error).toBeInstanceOf(QueryError)
          const { position } = error as QueryError
          expect(position >= 0 && position <= q.length).toBe(true)
          return
        }
        const text = JSON.stringify(event)
        const plan = planSearch({ fromMs: 0, toMs: 1, query: ast })
        plan.predicate?.(view(text))
        compilePredicate(ast)(view(text))
      })
      fc.assert(property, fuzz(2000))
    },
    FUZZ_TIMEOUT_MS,
  )

  test(
    'a query written from a syntax tree reads back as that tree',
    () => {
      fc.assert(
        fc.property(queries(leaf, 3), ({ q, ast }) => {
          expect(parseQuery(q)).toEqual(ast)
        }),
        fuzz(1000),
      )
    },
    FUZZ_TIMEOUT_MS,
  )
})

/**
 * Strings for events and queries to share, so that queries often match: case variants, characters whose
 * Unicode lower case is ASCII (U+0130, U+212A), characters senders escape (`é`, `/`, `<`, `'`, `+`, a line
 * break), and literals with other spellings (a number, a boolean, a date).
 */
const VOCABULARY = [
  'error',
  'Error',
  'TIMEOUT after 30s',
  'kit',
  'taxi',
  '\u212a',
  '\u0130',
  '\u0130stanbul',
  'istanbul',
  'stra\u00dfe',
  'caf\u00e9',
  '/var/log',
  '<tag>&',
  "it's",
  'x+y',
  'back`tick',
  'C:\\temp',
  'line\nbreak',
  'say "hi"',
  '2026-11-28',
  '42',
  'true',
  '',
]
const vocabulary = fc.constantFrom(...VOCABULARY)
/** A piece of a vocabulary string, in any case. */
const fragment = fc
  .tuple(vocabulary, fc.nat({ max: 24 }), fc.integer({ min: 1, max: 6 }), fc.boolean())
  .map(([text, from, length, upper]) => {
    const start = from % (text.length + 1)
    const piece = text.slice(start, start + length)
    return upper ? piece.toUpperCase() : piece
  })

/** The literal texts of a query: its words and phrases, and its comparisons' literals as written. */
function literalsOf(ast: Ast): string[] {
  switch (ast.kind) {
    case 'text':
      return [ast.text]
    case 'compare':
      return [ast.raw]
    case 'in':
      return ast.raws
    case 'not':
      return literalsOf(ast.operand)
    case 'and':
    case 'or':
      return ast.operands.flatMap(literalsOf)
    default:
      return []
  }
}

/**
 * Ways an event may write the query's literals: as they are, in another case, or with U+212A for k or U+0130
 * for i (characters whose Unicode lower case is an ASCII letter). One way per event, so that a literal's
 * letters are not all over the event in their plain form too.
 */
const SPELLINGS: ((text: string) => string)[] = [
  (text) => text,
  (text) => text.toUpperCase(),
  (text) => text.toLowerCase(),
  (text) => text.replace(/k/gi, '\u212a'),
  (text) => text.replace(/i/gi, '\u0130'),
]

/** An event whose values are mostly the query's literals respelled, alone or inside other text. */
function eventFor(ast: Ast): fc.Arbitrary<Record<string, unknown>> {
  const literals = literalsOf(ast)
  return fc.constantFrom(...SPELLINGS).chain((spell) => {
    const respelled = fc
      .tuple(
        fc.constantFrom(...literals, 'error'),
        fc.constantFrom('', 'x', ' '),
        fc.constantFrom('', 'y', '/'),
      )
      .map(([literal, before, after]) => before + spell(literal) + after)
    const text = fc.oneof({ weight: 4, arbitrary: respelled }, vocabulary)
    const value = fc.oneof(
      { weight: 3, arbitrary: text },
      fc.constantFrom(42, -1.5, 1e21, 0, true, false, null),
      fc.array(text, { maxLength: 3 }),
    )
    const fields = { msg: value, user: value, n: value, ctx: fc.record({ host: value }) }
    return fc.record(fields, { requiredKeys: ['msg', 'ctx'] })
  })
}

/** The escapes senders use where they need none: PHP `\/`, Go's `\u003c` for `< > &`, .NET's for `' + \``. */
const SENDER_ESCAPES: Record<string, RegExp> = {
  nonAscii: /[\u0080-\uffff]/g,
  slash: /\//g,
  html: /[<>&]/g,
  dotnet: /['+`]/g,
}
const escapeSet = fc.subarray(Object.keys(SENDER_ESCAPES))

/** An event's stored text as a sender using `escapes` would write it. */
function storedText(value: unknown, escapes: string[]): string {
  return JSON.stringify(value).replace(/"(?:[^"\\]|\\.)*"/g, (literal) => {
    let text = literal
    for (const name of escapes) {
      text = text.replace(SENDER_ESCAPES[name]!, (unit) =>
        unit === '/' ? '\\/' : `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
      )
    }
    return text
  })
}

const FIELDS = ['msg', 'user', 'n', 'ctx.host', 'msg[0]', 'nope']
const vocabularyLeaf: fc.Arbitrary<Query> = fc.oneof(
  fragment
    .filter(isBare)
    .filter((text) => !KEYWORDS.test(text))
    .map((text) => ({ q: text, ast: { kind: 'text', text } as Ast })),
  fc.oneof(vocabulary, fragment).map((text) => ({ q: phrase(text), ast: { kind: 'text', text } as Ast })),
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...FIELDS),
        fc.constantFrom('=', '!=', '>=', 'CONTAINS', 'contains'),
        fc.oneof(vocabulary, fragment),
      )
      .map(([path, op, text]) => `${path} ${op} ${phrase(text)}`)
      .map((q) => ({ q, ast: parseQuery(q) })),
  },
  fc
    .tuple(fc.constantFrom(...FIELDS), fc.constantFrom('EXISTS', 'IN ("error", 42)'))
    .map(([path, rest]) => `${path} ${rest}`)
    .map((q) => ({ q, ast: parseQuery(q) })),
)

const ASCII_UPPER = /[A-Z]/g
const asciiLower = (text: string) => text.replace(ASCII_UPPER, (c) => c.toLowerCase())
const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1')

describe('the needles the scanner prefilters by', () => {
  test(
    'every event the predicate matches holds every needle, and needles alone decide when the plan says so',
    () => {
      const cases = queries(vocabularyLeaf, 1).chain((query) =>
        fc.tuple(fc.constant(query.q), eventFor(query.ast), escapeSet),
      )
      const property = fc.property(cases, ([q, event, escapes]) => {
        const ast = parseQuery(q)
        const text = storedText(event, escapes)
        const matches = compilePredicate(ast)(view(text))
        const plan = planSearch({ fromMs: 0, toMs: 1, query: ast })
        // The scanner searches the stored bytes seen as Latin-1, each needle as a regular expression.
        const needles = requiredNeedles(ast)
        const found = plan.needles.map(({ pattern }) => {
          pattern.lastIndex = 0
          return pattern.test(latin1(text))
        })
        if (matches) {
          needles.forEach((needle, k) => {
            const holds = needle.caseless
              ? asciiLower(text).includes(asciiLower(needle.text))
              : text.includes(needle.text)
            expect({ needle, holds, scanned: found[k] }).toEqual({
              needle,
              holds: true,
              scanned: true,
            })
          })
        }
        if (plan.predicate === null && ast.kind !== 'all') expect(found.every(Boolean)).toBe(matches)
      })
      fc.assert(property, fuzz(10_000))
    },
    FUZZ_TIMEOUT_MS,
  )
})
