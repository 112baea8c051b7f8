/**
 * The text-line parsers (csv, fastmatch, regex): what each makes of a line, how configs are checked, and
 * Panther's Apache, Nginx and Fastly test cases parsed to the fields Panther stores (as strings, before
 * coercion), from the vendored test/fixtures/panther.
 */
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, parseAllDocuments } from 'yaml'
import type { ParserSpec } from '../../src/schemas/model.ts'
import { compileLineParser, type LineParser } from '../../src/schemas/text/index.ts'
import { PANTHER_LOGS } from '../helpers.ts'

const ROOT = PANTHER_LOGS

/** A fresh parser for a parser block given as plain data (as a YAML spec would hold it). */
const parserFor = (parser: unknown): LineParser => {
  const factory = compileLineParser(parser as ParserSpec)
  if (factory === null) throw new Error('no text parser')
  return factory()
}
const fieldsOf = (parser: unknown, line: string) => {
  const result = parserFor(parser)(line)
  return result !== null && 'fields' in result ? result.fields : result
}
const configError = (parser: unknown): string => {
  try {
    compileLineParser(parser as ParserSpec)
  } catch (error) {
    return (error as Error).message
  }
  return '(accepted)'
}

describe('compileLineParser', () => {
  test('no text parser without a block, with an empty one, or with native', () => {
    expect(compileLineParser(undefined)).toBeNull()
    expect(compileLineParser({})).toBeNull()
    expect(compileLineParser({ native: { name: 'Syslog.RFC3164' } })).toBeNull()
  })

  test('only one kind of parser may be set', () => {
    expect(configError({ csv: { delimiter: ',', columns: ['a'] }, fastmatch: { match: ['%{a}'] } })).toBe(
      'parser: only one of csv, fastmatch, regex, native may be set',
    )
  })

  test('the block and its shared options are checked, naming the path', () => {
    expect(configError({ csv: 'x' })).toBe('parser.csv: must be a mapping')
    expect(configError({ fastmatch: { match: ['%{a}'], skipLines: 1 } })).toStartWith(
      'parser.fastmatch.skipLines: unknown key (known: ',
    )
    expect(configError({ fastmatch: { match: ['%{a}'], trimSpace: 'yes' } })).toBe(
      'parser.fastmatch.trimSpace: must be true or false',
    )
    expect(configError({ regex: { match: ['(?P<a>.)'], emptyValues: '-' } })).toBe(
      'parser.regex.emptyValues: must be a list of strings',
    )
    expect(configError({ fastmatch: { match: ['%{a}'], emptyValues: ['-', 1] } })).toBe(
      'parser.fastmatch.emptyValues[1]: must be a string',
    )
    expect(configError({ fastmatch: { match: [] } })).toBe(
      'parser.fastmatch.match: must be a non-empty list of patterns',
    )
    expect(configError({ regex: {} })).toBe('parser.regex.match: must be a non-empty list of patterns')
    expect(configError({ fastmatch: { match: ['%{a}', ''] } })).toBe(
      'parser.fastmatch.match[1]: must not be empty',
    )
    expect(configError({ fastmatch: { match: ['%{a}'], expandFields: { b: 1 } } })).toBe(
      'parser.fastmatch.expandFields.b: must be a template string like `%{field}`',
    )
  })
})

