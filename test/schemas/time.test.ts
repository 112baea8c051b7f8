/**
 * Timestamp formats of log schemas: every format kind, Panther's leniencies, values that must not parse,
 * formats that must be refused, nanosecond precision and the stored form. The last part checks that every
 * time format in Panther's former managed schemas compiles and reads the values of Panther's own test cases
 * to the event time Panther stored (skipped when the reference folder is absent).
 */
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, parseAllDocuments } from 'yaml'
import {
  checkTimeFormat,
  compileTimeFormats,
  formatTimestamp,
  type Timestamp,
  writeTimestamp,
} from '../../src/schemas/time.ts'
import { PANTHER_LOGS, seededRandom } from '../helpers.ts'

/** 2024-06-01T00:00:00Z, the current time for patterns without a year. */
const NOW = Date.UTC(2024, 5, 1)

/** The value parsed by the formats and written as stored, or null when it does not parse. */
function stored(formats: string | string[], value: string | number): string | null {
  const t = compileTimeFormats(typeof formats === 'string' ? [formats] : formats, { now: () => NOW })(value)
  return t === null ? null : formatTimestamp(t)
}

function expectAll(formats: string | string[], cases: [string | number, string | null][]) {
  for (const [value, expected] of cases) expect([value, stored(formats, value)]).toEqual([value, expected])
}

describe('rfc3339', () => {
  test('reads UTC, offsets and fractions up to nanoseconds', () => {
    expectAll('rfc3339', [
      ['2020-08-07T07:52:09Z', '2020-08-07T07:52:09.000Z'],
      ['2020-08-07T07:52:09.8Z', '2020-08-07T07:52:09.800Z'],
      ['2020-08-07T07:52:09.817638134Z', '2020-08-07T07:52:09.817638134Z'],
      ['2020-02-13T18:56:20.351346+00:00', '2020-02-13T18:56:20.351346000Z'],
      ['2019-08-30T16:10:05+02:00', '2019-08-30T14:10:05.000Z'],
      ['2019-08-30T01:10:05-05:30', '2019-08-30T06:40:05.000Z'],
      ['2020-01-01T00:30:00+01:00', '2019-12-31T23:30:00.000Z'],
    ])
  })

  test('is as lenient as Panther', () => {
    expectAll('rfc3339', [
      ['2019-08-30 16:10:05Z', '2019-08-30T16:10:05.000Z'],
      ['2019-08-30t16:10:05z', '2019-08-30T16:10:05.000Z'],
      ['2019-08-30T16:10:05+0200', '2019-08-30T14:10:05.000Z'],
      ['2019-08-30T16:10:05-03', '2019-08-30T19:10:05.000Z'],
      ['2019-08-30T16:10:05', '2019-08-30T16:10:05.000Z'],
      ['2019-08-30T16:10:05.123', '2019-08-30T16:10:05.123Z'],
      ['2019-08-30T16:10:05,5Z', '2019-08-30T16:10:05.500Z'],
      ['2019-8-3T1:2:3Z', '2019-08-03T01:02:03.000Z'],
      ['2019-08-30T16:10:05.1234567891234Z', '2019-08-30T16:10:05.123456789Z'],
      ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.000Z'],
      ['2016-12-31T23:59:60.25Z', '2016-12-31T23:59:59.250Z'],
    ])
  })

  test('refuses values that are not a valid time', () => {
    const invalid = [
      '',
      '2019-08-30',
      '2019-08-30T16:10Z',
      '2019-08-30T16:10:05Zjunk',
      ' 2019-08-30T16:10:05Z',
      '2019-08-30T16:10:05.Z',
      '2019-08-30X16:10:05Z',
      '2019-13-01T00:00:00Z',
      '2019-00-01T00:00:00Z',
      '2019-04-31T00:00:00Z',
      '2019-01-32T00:00:00Z',
      '2019-01-01T24:00:00Z',
      '2019-01-01T00:60:00Z',
      '2019-01-01T00:00:61Z',
      '2019-01-01T00:00:00+24:00',
      '2019-01-01T00:00:00+01:60',
      '2019-01-01T00:00:00+1',
      '2019-01-01T00:00:00 UTC',
      'not a time',
    ]
    expectAll('rfc3339', [...invalid.map((v): [string, null] => [v, null]), [1595859140, null]])
  })

  test('knows leap years', () => {
    expectAll('rfc3339', [
      ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
      ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000Z'],
      ['2023-02-29T12:00:00Z', null],
      ['1900-02-29T12:00:00Z', null],
      ['2024-02-30T12:00:00Z', null],
    ])
  })
})

