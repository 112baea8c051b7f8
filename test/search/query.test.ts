/**
 * The filter language's reader: every form the contract names read into the AST the scanner and predicate
 * work from, malformed queries refused with the position of the mistake, the size limits, and the needles
 * and text-only flag the scanner prefilters by.
 */
import { describe, expect, test } from 'bun:test'
import { type Ast, parseQuery, QueryError, requiredNeedles } from '../../src/search/query.ts'

const text = (t: string): Ast => ({ kind: 'text', text: t })
const eq = (path: string[], value: string | number | boolean | null, raw = String(value)): Ast => ({
  kind: 'compare',
  path,
  op: '=',
  value,
  raw,
})

/** The message of the QueryError parsing `q` throws. */
function failure(q: string): string {
  try {
    parseQuery(q)
  } catch (error) {
    expect(error).toBeInstanceOf(QueryError)
    return (error as Error).message
  }
  throw new Error(`expected ${JSON.stringify(q)} to be refused`)
}

describe('parseQuery: valid forms', () => {
  test('an empty or blank query matches everything', () => {
    expect(parseQuery('')).toEqual({ kind: 'all' })
    expect(parseQuery('  \t\n ')).toEqual({ kind: 'all' })
  })

  test('bare words keep their case and punctuation', () => {
    expect(parseQuery('Timeout')).toEqual(text('Timeout'))
    expect(parseQuery('user42@example.com')).toEqual(text('user42@example.com'))
    expect(parseQuery('10.0.0.1')).toEqual(text('10.0.0.1'))
    expect(parseQuery('-abc')).toEqual(text('-abc'))
    expect(parseQuery('hello!')).toEqual(text('hello!'))
  })

  test('quoted phrases take \\" and \\\\ as escapes and keep other backslashes', () => {
    expect(parseQuery('"connection reset"')).toEqual(text('connection reset'))
    expect(parseQuery('"say \\"hi\\" \\\\ bye"')).toEqual(text('say "hi" \\ bye'))
    expect(parseQuery('"C:\\temp"')).toEqual(text('C:\\temp'))
    expect(parseQuery('"AND"')).toEqual(text('AND'))
  })

  test('every comparison operator, with or without spaces', () => {
    for (const op of ['=', '!=', '>', '>=', '<', '<='] as const) {
      const expected = { kind: 'compare', path: ['status'], op, value: 500, raw: '500' }
      expect(parseQuery(`status ${op} 500`)).toEqual(expected as Ast)
      expect(parseQuery(`status${op}500`)).toEqual(expected as Ast)
    }
  })

  test('CONTAINS, EXISTS and IN, keywords in any case', () => {
    const contains: Ast = { kind: 'compare', path: ['msg'], op: 'contains', value: 'a b', raw: 'a b' }
    expect(parseQuery('msg CONTAINS "a b"')).toEqual(contains)
    expect(parseQuery('msg contains "a b"')).toEqual(contains)
    expect(parseQuery('msg Exists')).toEqual({ kind: 'exists', path: ['msg'] })
    expect(parseQuery('level in (error, "warn", 3, true)')).toEqual({
      kind: 'in',
      path: ['level'],
      values: ['error', 'warn', 3, true],
      raws: ['error', 'warn', '3', 'true'],
    })
    expect(parseQuery('level IN(error)')).toEqual({
      kind: 'in',
      path: ['level'],
      values: ['error'],
      raws: ['error'],
    })
  })

  test('value literals: numbers, booleans, null, strings and timestamps', () => {
    expect(parseQuery('n = -1.5')).toEqual(eq(['n'], -1.5, '-1.5'))
    expect(parseQuery('n = 1e3')).toEqual(eq(['n'], 1000, '1e3'))
    expect(parseQuery('ok = TRUE')).toEqual(eq(['ok'], true, 'TRUE'))
    expect(parseQuery('ok = false')).toEqual(eq(['ok'], false))
    expect(parseQuery('x = null')).toEqual(eq(['x'], null))
    expect(parseQuery('x = "null"')).toEqual(eq(['x'], 'null'))
    expect(parseQuery('n = "42"')).toEqual(eq(['n'], '42'))
    expect(parseQuery('level = error')).toEqual(eq(['level'], 'error'))
    expect(parseQuery('ip = 10.0.0.1')).toEqual(eq(['ip'], '10.0.0.1'))
    expect(parseQuery('t > 2026-01-01T00:00:00Z')).toEqual({
      kind: 'compare',
      path: ['t'],
      op: '>',
      value: '2026-01-01T00:00:00Z',
      raw: '2026-01-01T00:00:00Z',
    })
  })

  test('dotted, odd, backtick-quoted and indexed paths', () => {
    expect(parseQuery('actor.login = ann')).toEqual(eq(['actor', 'login'], 'ann'))
    expect(parseQuery('request.headers.user-agent EXISTS')).toEqual({
      kind: 'exists',
      path: ['request', 'headers', 'user-agent'],
    })
    expect(parseQuery('$meta.@type = x')).toEqual(eq(['$meta', '@type'], 'x'))
    expect(parseQuery('`odd key`.x = 1')).toEqual(eq(['odd key', 'x'], 1))
    expect(parseQuery('a.`b.c`.d = 1')).toEqual(eq(['a', 'b.c', 'd'], 1))
    expect(parseQuery('items[0].id = 7')).toEqual(eq(['items', '0', 'id'], 7))
    expect(parseQuery('m[1][2] = 7')).toEqual(eq(['m', '1', '2'], 7))
    expect(parseQuery('`not` = 1')).toEqual(eq(['not'], 1))
    expect(parseQuery('größe = 1')).toEqual(eq(['größe'], 1))
  })

  test('precedence: NOT binds tighter than AND, AND (explicit or implicit) tighter than OR', () => {
    expect(parseQuery('a b OR c')).toEqual({
      kind: 'or',
      operands: [{ kind: 'and', operands: [text('a'), text('b')] }, text('c')],
    })
    expect(parseQuery('a or b AND c')).toEqual({
      kind: 'or',
      operands: [text('a'), { kind: 'and', operands: [text('b'), text('c')] }],
    })
    expect(parseQuery('not a b')).toEqual({
      kind: 'and',
      operands: [{ kind: 'not', operand: text('a') }, text('b')],
    })
    expect(parseQuery('NOT NOT a')).toEqual({ kind: 'not', operand: { kind: 'not', operand: text('a') } })
  })

  test('parentheses group, and runs of one operator are flattened', () => {
    expect(parseQuery('(a OR b) c')).toEqual({
      kind: 'and',
      operands: [{ kind: 'or', operands: [text('a'), text('b')] }, text('c')],
    })
    expect(parseQuery('a AND (b AND c) d')).toEqual({ kind: 'and', operands: ['a', 'b', 'c', 'd'].map(text) })
    expect(parseQuery('((a))')).toEqual(text('a'))
    expect(parseQuery('NOT (x = 1 OR y EXISTS)')).toEqual({
      kind: 'not',
      operand: { kind: 'or', operands: [eq(['x'], 1), { kind: 'exists', path: ['y'] }] },
    })
  })

  test('comparisons and words mix with implicit AND', () => {
    expect(parseQuery('timeout status>=500 "conn reset"')).toEqual({
      kind: 'and',
      operands: [
        text('timeout'),
        { kind: 'compare', path: ['status'], op: '>=', value: 500, raw: '500' },
        text('conn reset'),
      ],
    })
  })

  test('IN, CONTAINS and EXISTS are words where they cannot be operators', () => {
    expect(parseQuery('user logged in')).toEqual({
      kind: 'and',
      operands: ['user', 'logged', 'in'].map(text),
    })
    expect(parseQuery('contains it')).toEqual({ kind: 'and', operands: ['contains', 'it'].map(text) })
    expect(parseQuery('exists')).toEqual(text('exists'))
    expect(parseQuery('(in)')).toEqual(text('in'))
  })
})