describe('csv', () => {
  const csv = (options: object) => ({ csv: { delimiter: ',', columns: ['a', 'b', 'c'], ...options } })

  test('values are named by columns in order', () => {
    expect(fieldsOf(csv({}), '1,two,3')).toEqual({ a: '1', b: 'two', c: '3' })
  })

  test('quoted values hold delimiters and doubled quotes; empty values are omitted', () => {
    expect(fieldsOf(csv({}), '"1,5","say ""hi""",3')).toEqual({ a: '1,5', b: 'say "hi"', c: '3' })
    expect(fieldsOf(csv({}), '1,"",')).toEqual({ a: '1' })
    expect(fieldsOf(csv({}), '"","",""')).toEqual({})
  })

  test('stray quotes are kept as text; a quote left open is no match', () => {
    expect(fieldsOf(csv({}), '1,5" tall,"a "b" c"')).toEqual({ a: '1', b: '5" tall', c: 'a "b" c' })
    expect(fieldsOf(csv({}), '1,"open,3')).toBeNull()
    expect(fieldsOf(csv({}), '1,2,"open')).toBeNull()
  })

  test('a line with another number of values is no match', () => {
    expect(fieldsOf(csv({}), '1,2')).toBeNull()
    expect(fieldsOf(csv({}), '1,2,3,4')).toBeNull()
    expect(fieldsOf(csv({}), '1,"2,3"')).toBeNull()
  })

  test('tab and multi-character delimiters', () => {
    expect(fieldsOf(csv({ delimiter: '\t' }), '1\t"x\ty"\t3')).toEqual({ a: '1', b: 'x\ty', c: '3' })
    // `'\t'` in single-quoted YAML keeps the backslash; it still means a tab.
    expect(fieldsOf(csv({ delimiter: '\\t' }), '1\t2\t3')).toEqual({ a: '1', b: '2', c: '3' })
    expect(fieldsOf(csv({ delimiter: '||' }), '1||"a||b"||c|d')).toEqual({ a: '1', b: 'a||b', c: 'c|d' })
  })

  test('emptyValues and trimSpace', () => {
    const parser = csv({ emptyValues: ['-', 'N/A'], trimSpace: true })
    expect(fieldsOf(parser, ' 1 , - ,"  N/A "')).toEqual({ a: '1' })
    expect(fieldsOf(csv({ emptyValues: ['-'] }), ' 1 , - ,x')).toEqual({ a: ' 1 ', b: ' - ', c: 'x' })
  })

  test('hasHeader without columns: the first line of each body names the columns', () => {
    const factory = compileLineParser({ csv: { delimiter: ',', hasHeader: true } })!
    const body = factory()
    expect(body('"id", name ,,"when"')).toEqual({ header: true })
    expect(body('1,ann,skipped,today')).toEqual({ fields: { id: '1', name: 'ann', when: 'today' } })
    expect(body('2,bob')).toBeNull()
    // The header repeated (files concatenated) is a header again, not an event.
    expect(body('id,name,,when')).toEqual({ header: true })
    // Each body learns its own header.
    const other = factory()
    expect(other('x,y')).toEqual({ header: true })
    expect(other('1,2')).toEqual({ fields: { x: '1', y: '2' } })
  })

  test('hasHeader without columns: a first line left unparsed is not taken as the header', () => {
    const body = parserFor({ csv: { delimiter: ',', hasHeader: true } })
    expect(body('"broken,a')).toBeNull()
    expect(body('a,b')).toEqual({ header: true })
    expect(body('1,2')).toEqual({ fields: { a: '1', b: '2' } })
  })

  test('hasHeader with columns: a line of the column names is a header, the columns name values', () => {
    const body = parserFor(csv({ hasHeader: true }))
    expect(body('"a","b","c"')).toEqual({ header: true })
    expect(body('a, b ,c')).toEqual({ header: true })
    expect(body('a,b,x')).toEqual({ fields: { a: 'a', b: 'b', c: 'x' } })
    expect(body('1,2,3')).toEqual({ fields: { a: '1', b: '2', c: '3' } })
  })

  test('without hasHeader a line of the column names is an event', () => {
    expect(fieldsOf(csv({}), 'a,b,c')).toEqual({ a: 'a', b: 'b', c: 'c' })
  })

  test('bad configs name the path', () => {
    expect(configError(csv({ delimiter: '' }))).toBe('parser.csv.delimiter: must be one or more characters')
    expect(configError(csv({ delimiter: 4 }))).toBe('parser.csv.delimiter: must be one or more characters')
    expect(configError(csv({ delimiter: '"' }))).toBe(
      'parser.csv.delimiter: must not contain a double quote or a line break',
    )
    expect(configError({ csv: { delimiter: ',' } })).toBe(
      'parser.csv.columns: required unless hasHeader is true',
    )
    expect(configError(csv({ columns: [] }))).toBe('parser.csv.columns: must be a non-empty list of strings')
    expect(configError(csv({ columns: ['a', ''] }))).toBe('parser.csv.columns[1]: must not be empty')
    expect(configError(csv({ columns: ['a', 'b', 'a'] }))).toBe(
      "parser.csv.columns[2]: 'a' is already a column",
    )
    expect(configError(csv({ hasHeader: 1 }))).toBe('parser.csv.hasHeader: must be true or false')
  })
})