describe('unix', () => {
  test('reads seconds, milliseconds, microseconds and nanoseconds as numbers or text', () => {
    expectAll('unix', [
      [1600365601, '2020-09-17T18:00:01.000Z'],
      ['1392163202', '2014-02-12T00:00:02.000Z'],
      [1595859140.123, '2020-07-27T14:12:20.123Z'],
      ['1595859140.123456789', '2020-07-27T14:12:20.123456789Z'],
      ['1595859140.1234567899', '2020-07-27T14:12:20.123456789Z'],
      ['1.5e9', '2017-07-14T02:40:00.000Z'],
      ['+1', '1970-01-01T00:00:01.000Z'],
      [0, '1970-01-01T00:00:00.000Z'],
      ['-1.5', '1969-12-31T23:59:58.500Z'],
      ['-0.0000005', '1969-12-31T23:59:59.999999500Z'],
    ])
    expectAll('unix_ms', [
      [1610452695501, '2021-01-12T11:58:15.501Z'],
      ['1610452695501.25', '2021-01-12T11:58:15.501250000Z'],
      [-1, '1969-12-31T23:59:59.999Z'],
    ])
    expectAll('unix_us', [
      [1600368586194526, '2020-09-17T18:49:46.194526000Z'],
      ['1600368586194526', '2020-09-17T18:49:46.194526000Z'],
      [-1, '1969-12-31T23:59:59.999999000Z'],
    ])
    expectAll('unix_ns', [
      ['1600368586194526741', '2020-09-17T18:49:46.194526741Z'],
      [1600368586194, '1970-01-01T00:26:40.368586194Z'],
      [-1, '1969-12-31T23:59:59.999999999Z'],
    ])
  })

  test('keeps what a JSON number holds past 2^53, and every digit of the same value as text', () => {
    // JSON.parse already rounded 1600368586194526741 to the nearest double; text keeps all digits.
    expect(stored('unix_ns', JSON.parse('1600368586194526741'))).toBe('2020-09-17T18:49:46.194526700Z')
    expect(stored('unix_ns', '1600368586194526741')).toBe('2020-09-17T18:49:46.194526741Z')
  })

  test('refuses values that are not numbers or are out of range', () => {
    const invalid = [
      '',
      ' 1',
      '1 ',
      '1a',
      '0x10',
      'NaN',
      'Infinity',
      '-',
      '+',
      '.',
      '1..2',
      '1e',
      '1e+',
      '--1',
      '1,5',
    ]
    const numbers = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]
    for (const format of ['unix', 'unix_ms', 'unix_us', 'unix_ns']) {
      expectAll(
        format,
        [...invalid, ...numbers].map((v): [string | number, null] => [v, null]),
      )
    }
    // Past what a Date holds (±8.64e15 ms), so the instant could not be stored.
    expectAll('unix', [
      [1e13, null],
      ['-1e13', null],
      ['99999999999999', null],
      ['8.64e12', '+275760-09-13T00:00:00.000Z'],
    ])
    expectAll('unix_ms', [
      [8.64e15 + 1, null],
      ['1e16', null],
    ])
  })
})

describe('cloudflare', () => {
  test('reads RFC 3339 text, seconds and nanoseconds', () => {
    expectAll('cloudflare', [
      ['2020-09-17T18:00:00Z', '2020-09-17T18:00:00.000Z'],
      [1600365601, '2020-09-17T18:00:01.000Z'],
      ['1600365601', '2020-09-17T18:00:01.000Z'],
      ['1600368586194526741', '2020-09-17T18:49:46.194526741Z'],
      [59_999_999_999, '3871-04-29T10:39:59.000Z'],
      [60_000_000_000, '1970-01-01T00:01:00.000Z'],
      ['Thu, 23 Jan 2020 12:56:32 UTC', null],
      ['', null],
    ])
  })
})