describe('parseQuery: mistakes name their position', () => {
  test.each([
    ['status = ', "q: position 9: expected a value after '='"],
    ['status = )', "q: position 9: expected a value after '='"],
    ['a = 1 )', "q: position 6: unexpected ')'"],
    ['msg = "abc', 'q: position 6: unterminated string starting at position 6'],
    ['(a OR b', "q: position 7: missing ')' for '(' at position 0"],
    ['x (a b , c)', "q: position 7: missing ')' for '(' at position 2"],
    ['AND a', "q: position 0: unexpected 'AND'"],
    ['a AND', "q: position 5: expected a term after 'AND'"],
    ['a or or b', "q: position 5: expected a term after 'or'"],
    ['NOT', "q: position 3: expected a term after 'NOT'"],
    ['= 5', "q: position 0: unexpected '='"],
    ['a ,', "q: position 2: unexpected ','"],
    ['()', "q: position 1: unexpected ')'"],
    ['x == 5', "q: position 3: expected a value after '='"],
    ['msg CONTAINS', "q: position 12: expected a value after 'CONTAINS'"],
    ['a.b: = 1', "q: position 3: unexpected ':' in field name 'a.b:'"],
    ['a..b = 1', "q: position 2: expected a field name segment in 'a..b'"],
    ['items[x] = 1', "q: position 5: expected an array index like [0] in 'items[x]'"],
    ['`odd = 1', 'q: position 0: unterminated backtick quote starting at position 0'],
    ['x IN ()', 'q: position 6: expected a value in the list of IN at position 5'],
    ['x IN (1 2)', "q: position 8: expected ',' or ')' in the list of IN at position 5"],
    ['x IN (1,', 'q: position 8: expected a value in the list of IN at position 5'],
  ])('%p', (q, message) => {
    expect(failure(q)).toBe(message)
  })

  test('the position is on the error object', () => {
    try {
      parseQuery('status = ')
      throw new Error('not refused')
    } catch (error) {
      expect((error as QueryError).position).toBe(9)
      expect((error as QueryError).name).toBe('QueryError')
    }
  })
})