describe('fastmatch', () => {
  const fastmatch = (...match: string[]) => ({ fastmatch: { match } })

  test('placeholders take the text up to the next literal; the last one takes the rest', () => {
    expect(fieldsOf(fastmatch('%{a} %{b}'), 'foo bar baz')).toEqual({ a: 'foo', b: 'bar baz' })
    expect(fieldsOf(fastmatch('LOG: %{a} %{b}'), 'LOG: foo bar')).toEqual({ a: 'foo', b: 'bar' })
    expect(fieldsOf(fastmatch('%{a}-%{b}=%{c}'), '1-2-3=4')).toEqual({ a: '1', b: '2-3', c: '4' })
  })

  test('an empty value is omitted, the match still counts', () => {
    expect(fieldsOf(fastmatch('%{a} %{b}'), 'foo ')).toEqual({ a: 'foo' })
    expect(fieldsOf(fastmatch('%{a} %{b}'), ' bar')).toEqual({ b: 'bar' })
  })

  test('a closing literal is matched at the end of the line', () => {
    expect(fieldsOf(fastmatch('%{a} [%{b}]'), 'x [y] z]')).toEqual({ a: 'x', b: 'y] z' })
    expect(fieldsOf(fastmatch('%{a} [%{b}]'), 'x [y] z')).toBeNull()
    expect(fieldsOf(fastmatch('%{a}"%{b}"'), 'x"')).toBeNull()
  })

  test('%{} and %{_} match text that is not kept', () => {
    expect(fieldsOf(fastmatch('%{} %{_} %{c}'), 'a b c')).toEqual({ c: 'c' })
  })

  test('quoted placeholders unescape escaped quotes and backslashes', () => {
    const parser = fastmatch('"%{request}" %{status} "%{agent}"')
    expect(fieldsOf(parser, '"GET /\\"x\\" HTTP/1.1" 200 "a \\\\ b"')).toEqual({
      request: 'GET /"x" HTTP/1.1',
      status: '200',
      agent: 'a \\ b',
    })
    // A quote after an escaped backslash closes the value.
    expect(fieldsOf(parser, '"C:\\\\" 200 "x"')).toEqual({ request: 'C:\\', status: '200', agent: 'x' })
    // Other escapes are kept as they are.
    expect(fieldsOf(parser, '"a\\x22b" 1 "\\n"')).toEqual({ request: 'a\\x22b', status: '1', agent: '\\n' })
    expect(fieldsOf(fastmatch("'%{a}' %{b}"), "'it\\'s' ok")).toEqual({ a: "it's", b: 'ok' })
    // An unquoted placeholder keeps backslashes.
    expect(fieldsOf(fastmatch('%{a} %{b}'), 'x\\" y')).toEqual({ a: 'x\\"', b: 'y' })
  })

  test('a last quoted placeholder may hold unescaped quotes up to the closing one', () => {
    expect(fieldsOf(fastmatch('%{a} "%{b}"'), 'x "say "hi" now"')).toEqual({ a: 'x', b: 'say "hi" now' })
    expect(fieldsOf(fastmatch('%{a} "%{b}"'), 'x "ends escaped\\"')).toBeNull()
  })

  test('patterns are tried in order and the first match wins', () => {
    const parser = parserFor(
      fastmatch('%{ip} %{user} [%{time}] "%{request}" %{status}', '%{ip} [%{time}] %{message}'),
    )
    expect(parser('1.2.3.4 ann [today] "GET /" 200')).toEqual({
      fields: { ip: '1.2.3.4', user: 'ann', time: 'today', request: 'GET /', status: '200' },
    })
    expect(parser('1.2.3.4 [today] something else')).toEqual({
      fields: { ip: '1.2.3.4', time: 'today', message: 'something else' },
    })
    expect(parser('nothing like it')).toBeNull()
  })

  test('no match when the prefix or a literal is missing', () => {
    expect(fieldsOf(fastmatch('LOG: %{a}'), 'DBG: x')).toBeNull()
    expect(fieldsOf(fastmatch('%{a} [%{b}] %{c}'), 'x [y z')).toBeNull()
    expect(fieldsOf(fastmatch('%{a} %{b}'), '')).toBeNull()
  })

  test('a long line that almost matches is refused without a search over its literals', () => {
    const parser = parserFor(fastmatch('%{a} %{b} %{c} "%{d}" %{e} "%{f}"'))
    const line = `${'x " '.repeat(5000)}end`
    expect(parser(line)).toBeNull()
  })

  test('emptyValues and trimSpace', () => {
    const parser = { fastmatch: { match: ['%{a}|%{b}|%{c}'], emptyValues: ['-'], trimSpace: true } }
    expect(fieldsOf(parser, ' x | - |  ')).toEqual({ a: 'x' })
  })

  test('bad patterns name the path', () => {
    expect(configError(fastmatch('%{a}', 'no fields'))).toBe(
      'parser.fastmatch.match[1]: no %{field} placeholder',
    )
    expect(configError(fastmatch('%{a}%{b}'))).toBe(
      'parser.fastmatch.match[0]: %{a} needs literal text between it and the next placeholder',
    )
    expect(configError(fastmatch('%{__proto__} x'))).toBe(
      'parser.fastmatch.match[0]: %{__proto__} is not a usable field name',
    )
  })
})