describe('strftime patterns', () => {
  test('read the patterns of Panther schemas', () => {
    expectAll('%d/%b/%Y:%H:%M:%S %z', [
      ['10/Oct/2000:13:55:36 -0700', '2000-10-10T20:55:36.000Z'],
      ['06/Feb/2019:00:00:38 +0000', '2019-02-06T00:00:38.000Z'],
    ])
    expectAll('%a, %d %b %Y %H:%M:%S %z', [['Fri, 05 Feb 2021 05:42:02 -0800', '2021-02-05T13:42:02.000Z']])
    expectAll('%Y%m%d%H%M%S.%f', [['20130715233322.670', '2013-07-15T23:33:22.670Z']])
  })

  test('read every directive', () => {
    expectAll('%Y-%m-%d %H:%M:%S.%f', [['2021-3-4 5:6:7.123456789', '2021-03-04T05:06:07.123456789Z']])
    expectAll('%Y %e %B %A %I %p', [
      ['2021  4 MARCH thursday 12 AM', '2021-03-04T00:00:00.000Z'],
      ['2021 14 march Sunday 12 pm', '2021-03-14T12:00:00.000Z'],
      ['2021 14 mar Sun 01 PM', '2021-03-14T13:00:00.000Z'],
      ['2021 14 mar Funday 01 PM', null],
      ['2021 14 marc Sun 01 PM', null],
    ])
    expectAll('%h %d %y %T.%L', [
      ['Jan 02 69 03:04:05.678', '1969-01-02T03:04:05.678Z'],
      ['Jan 02 68 03:04:05.678', '2068-01-02T03:04:05.678Z'],
      ['Jan 02 00 03:04:05.67', null],
    ])
    expectAll('%D %R', [['12/31/99 23:59', '1999-12-31T23:59:00.000Z']])
    expectAll('%F%n%T%t%Z', [
      ['2021-01-02 03:04:05 UTC', '2021-01-02T03:04:05.000Z'],
      ['2021-01-0203:04:05\tEST', '2021-01-02T08:04:05.000Z'],
    ])
    expectAll('%Y %j', [
      ['2024 060', '2024-02-29T00:00:00.000Z'],
      ['2023 060', '2023-03-01T00:00:00.000Z'],
      ['2024 366', '2024-12-31T00:00:00.000Z'],
      ['2023 366', null],
      ['2023 0', null],
    ])
    expectAll('%s', [
      ['1595859140', '2020-07-27T14:12:20.000Z'],
      ['-86400', '1969-12-31T00:00:00.000Z'],
      [1595859140, '2020-07-27T14:12:20.000Z'],
    ])
    expectAll('%s.%f', [['1595859140.5', '2020-07-27T14:12:20.500Z']])
    expectAll('100%% at %F', [['100% at 2021-01-02', '2021-01-02T00:00:00.000Z']])
  })

  test('read numeric zones and zone abbreviations', () => {
    expectAll('%F %T %z', [
      ['2021-01-02 03:04:05 Z', '2021-01-02T03:04:05.000Z'],
      ['2021-01-02 03:04:05 +0530', '2021-01-01T21:34:05.000Z'],
      ['2021-01-02 03:04:05 +05:30', '2021-01-01T21:34:05.000Z'],
      ['2021-01-02 03:04:05 -08', '2021-01-02T11:04:05.000Z'],
      ['2021-01-02 03:04:05 UTC', null],
      ['2021-01-02 03:04:05', null],
    ])
    const zones: [string, string][] = [
      ['GMT', '12:00'],
      ['Z', '12:00'],
      ['EST', '17:00'],
      ['EDT', '16:00'],
      ['CST', '18:00'],
      ['CDT', '17:00'],
      ['MST', '19:00'],
      ['MDT', '18:00'],
      ['PST', '20:00'],
      ['PDT', '19:00'],
      ['CEST', '12:00'],
      ['GMT+2', '10:00'],
      ['UTC-10', '22:00'],
    ]
    expectAll('%F %T %Z', [
      ...zones.map(([zone, utc]): [string, string] => [
        `2021-01-02 12:00:00 ${zone}`,
        `2021-01-02T${utc}:00.000Z`,
      ]),
      ['2021-01-02 12:00:00 utc', null],
      ['2021-01-02 12:00:00 AB', null],
      ['2021-01-02 12:00:00 ABCDEF', null],
    ])
  })

  test('match literals exactly and refuse anything left over', () => {
    expectAll('%Y-%m-%d %H:%M', [
      ['2021-01-02 03:04', '2021-01-02T03:04:00.000Z'],
      ['2021-01-02  03:04', null],
      ['2021/01/02 03:04', null],
      ['2021-01-02 03:04:05', null],
      ['2021-01-02 24:00', null],
      ['2021-02-29 00:00', null],
      ['21-01-02 03:04', null],
      ['', null],
    ])
    expectAll('%Y%m%d%H%M%S.%f', [['20130715233322.1234567890', null]])
  })

  test('take the current year when the pattern has none, or the one before for a date ahead', () => {
    expectAll('%b %e %H:%M:%S', [
      ['May 31 23:59:59', '2024-05-31T23:59:59.000Z'],
      ['Jun  2 00:00:00', '2024-06-02T00:00:00.000Z'],
      ['Jun  2 00:00:01', '2023-06-02T00:00:01.000Z'],
      ['Dec 31 10:00:00', '2023-12-31T10:00:00.000Z'],
    ])
  })
})