describe('parseQuery: limits', () => {
  test('at most 4096 characters', () => {
    expect(parseQuery('a'.repeat(4096))).toEqual(text('a'.repeat(4096)))
    expect(failure('a'.repeat(4097))).toBe('q: position 4096: longer than 4096 characters')
  })

  test('at most 256 terms, each value of an IN list counting as one', () => {
    const words = Array.from({ length: 256 }, (_, k) => `w${k}`)
    expect(parseQuery(words.join(' '))).toMatchObject({ kind: 'and' })
    expect(failure(`${words.join(' ')} extra`)).toBe(
      `q: position ${words.join(' ').length + 1}: more than 256 terms`,
    )
    expect(failure(`x IN (${words.join(',')},last)`)).toMatch(/more than 256 terms/)
  })

  test('nesting at most 64 deep, by parentheses or NOT', () => {
    expect(parseQuery(`${'('.repeat(64)}a${')'.repeat(64)}`)).toEqual(text('a'))
    expect(failure(`${'('.repeat(65)}a${')'.repeat(65)}`)).toBe(
      'q: position 64: nested deeper than 64 levels',
    )
    expect(failure(`${'NOT '.repeat(65)}a`)).toBe('q: position 256: nested deeper than 64 levels')
    expect(failure(`${'('.repeat(32)}${'NOT '.repeat(33)}a`)).toMatch(/nested deeper than 64 levels/)
  })
})

describe('requiredNeedles', () => {
  const needles = (q: string) => requiredNeedles(parseQuery(q))

  test('words and phrases under AND are caseless needles, whole, deduplicated', () => {
    expect(needles('Timeout "conn reset" timeout "café/\\"x\\""')).toEqual([
      { text: 'Timeout', caseless: true },
      { text: 'conn reset', caseless: true },
      { text: 'café/"x"', caseless: true },
    ])
    expect(needles('a AND (b AND a)')).toEqual([
      { text: 'a', caseless: true },
      { text: 'b', caseless: true },
    ])
  })

  test('= on a string gives an exact needle; CONTAINS a caseless one', () => {
    expect(needles('level = error msg CONTAINS Reset')).toEqual([
      { text: 'error', caseless: false },
      { text: 'Reset', caseless: true },
    ])
    expect(needles('ip = 10.0.0.1')).toEqual([{ text: '10.0.0.1', caseless: false }])
  })

  test('nothing under OR or NOT, nor from other comparisons', () => {
    expect(needles('')).toEqual([])
    expect(needles('a OR b')).toEqual([])
    expect(needles('NOT a')).toEqual([])
    expect(needles('x != a  x > b  x EXISTS  x IN (a)')).toEqual([])
    expect(needles('(a OR b) c')).toEqual([{ text: 'c', caseless: true }])
  })

  test('no needle for literals other spellings of which also match', () => {
    expect(
      needles('n = 42 n = "42" n = "1e3" ok = "TRUE" x = null t = "2026-01-01T00:00:00Z" d = 2026-01-01'),
    ).toEqual([])
    expect(needles('n CONTAINS 100 n CONTAINS "1.5e3"')).toEqual([])
  })

  test('comparisons give only the longest run JSON writers never escape', () => {
    expect(needles('path = "/var/log/syslog"')).toEqual([{ text: 'syslog', caseless: false }])
    expect(needles('name = "Zoë Smith"')).toEqual([{ text: ' Smith', caseless: false }])
    expect(needles('msg CONTAINS "say \\"hi\\""')).toEqual([{ text: 'say ', caseless: true }])
    expect(needles('msg CONTAINS "<b>&amp;"')).toEqual([{ text: 'amp;', caseless: true }])
    expect(needles('msg CONTAINS 日本')).toEqual([])
  })

  test('a CONTAINS needle holds no k and ends in no i, which U+212A and U+0130 lower-case to', () => {
    // `{"user":"K"}` (the Kelvin sign) matches `user CONTAINS "k"`, yet its bytes hold no k; likewise `İ` and i.
    expect(needles('user CONTAINS "k"')).toEqual([])
    expect(needles('user CONTAINS "i"')).toEqual([])
    expect(needles('msg CONTAINS Kelvin')).toEqual([{ text: 'elvin', caseless: true }])
    expect(needles('msg CONTAINS taxi')).toEqual([{ text: 'tax', caseless: true }])
    // An i with an ASCII character after it cannot be the start of U+0130's `i̇`.
    expect(needles('msg CONTAINS timeout')).toEqual([{ text: 'timeout', caseless: true }])
    expect(needles('msg = Kelvin')).toEqual([{ text: 'Kelvin', caseless: false }])
  })
})