describe('regex', () => {
  const regex = (match: string[], options: object = {}) => ({ regex: { match, ...options } })

  test("grok tags and named groups become fields (Panther's documented example)", () => {
    const parser = regex([
      '%{NOTSPACE:timestamp} \\[%{WORD:service}@%{DATA:ip}\\] \\[%{WORD:log_level}\\] %{GREEDYDATA:message}',
    ])
    expect(fieldsOf(parser, '2020-10-10T14:32:05 [api@10.0.0.1] [DEBUG] "" Something went wrong')).toEqual({
      timestamp: '2020-10-10T14:32:05',
      service: 'api',
      ip: '10.0.0.1',
      log_level: 'DEBUG',
      message: '"" Something went wrong',
    })
  })

  test('the match list is one expression split into parts', () => {
    const parser = regex(['^%{IP:ip}', ' ', '(?P<user>\\w+)', ' ', '(?<rest>.*)$'])
    expect(fieldsOf(parser, '::1 ann said (hello)')).toEqual({ ip: '::1', user: 'ann', rest: 'said (hello)' })
    expect(fieldsOf(parser, 'ann said hello')).toBeNull()
  })

  test('like Panther, the expression is searched for in the line unless anchored', () => {
    expect(fieldsOf(regex(['%{INT:n}']), 'code 42 here')).toEqual({ n: '42' })
    expect(fieldsOf(regex(['^%{INT:n}$']), 'code 42 here')).toBeNull()
  })

  test('unnamed groups are not fields; a name may repeat across alternatives', () => {
    expect(fieldsOf(regex(['^(a|b)=(?P<v>\\d+)$']), 'a=1')).toEqual({ v: '1' })
    const parser = regex(['^(?:id=(?P<key>\\d+)|name=(?P<key>\\w+))$'])
    expect(fieldsOf(parser, 'id=7')).toEqual({ key: '7' })
    expect(fieldsOf(parser, 'name=ann')).toEqual({ key: 'ann' })
    expect(fieldsOf(regex(['^(?:%{IPV4:ip}|%{WORD:user})$']), 'ann')).toEqual({ user: 'ann' })
  })

  test("patternDefinitions extend the built-in patterns (Panther's Apache example)", () => {
    const parser = regex(
      [
        '%{IP:remote_ip} %{NS:identity} %{NS:user} \\[%{APACHE_COMMON_TIMESTAMP:timestamp}\\] ',
        '"%{NOTSPACE:method} %{NOTSPACE:request_uri} %{NOTSPACE:protocol}" ',
        '%{NOTSPACE:status} %{NOTSPACE:bytes_sent}',
      ],
      {
        patternDefinitions: {
          APACHE_COMMON_TIMESTAMP: '\\d?\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}',
        },
        emptyValues: ['-'],
      },
    )
    expect(
      fieldsOf(parser, '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 -'),
    ).toEqual({
      remote_ip: '127.0.0.1',
      user: 'frank',
      timestamp: '10/Oct/2000:13:55:36 -0700',
      method: 'GET',
      request_uri: '/a.gif',
      protocol: 'HTTP/1.0',
      status: '200',
    })
  })

  test('definitions may use one another and capture fields of their own', () => {
    const parser = regex(['^%{PAIR}$'], {
      patternDefinitions: { PAIR: '%{KEY:key}=%{INT:value}', KEY: '[a-z]+' },
    })
    expect(fieldsOf(parser, 'size=12')).toEqual({ key: 'size', value: '12' })
  })

  test('built-in patterns for addresses and times', () => {
    const parser = regex(['^%{IP:ip} %{HTTPDATE:time} %{TIMESTAMP_ISO8601:iso} %{SYSLOGTIMESTAMP:syslog}$'])
    const line = '2001:db8::8a2e:370:7334 10/Oct/2000:13:55:36 -0700 2021-03-04T05:06:07.89Z Feb  7 20:29:51'
    expect(fieldsOf(parser, line)).toEqual({
      ip: '2001:db8::8a2e:370:7334',
      time: '10/Oct/2000:13:55:36 -0700',
      iso: '2021-03-04T05:06:07.89Z',
      syslog: 'Feb  7 20:29:51',
    })
    const ip = parserFor(regex(['^%{IP:ip}$']))
    for (const address of [
      '::1',
      '::',
      'fe80::1%eth0',
      '::ffff:10.1.2.3',
      '1:2:3:4:5:6:7:8',
      '192.168.0.255',
    ]) {
      expect(ip(address)).toEqual({ fields: { ip: address } })
    }
    for (const address of ['256.1.1.1', '1.2.3', '12345::1', 'ann']) expect(ip(address)).toBeNull()
  })

  test('RE2 syntax that JavaScript spells differently', () => {
    expect(fieldsOf(regex(['(?i)^level=(?P<level>info)$']), 'LEVEL=Info')).toEqual({ level: 'Info' })
    expect(fieldsOf(regex(['^(?P<n>[[:digit:]]+)\\z']), '123')).toEqual({ n: '123' })
    expect(fieldsOf(regex(['^(?P<word>\\pL+)$']), 'Grüße')).toEqual({ word: 'Grüße' })
    expect(fieldsOf(regex(['^\\"(?P<a>[^\\"]*)\\" \\: (?P<b>.*)$']), '"x" : y')).toEqual({ a: 'x', b: 'y' })
    expect(fieldsOf(regex(['^{(?P<a>\\w+)}$']), '{x}')).toEqual({ a: 'x' })
    expect(fieldsOf(regex(['^\\Q[a.b]\\E(?P<a>.+)$']), '[a.b]rest')).toEqual({ a: 'rest' })
    expect(fieldsOf(regex(['^[]x]+(?P<a>.*)$']), ']x]y')).toEqual({ a: 'y' })
  })

  test('emptyValues and trimSpace', () => {
    const parser = regex(['^(?P<a>[^|]*)\\|(?P<b>[^|]*)\\|(?P<c>[^|]*)$'], {
      emptyValues: ['-'],
      trimSpace: true,
    })
    expect(fieldsOf(parser, ' x | - |  ')).toEqual({ a: 'x' })
  })

  test('bad expressions name the path', () => {
    expect(configError(regex(['(?P<a>x']))).toStartWith('parser.regex.match[0]: invalid regular expression: ')
    expect(configError(regex(['(?P<a>x', '(y']))).toStartWith(
      'parser.regex.match: invalid regular expression: ',
    )
    expect(configError(regex(['(x)+'], {}))).toBe(
      'parser.regex.match[0]: no named group: capture fields with %{PATTERN:field} or (?P<field>...)',
    )
    expect(configError(regex(['%{WORD:a}', ' %{NOPE:b}']))).toBe(
      'parser.regex.match[1]: %{NOPE:b} names no built-in or defined pattern',
    )
    expect(configError(regex(['%{word:a}']))).toBe('parser.regex.match[0]: %{word:a} does not name a pattern')
    expect(configError(regex(['%{WORD:a b}']))).toBe(
      "parser.regex.match[0]: 'a b' is not a usable field name",
    )
    expect(configError(regex(['%{WORD:a:int}']))).toBe(
      "parser.regex.match[0]: 'a:int' is not a usable field name",
    )
    expect(configError(regex(['(?U)(?P<a>x)']))).toBe('parser.regex.match[0]: the (?U) flag is not supported')
  })

  test('bad definitions name the path', () => {
    const withDefinitions = (patternDefinitions: unknown) => regex(['%{WORD:a}'], { patternDefinitions })
    expect(configError(withDefinitions({ lower: 'x' }))).toStartWith(
      'parser.regex.patternDefinitions.lower: ',
    )
    expect(configError(withDefinitions({ WORD: 'x' }))).toBe(
      'parser.regex.patternDefinitions.WORD: is already a built-in pattern',
    )
    expect(configError(withDefinitions({ BAD: '(' }))).toStartWith(
      'parser.regex.patternDefinitions.BAD: invalid regular expression: ',
    )
    expect(configError(withDefinitions({ A: '%{B}', B: 'x%{A}' }))).toBe(
      'parser.regex.patternDefinitions.A: refers to itself (A → B → A)',
    )
    expect(configError(withDefinitions({ A: '' }))).toBe(
      'parser.regex.patternDefinitions.A: must be a non-empty string',
    )
    expect(configError(withDefinitions(['x']))).toBe(
      'parser.regex.patternDefinitions: must be a mapping of pattern names to regular expressions',
    )
  })

  test('definitions that nest into a huge expression are refused', () => {
    // Each level is sixteen times the last: D is about 22 thousand characters, E about 350 thousand.
    const sixteen = (name: string) => `%{${name}}`.repeat(16)
    const levels = { A: 'x', B: sixteen('A'), C: sixteen('B'), D: sixteen('C') }
    expect(configError(regex(['^%{D:d}$'], { patternDefinitions: levels }))).toBe('(accepted)')
    expect(configError(regex(['%{WORD:a}'], { patternDefinitions: { ...levels, E: sixteen('D') } }))).toBe(
      'parser.regex.patternDefinitions.E: expands to more than 262144 characters',
    )
    expect(configError(regex([`${sixteen('D')}%{WORD:a}`], { patternDefinitions: levels }))).toBe(
      'parser.regex.match[0]: expands to more than 262144 characters',
    )
  })
})