describe('Go layouts', () => {
  test('read the layouts of Panther schemas', () => {
    expectAll('layout=2006-01-02T15:04:05', [
      ['2021-02-24T10:27:19', '2021-02-24T10:27:19.000Z'],
      ['2021-02-24T10:27:19.123456', '2021-02-24T10:27:19.123456000Z'],
      ['2021-02-24T10:27:19Z', null],
    ])
    expectAll('layout=01/02/2006 15:04:05.999', [
      ['02/24/2021 10:27:19', '2021-02-24T10:27:19.000Z'],
      ['02/24/2021 10:27:19.5', '2021-02-24T10:27:19.500Z'],
      ['02/24/2021 10:27:19.123456789', '2021-02-24T10:27:19.123456789Z'],
      ['24/02/2021 10:27:19', null],
    ])
    expectAll('layout=2006-01-02 15:04:05 MST', [['2020-04-15 22:51:24 UTC', '2020-04-15T22:51:24.000Z']])
    expectAll('layout=Mon, 02 Jan 2006 15:04:05 MST', [
      ['Fri, 21 Oct 2016 07:28:00 GMT', '2016-10-21T07:28:00.000Z'],
      ['Fri,  21 Oct 2016 07:28:00 GMT', '2016-10-21T07:28:00.000Z'],
      ['Fri,21 Oct 2016 07:28:00 GMT', null],
    ])
  })

  test('read every element', () => {
    expectAll('layout=Monday January _2 06 3:4:5.000 PM Z07:00', [
      ['Sunday February  7 21 1:2:3.450 PM Z', '2021-02-07T13:02:03.450Z'],
      ['Sunday February 17 21 1:2:3.450 am +01:00', '2021-02-17T00:02:03.450Z'],
      ['Sunday February 17 21 1:2:3.45 am +01:00', null],
    ])
    expectAll('layout=2006 002 15:04:05,000000 -0700', [
      ['2024 060 10:00:00,123456 -0100', '2024-02-29T11:00:00.123456000Z'],
    ])
    expectAll('layout=1/2/2006 03:04pm -07', [['3/4/2021 11:30pm +02', '2021-03-04T21:30:00.000Z']])
    expectAll('layout=x_2006_01', [['x_2021_03', '2021-03-01T00:00:00.000Z']])
  })
})

describe('format lists', () => {
  test('try the formats in order and give null when none reads the value', () => {
    const formats = ['rfc3339', 'unix_ms', '%d/%m/%Y']
    expectAll(formats, [
      ['2021-01-02T03:04:05Z', '2021-01-02T03:04:05.000Z'],
      [1610452695501, '2021-01-12T11:58:15.501Z'],
      ['02/01/2021', '2021-01-02T00:00:00.000Z'],
      ['yesterday', null],
    ])
    expect(stored(['unix', 'unix_ms'], 1610452695)).toBe('2021-01-12T11:58:15.000Z')
  })
})

describe('invalid formats', () => {
  const cases: [string, RegExp][] = [
    ['', /unknown format/],
    ['iso8601', /unknown format/],
    ['%Y-%m-%d %Q', /unknown directive %Q/],
    ['%Y-%m-%d %', /lone %/],
    ['%H:%M:%S', /no date part/],
    ['layout=15:04:05', /no date part/],
    ['layout=', /no date part/],
  ]

  test('checkTimeFormat says what is wrong', () => {
    for (const [format, message] of cases) expect(checkTimeFormat(format) ?? '').toMatch(message)
    for (const format of [
      'rfc3339',
      'unix',
      'unix_ms',
      'unix_us',
      'unix_ns',
      'cloudflare',
      '%s',
      'layout=2006',
    ]) {
      expect(checkTimeFormat(format)).toBeNull()
    }
  })

  test('compileTimeFormats throws an error naming the format', () => {
    for (const [format, message] of cases) {
      expect(() => compileTimeFormats(['rfc3339', format])).toThrow(
        `invalid time format ${JSON.stringify(format)}`,
      )
      expect(() => compileTimeFormats([format])).toThrow(message)
    }
    expect(() => compileTimeFormats([])).toThrow(/at least one/)
  })
})

describe('formatTimestamp', () => {
  test('writes RFC 3339 in UTC with three or nine fraction digits', () => {
    expect(formatTimestamp({ ms: 0, nanos: 0 })).toBe('1970-01-01T00:00:00.000Z')
    expect(formatTimestamp({ ms: 1600368586194, nanos: 526741 })).toBe('2020-09-17T18:49:46.194526741Z')
    expect(formatTimestamp({ ms: 1600368586194, nanos: 1 })).toBe('2020-09-17T18:49:46.194000001Z')
    expect(formatTimestamp({ ms: -1, nanos: 999_999 })).toBe('1969-12-31T23:59:59.999999999Z')
    expect(formatTimestamp({ ms: Date.UTC(2024, 1, 29, 12), nanos: 0 })).toBe('2024-02-29T12:00:00.000Z')
  })
})

const PANTHER = PANTHER_LOGS

function ymlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? ymlFiles(join(dir, entry.name))
      : entry.name.endsWith('.yml')
        ? [join(dir, entry.name)]
        : [],
  )
}

/** A stored event time as an instant, read without the module under test. */
function instantOf(text: string): { ms: number; nanos: number } {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text)
  if (!match) throw new Error(`unexpected event time ${text}`)
  const fraction = Number((match[2] ?? '').padEnd(9, '0').slice(0, 9))
  const ms = Date.parse(`${match[1]}${match[3]}`) + Math.floor(fraction / 1e6)
  return { ms, nanos: fraction % 1e6 }
}

interface TimeField {
  /** Keys from the event down to the field; `[]` stands for every element of an array. */
  path: string[]
  formats: string[]
  isEventTime: boolean
}

function timeFields(fields: any[] | undefined, path: string[], out: TimeField[] = []): TimeField[] {
  for (const field of fields ?? []) {
    const at = field.type === 'array' ? [...path, field.name, '[]'] : [...path, field.name]
    const spec = field.type === 'array' ? field.element : field
    const formats = spec?.timeFormats ?? (spec?.timeFormat ? [spec.timeFormat] : [])
    if (spec?.type === 'timestamp') out.push({ path: at, formats, isEventTime: !!spec.isEventTime })
    if (spec?.type === 'object') timeFields(spec.fields, at, out)
  }
  return out
}