describe('expandFields', () => {
  test('adds fields built from parsed values; an empty or empty-valued result is left out', () => {
    const parser = {
      fastmatch: {
        match: ['%{host} %{path} %{user}'],
        emptyValues: ['-'],
        expandFields: { url: 'https://%{host}%{ path }', who: '%{user}', none: '%{missing}' },
      },
    }
    expect(fieldsOf(parser, 'example.com /a -')).toEqual({
      host: 'example.com',
      path: '/a',
      url: 'https://example.com/a',
    })
    expect(fieldsOf(parser, 'h /b ann')).toEqual({
      host: 'h',
      path: '/b',
      user: 'ann',
      url: 'https://h/b',
      who: 'ann',
    })
  })

  test('header lines and non-matching lines are passed through', () => {
    const body = parserFor({ csv: { delimiter: ',', hasHeader: true, expandFields: { both: '%{a}+%{b}' } } })
    expect(body('a,b')).toEqual({ header: true })
    expect(body('1,2')).toEqual({ fields: { a: '1', b: '2', both: '1+2' } })
    expect(body('1')).toBeNull()
  })
})

describe("Panther's access-log test cases", () => {
  interface Case {
    name: string
    logType: string
    input: string
    result: string
  }
  const load = (vendor: string) => {
    const dir = join(ROOT, vendor)
    const parsers = new Map<string, unknown>()
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.yml'))) {
      const spec = parse(readFileSync(join(dir, file), 'utf8')) as { schema: string; parser: unknown }
      parsers.set(spec.schema, spec.parser)
    }
    const cases = readdirSync(join(dir, 'tests')).flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, 'tests', file), 'utf8'))
        .map((document) => document.toJS() as Case | null)
        .filter((item): item is Case => item !== null),
    )
    return { parsers, cases }
  }

  for (const vendor of ['apache', 'nginx', 'fastly']) {
    test(`${vendor}: every line parses to the fields of its result, as strings`, () => {
      const { parsers, cases } = load(vendor)
      expect(cases.length).toBeGreaterThan(0)
      for (const item of cases) {
        const expected = Object.fromEntries(
          Object.entries(JSON.parse(item.result) as Record<string, unknown>)
            .filter(([key]) => !key.startsWith('p_'))
            .map(([key, value]) => [key, String(value)]),
        )
        expect({ name: item.name, fields: fieldsOf(parsers.get(item.logType), item.input) }).toEqual({
          name: item.name,
          fields: expected,
        })
      }
    })
  }

  test('salesforce: the quoted header line is skipped and a data line is named by the columns', () => {
    const spec = parse(readFileSync(join(ROOT, 'salesforce/login.yml'), 'utf8')) as {
      parser: { csv: { columns: string[] } }
    }
    const { columns } = spec.parser.csv
    const body = parserFor(spec.parser)
    expect(body(columns.map((name) => `"${name}"`).join(','))).toEqual({ header: true })
    const values = columns.map((_, index) => (index === 0 ? 'Login' : index === 1 ? '' : `v${index}`))
    const result = body(values.map((value) => `"${value}"`).join(','))
    expect(result).toEqual({
      fields: Object.fromEntries(
        columns.flatMap((name, index) => (index === 1 ? [] : [[name, values[index]!]])),
      ),
    })
  })
})