function valuesAt(value: any, path: string[]): unknown[] {
  if (value === undefined || value === null) return []
  if (path.length === 0) return [value]
  const [key, ...rest] = path
  if (key === '[]') return Array.isArray(value) ? value.flatMap((item) => valuesAt(item, rest)) : []
  return valuesAt(value[key!], rest)
}

describe("Panther's schemas", () => {
  const files = ymlFiles(PANTHER)
  const schemas = new Map<string, any>()
  for (const file of files.filter((f) => !f.includes('/tests/'))) {
    const schema = parse(readFileSync(file, 'utf8'))
    if (schema?.schema) schemas.set(schema.schema, schema)
  }

  test('every time format compiles', () => {
    const formats = new Set(
      [...schemas.values()].flatMap((schema) => timeFields(schema.fields, [])).flatMap((f) => f.formats),
    )
    expect(formats.size).toBeGreaterThan(5)
    for (const format of formats) {
      expect([format, checkTimeFormat(format)]).toEqual([format, null])
      compileTimeFormats([format])
    }
  })

  test("every timestamp in the test cases parses, to Panther's event time where it is one", () => {
    let checked = 0
    for (const file of files.filter((f) => f.includes('/tests/'))) {
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const item = doc.toJSON()
        const schema = schemas.get(item?.logType)
        // A case with several `results` holds several events; those are left to the conformance test.
        if (!schema || typeof item.result !== 'string') continue
        const result = JSON.parse(item.result)
        const fields = timeFields(schema.fields, [])
        let input: any
        try {
          input = JSON.parse(item.input)
        } catch {
          // A text line (Apache, Nginx and Fastly access logs): its time is the first [...] part.
          const text = /\[([^\]]+)\]/.exec(item.input)?.[1]
          const field = fields.find((f) => f.isEventTime)
          if (text === undefined || !field) continue
          expect([text, compileTimeFormats(field.formats)(text)]).toEqual([
            text,
            instantOf(result.p_event_time),
          ])
          checked++
          continue
        }
        for (const field of fields) {
          for (let value of valuesAt(input, field.path)) {
            // Integers past 2^53 are read from their text, which JSON.parse does not keep.
            if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value)) {
              value = new RegExp(`"${field.path.at(-1)}"\\s*:\\s*(\\d+)`).exec(item.input)![1]!
            }
            const t = compileTimeFormats(field.formats)(value as string | number)
            expect([item.name, field.path, value, t === null]).toEqual([item.name, field.path, value, false])
            if (field.isEventTime && result.p_event_time) {
              expect([item.name, t]).toEqual([item.name, instantOf(result.p_event_time)])
            }
            checked++
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100)
  })
})

describe('writeTimestamp', () => {
  test('writes the bytes formatTimestamp returns, or -1 outside years 0000–9999', () => {
    const out = new Uint8Array(40)
    const random = seededRandom(7)
    const instants: Timestamp[] = [
      { ms: 0, nanos: 0 },
      { ms: -1, nanos: 999_999 },
      { ms: Date.UTC(2000, 1, 29, 23, 59, 59, 999), nanos: 0 },
      { ms: Date.UTC(9999, 11, 31, 23, 59, 59, 999), nanos: 1 },
      { ms: Date.parse('0000-01-01T00:00:00Z'), nanos: 0 },
      { ms: Date.parse('0000-01-01T00:00:00Z') - 1, nanos: 0 },
    ]
    for (let i = 0; i < 2000; i++) {
      instants.push({
        ms: (random(2 ** 30) * 2 ** 12 + random(2 ** 12)) * (random(2) ? 1 : -1),
        nanos: random(2) ? 0 : random(1_000_000),
      })
    }
    for (const instant of instants) {
      const written = writeTimestamp(instant, out, 3)
      const text = formatTimestamp(instant)
      if (text.startsWith('+') || text.startsWith('-')) expect(written).toBe(-1)
      else expect(new TextDecoder().decode(out.subarray(3, 3 + written))).toBe(text)
    }
  })
})
