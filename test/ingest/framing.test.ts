import { describe, expect, test } from 'bun:test'
import { createFramer, type FramingOptions } from '../../src/ingest/framing/index.ts'
import type { StreamType } from '../../src/registry/model.ts'
import { concatBytes, frameOutcome, type Seen } from './frame-outcome.ts'

const encoder = new TextEncoder()
const _decoder = new TextDecoder()
const DEFAULTS: FramingOptions = { streamType: 'Auto', eventBytesMax: 1024 * 1024, eventsMax: 100_000 }

type Options = Partial<FramingOptions>
type Body = string | Uint8Array
const bytesOf = (body: Body) => (typeof body === 'string' ? encoder.encode(body) : body)
const concat = (...parts: Body[]) => concatBytes(...parts.map(bytesOf))
const outcome = (chunks: Uint8Array[], options: Options) => frameOutcome(chunks, { ...DEFAULTS, ...options })

function frame(body: Body, options: Options = {}): Seen[] {
  const result = outcome([bytesOf(body)], options)
  if ('error' in result) throw new Error(`unexpected ${result.error.code}: ${result.error.message}`)
  return result.events
}

const values = (body: Body, options: Options = {}) => frame(body, options).map((event) => event.value)

function failure(body: Body, options: Options = {}) {
  const result = outcome([bytesOf(body)], options)
  if ('events' in result) throw new Error(`expected an error, got ${result.events.length} events`)
  return result.error
}

const cloudWatch = (messageType: string, logEvents: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    messageType,
    owner: '123456789012',
    logGroup: '/aws/lambda/checkout',
    logStream: '2024/01/01/[$LATEST]abc',
    subscriptionFilters: ['to-inlet'],
    logEvents,
    ...extra,
  })

const ORIGIN = {
  logGroup: '/aws/lambda/checkout',
  logStream: '2024/01/01/[$LATEST]abc',
  owner: '123456789012',
}

describe('Auto', () => {
  test('a CloudWatch Logs payload is unpacked, its control messages skipped; a Records envelope too', () => {
    const data = cloudWatch('DATA_MESSAGE', [
      { id: '1', timestamp: 10, message: 'text' },
      { id: '2', timestamp: 11, message: '{"k":1}' },
    ])
    const control = cloudWatch('CONTROL_MESSAGE', [{ id: '0', timestamp: 1, message: 'CWL CONTROL MESSAGE' }])
    expect(frame(`${data}\n${control}\n{"plain":true}\n`)).toEqual([
      { value: { message: 'text', ...ORIGIN }, json: null, timeMs: 10 },
      { value: { k: 1, ...ORIGIN }, json: null, timeMs: 11 },
      { value: { plain: true }, json: '{"plain":true}', timeMs: null },
    ])
    expect(values('{"Records":[{"eventName":"PutObject"},{"eventName":"DeleteObject"}]}')).toEqual([
      { eventName: 'PutObject' },
      { eventName: 'DeleteObject' },
    ])
    // Not an envelope: other keys beside Records, or records that are not objects, or a field named so.
    expect(values('{"Records":[{"a":1}],"next":null}')).toEqual([{ Records: [{ a: 1 }], next: null }])
    expect(values('{"Records":[1,2]}')).toEqual([{ Records: [1, 2] }])
    expect(values('{"note":"logEvents and Records are words"}')).toEqual([
      { note: 'logEvents and Records are words' },
    ])
    // The first object decides: after a plain one, the body is plain events and an envelope is kept whole.
    expect(values('{"a":1}\n{"Records":[{"b":2}]}\n')).toEqual([{ a: 1 }, { Records: [{ b: 2 }] }])
    // Unpacked events count against events_per_request_max like any others.
    const many = JSON.stringify({ Records: Array.from({ length: 5 }, (_, i) => ({ i })) })
    expect(failure(many, { streamType: 'Auto', eventsMax: 4 }).code).toBe('TOO_MANY_EVENTS')
  })

  test('decides by the first non-blank byte, after a BOM', () => {
    expect(values('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }])
    expect(values(' \r\n\t{"a":1}{"a":2}')).toEqual([{ a: 1 }, { a: 2 }])
    expect(values('\n\n  plain text\n{"a":1}\n')).toEqual([{ message: '  plain text' }, { a: 1 }])
    expect(values('\uFEFF{"a":1}')).toEqual([{ a: 1 }])
    expect(values('\uFEFF\uFEFFx')).toEqual([{ message: '\uFEFFx' }])
  })

  test('a body that Auto takes for JSON must be JSON', () => {
    expect(failure('{not json}\n').code).toBe('MALFORMED_JSON')
  })
})

describe('JSON', () => {
  const json = { streamType: 'JSON' } as const

  test('NDJSON with blank lines and CRLF keeps each object exactly as sent', () => {
    const events = frame('{"a":1}\r\n\r\n  {"b": [1, 2]}  \r\n\n{"c":"x\\ny"}', json)
    expect(events).toEqual([
      { value: { a: 1 }, json: '{"a":1}', timeMs: null },
      { value: { b: [1, 2] }, json: '{"b": [1, 2]}', timeMs: null },
      { value: { c: 'x\ny' }, json: '{"c":"x\\ny"}', timeMs: null },
    ])
  })

  test('pretty-printed, concatenated and mixed objects', () => {
    const pretty = '{\n  "a": {\n    "b": "}{"\n  },\n  "c": [\n    1\n  ]\n}\n'
    expect(frame(`${pretty}{"d":1}{"e":"\\""} {"f":2}\n{"g":\n3}`, json).map((e) => e.json)).toEqual([
      pretty.trim(),
      '{"d":1}',
      '{"e":"\\""}',
      '{"f":2}',
      '{"g":\n3}',
    ])
  })

  test('a top-level value that is not an object is NOT_AN_OBJECT; an empty array is no events', () => {
    for (const body of ['[1]', '"text"', '42', '-1', 'true', 'null', '{"a":1}\n[{"a":2}]']) {
      const error = failure(body, json)
      expect([error.code, error.status]).toEqual(['NOT_AN_OBJECT', 400])
    }
    expect(failure('{"a":1} 7', json).message).toBe("event 2 at byte 8: not a JSON object (starts with '7')")
    expect(failure('{"a":1}\nhello', json).code).toBe('MALFORMED_JSON')
    expect(failure('{"a":1},{"a":2}', json).message).toBe(
      "event 2 at byte 7: malformed JSON (unexpected ',')",
    )
    expect(values('[]\n[ ]\n{"a":1}', json)).toEqual([{ a: 1 }])
  })

  test('malformed JSON names the event and its byte offset, counting bytes, not characters', () => {
    const first = '{"msg":"héllo wörld ✓ 😀"}\n'
    const offset = encoder.encode(first).length
    expect(offset).toBeGreaterThan(first.length)
    const error = failure(`${first}{"a":1,}\n{"b":2}\n`, json)
    expect(error.code).toBe('MALFORMED_JSON')
    expect(error.status).toBe(400)
    expect(error.message).toStartWith(`event 2 at byte ${offset}: malformed JSON (`)
    expect(failure(`${first}{"a":1}\n{"b":`, json).message).toBe(
      `event 3 at byte ${offset + 8}: malformed JSON (the body ends inside the event)`,
    )
  })

  test('error messages quote at most 64 characters of the sender’s data', () => {
    const error = failure(`{"a":${'x'.repeat(500)}}`, json)
    expect(error.message.length).toBeLessThan(140)
  })
})

describe('JsonArray', () => {
  const array = { streamType: 'JsonArray' } as const

  test('a top-level array of objects, each stored as sent', () => {
    expect(frame(' [ {"a":1} ,\n{"b":{"c":[]}}\n] \n', array).map((e) => e.json)).toEqual([
      '{"a":1}',
      '{"b":{"c":[]}}',
    ])
    expect(frame('[]', array)).toEqual([])
    expect(frame('[\n]\n', array)).toEqual([])
  })

  test('structure errors: trailing or missing comma, trailing data, not an array', () => {
    expect(failure('[{"a":1},]', array).message).toBe("event 2 at byte 9: malformed JSON (unexpected ']')")
    expect(failure('[{"a":1} {"b":2}]', array).message).toBe(
      "event 2 at byte 9: malformed JSON (expected ',' or ']' after an event, found '{')",
    )
    expect(failure('[{"a":1}] x', array).message).toStartWith('body at byte 10: malformed JSON (unexpected')
    expect(failure('[{"a":1}][]', array).code).toBe('MALFORMED_JSON')
    expect(failure('{"a":1}', array).message).toBe('body at byte 0: the body is not an array')
    expect(failure('[{"a":1}', array).message).toBe(
      'event 2 at byte 8: malformed JSON (the body ends inside the array)',
    )
    expect(failure('[{"a":1},[2]]', array)).toMatchObject({ code: 'NOT_AN_OBJECT', status: 400 })
    expect(failure('[{"a":1},{"a":}]', array).message).toStartWith('event 2 at byte 9: malformed JSON')
  })

  test('the array inside an envelope: Records and data.items', () => {
    const records = { ...array, jsonArrayEnvelopeField: 'Records' }
    const body = '{"version":"1","Records":[{"a":1},{"b":"]}"}],"next":{"x":[1,{"y":"}"}]}}\n'
    expect(frame(body, records).map((e) => e.json)).toEqual(['{"a":1}', '{"b":"]}"}'])
    expect(frame('{"Records":[]}', records)).toEqual([])
    const items = { ...array, jsonArrayEnvelopeField: 'data.items' }
    const nested = '{"items":"decoy","data":{"count":2,"items":[{"a":1},{"a":2}],"more":false},"z":null}'
    expect(values(nested, items)).toEqual([{ a: 1 }, { a: 2 }])
  })

  test('a missing or non-array envelope field is a 400 naming the field', () => {
    const records = { ...array, jsonArrayEnvelopeField: 'Records' }
    expect(failure('{"records":[]}', records)).toEqual({
      code: 'MALFORMED_JSON',
      status: 400,
      message: "envelope at byte 0: jsonArrayEnvelopeField 'Records' not found",
    })
    expect(failure('{"Records":{"a":1}}', records).message).toBe(
      "envelope at byte 11: jsonArrayEnvelopeField 'Records' is not an array",
    )
    expect(failure('[{"a":1}]', records).message).toContain(
      "'Records' not found: the body is not a JSON object",
    )
    const items = { ...array, jsonArrayEnvelopeField: 'data.items' }
    expect(failure('{"data":[{"items":[]}]}', items).message).toContain("not found: 'data' is not an object")
    expect(failure('{"data":{"item":[]}}', items).message).toContain(
      "jsonArrayEnvelopeField 'data.items' not found",
    )
  })

  test('the envelope outside the array must be valid JSON, checked before events are emitted', () => {
    const records = { ...array, jsonArrayEnvelopeField: 'Records' }
    let emitted = 0
    const framer = createFramer({ ...DEFAULTS, ...records }, () => emitted++)
    expect(() => framer.push(bytesOf('{"v":01,"Records":[{"a":1}]}'))).toThrow(
      /envelope at byte 0: malformed JSON/,
    )
    expect(emitted).toBe(0)
    expect(failure('{"v" 1,"Records":[]}', records).message).toStartWith('envelope at byte 5: malformed JSON')
    expect(failure('{"Records":[{"a":1}],"v":tru}', records).message).toStartWith(
      'envelope at byte 0: malformed',
    )
    expect(failure('{"Records":[{"a":1}]', records).message).toBe(
      'envelope at byte 0: malformed JSON (the body ends inside the envelope)',
    )
    expect(failure('{"Records":[{"a":1}]} {}', records).message).toStartWith(
      'body at byte 22: malformed JSON',
    )
  })
})

describe('Lines', () => {
  const lines = { streamType: 'Lines' } as const

  test('JSON object lines are kept as sent, other lines become messages; blank lines are skipped', () => {
    const body = 'first line\r\n  {"a": 1}  \r\n\r\n \t \n{broken}\n[1,2]\n   indented \n{"b":2}'
    expect(frame(body, lines)).toEqual([
      { value: { message: 'first line' }, json: null, timeMs: null },
      { value: { a: 1 }, json: '{"a": 1}', timeMs: null },
      { value: { message: '{broken}' }, json: null, timeMs: null },
      { value: { message: '[1,2]' }, json: null, timeMs: null },
      { value: { message: '   indented ' }, json: null, timeMs: null },
      { value: { b: 2 }, json: '{"b":2}', timeMs: null },
    ])
  })

  test('a lone CR is part of its line: only LF ends a line, and a CR right before it is dropped', () => {
    expect(values('a\rb\r\nc\rd\n\re\r', lines)).toEqual([
      { message: 'a\rb' },
      { message: 'c\rd' },
      { message: '\re' },
    ])
  })

  test('invalid UTF-8 names the line', () => {
    const error = failure(concat('ok\n', 'é\n', Uint8Array.of(0x61, 0xff, 0x62), '\n'), lines)
    expect(error).toEqual({ code: 'INVALID_UTF8', status: 400, message: 'event 3 at byte 6: invalid UTF-8' })
  })
})

describe('CloudWatchLogs', () => {
  const cw = { streamType: 'CloudWatchLogs' } as const
  const entry = (id: string, timestamp: number, message: string) => ({ id, timestamp, message })

  test('one event per logEvents entry, at its timestamp, with its origin; JSON messages become objects', () => {
    const body = cloudWatch('DATA_MESSAGE', [
      entry('1', 1_700_000_000_000, 'START RequestId: 42\n'),
      entry('2', 1_700_000_000_001, ' {"level":"info","n":1}\n'),
      entry('3', 1_700_000_000_002, '{"owner":"the event\'s own"}'),
    ])
    expect(frame(body, cw)).toEqual([
      { value: { message: 'START RequestId: 42\n', ...ORIGIN }, json: null, timeMs: 1_700_000_000_000 },
      { value: { level: 'info', n: 1, ...ORIGIN }, json: null, timeMs: 1_700_000_000_001 },
      { value: { ...ORIGIN, owner: "the event's own" }, json: null, timeMs: 1_700_000_000_002 },
    ])
  })

  test('CONTROL_MESSAGE payloads yield nothing; several payloads may follow one another', () => {
    const control = cloudWatch('CONTROL_MESSAGE', [entry('0', 1, 'CWL CONTROL MESSAGE: Checking health')])
    const a = cloudWatch('DATA_MESSAGE', [entry('1', 10, 'a'), entry('2', 11, 'b')])
    const b = cloudWatch('DATA_MESSAGE', [entry('3', 12, 'c')])
    expect(values(control, cw)).toEqual([])
    expect(values(`${a}${control}\n${b}\n`, cw)).toEqual([
      { message: 'a', ...ORIGIN },
      { message: 'b', ...ORIGIN },
      { message: 'c', ...ORIGIN },
    ])
    const late = (type: string) =>
      `{"logEvents":[{"id":"1","timestamp":5,"message":"x"}],"messageType":"${type}"}`
    expect(values(late('CONTROL_MESSAGE'), cw)).toEqual([])
    expect(frame(late('DATA_MESSAGE'), cw)).toEqual([{ value: { message: 'x' }, json: null, timeMs: 5 }])
  })

  test('a payload without a logEvents array, or not an object, is a 400', () => {
    const data = cloudWatch('DATA_MESSAGE', [entry('1', 10, 'a')])
    expect(failure(`${data}\n{"messageType":"DATA_MESSAGE","owner":"1"}`, cw)).toEqual({
      code: 'MALFORMED_JSON',
      status: 400,
      message: `payload 2 at byte ${data.length + 1}: no logEvents array`,
    })
    expect(failure('{"messageType":"DATA_MESSAGE","logEvents":{}}', cw).message).toContain(
      'logEvents is not an array',
    )
    expect(failure('[]', cw).code).toBe('NOT_AN_OBJECT')
    expect(failure('{"logEvents":[{"id":"1"}]}', cw).message).toContain('entry without a string message')
    expect(values('{"messageType":"CONTROL_MESSAGE"}', cw)).toEqual([])
  })
})

describe('empty bodies', () => {
  const types: StreamType[] = ['Auto', 'JSON', 'JsonArray', 'Lines', 'CloudWatchLogs']
  test('blank input yields no events for every stream type; [] for the JSON types', () => {
    for (const streamType of types) {
      for (const body of ['', ' ', '\r\n\t \n', '\uFEFF', '\uFEFF \n'])
        expect(frame(body, { streamType })).toEqual([])
    }
    for (const streamType of ['Auto', 'JSON', 'JsonArray'] as const) {
      expect(frame(' [ ] ', { streamType })).toEqual([])
    }
  })

  test('a whitespace-only body larger than eventBytesMax is still no events', () => {
    for (const streamType of types)
      expect(frame(' '.repeat(100), { streamType, eventBytesMax: 10 })).toEqual([])
  })
})

describe('errors', () => {
  test('invalid UTF-8 names the event number and offset', () => {
    const body = concat('{"a":"é"}\n{"b":"', Uint8Array.of(0xc3, 0x28), '"}\n')
    for (const streamType of ['JSON', 'Auto'] as const) {
      expect(failure(body, { streamType })).toEqual({
        code: 'INVALID_UTF8',
        status: 400,
        message: 'event 2 at byte 11: invalid UTF-8',
      })
    }
    const array = concat('[{"a":1},{"b":"', Uint8Array.of(0xed, 0xa0, 0x80), '"}]')
    expect(failure(array).message).toBe('event 2 at byte 9: invalid UTF-8')
  })

  test('EVENT_TOO_LARGE: an event of exactly eventBytesMax passes, one byte more fails', () => {
    const event = (size: number) => `{"a":"${'x'.repeat(size - 8)}"}`
    expect(event(40).length).toBe(40)
    const cases: [Options, (e: string) => string][] = [
      [{ streamType: 'JSON' }, (e) => `{"z":0}\n${e}\n`],
      [{ streamType: 'JSON' }, (e) => `{"z":0}${e}`],
      [{ streamType: 'JsonArray' }, (e) => `[{"z":0},${e}]`],
      [{ streamType: 'JsonArray', jsonArrayEnvelopeField: 'r' }, (e) => `{"r":[{"z":0},${e}]}`],
      [{ streamType: 'Lines' }, (e) => `{"z":0}\r\n${e}\r\n`],
      [{ streamType: 'Lines' }, (e) => `{"z":0}\n${e.replaceAll('"', '-')}`],
    ]
    for (const [options, wrap] of cases) {
      expect(frame(wrap(event(40)), { ...options, eventBytesMax: 40 })).toHaveLength(2)
      const error = failure(wrap(event(41)), { ...options, eventBytesMax: 40 })
      expect(error.status).toBe(413)
      expect(error.message).toMatch(
        /^event 2 at byte \d+: larger than \[ingest\] event_bytes_max \(40 bytes\)$/,
      )
    }
  })

  test('the envelope outside the array counts against eventBytesMax', () => {
    const records = { streamType: 'JsonArray', jsonArrayEnvelopeField: 'Records', eventBytesMax: 40 } as const
    const envelope = (pad: number) => `{"pad":"${'p'.repeat(pad)}","Records":[{"a":1}],"z":0}`
    expect(envelope(13).length - '[{"a":1}]'.length).toBe(40)
    expect(frame(envelope(13), records)).toHaveLength(1)
    expect(failure(envelope(14), records)).toEqual({
      code: 'EVENT_TOO_LARGE',
      status: 413,
      message: 'envelope at byte 0: larger than [ingest] event_bytes_max (40 bytes)',
    })
  })

  test('EVENT_TOO_LARGE stops carrying an unfinished event as soon as it passes the limit', () => {
    for (const streamType of ['JSON', 'JsonArray', 'Lines'] as const) {
      const framer = createFramer({ ...DEFAULTS, streamType, eventBytesMax: 100 }, () => {})
      framer.push(bytesOf(streamType === 'JsonArray' ? '[{"a":"' : '{"a":"'))
      expect(() => {
        for (let i = 0; i < 20; i++) framer.push(bytesOf('x'.repeat(10)))
      }).toThrow(/larger than \[ingest\] event_bytes_max/)
    }
  })

  test('TOO_MANY_EVENTS: eventsMax events pass, one more fails', () => {
    const cases: [StreamType, (n: number) => string][] = [
      ['JSON', (n) => '{"a":1}\n'.repeat(n)],
      ['JsonArray', (n) => `[${Array(n).fill('{"a":1}').join(',')}]`],
      ['Lines', (n) => 'line\n'.repeat(n)],
      [
        'CloudWatchLogs',
        (n) => cloudWatch('DATA_MESSAGE', Array(n).fill({ id: '1', timestamp: 1, message: 'm' })),
      ],
    ]
    for (const [streamType, body] of cases) {
      expect(frame(body(3), { streamType, eventsMax: 3 })).toHaveLength(3)
      const error = failure(body(4), { streamType, eventsMax: 3 })
      expect([error.code, error.status]).toEqual(['TOO_MANY_EVENTS', 413])
      expect(error.message).toStartWith('event 4 at byte')
    }
  })
})

describe('nesting depth', () => {
  const nested = (depth: number) => `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`
  const tooDeep = (event: number, offset: number, max = 512) => ({
    code: 'EVENT_TOO_DEEP',
    status: 400,
    message: `event ${event} at byte ${offset}: objects and arrays nested deeper than [ingest] event_depth_max (${max} levels)`,
  })

  test('an event of exactly eventDepthMax levels passes, one level more is a 400 naming event and byte', () => {
    expect(frame(nested(512))).toHaveLength(1)
    // The 513th level opens at byte 5 + 511 of the event: after `{"a":` and 511 brackets.
    expect(failure(`{"n":1}\n${nested(513)}\n`)).toEqual(tooDeep(2, 8 + 5 + 511))
    expect(failure(nested(30_000))).toEqual(tooDeep(1, 516))
  })

  test('every stream type refuses it, on the fast path and the slow one', () => {
    const deep = nested(600)
    const cases: [string, Options][] = [
      [`${deep}\n`, { streamType: 'JSON' }],
      [`{"x":1}${deep}`, { streamType: 'JSON' }],
      [`{\n"a":${'['.repeat(599)}${']'.repeat(599)}\n}`, { streamType: 'JSON' }],
      [`[{"x":1},${deep}]`, { streamType: 'JsonArray' }],
      [`{"Records":[${deep}]}`, { streamType: 'JsonArray', jsonArrayEnvelopeField: 'Records' }],
      [`text\n${deep}\n`, { streamType: 'Lines' }],
      [
        cloudWatch('DATA_MESSAGE', [{ id: '1', timestamp: 1, message: deep }]),
        { streamType: 'CloudWatchLogs' },
      ],
    ]
    for (const [body, options] of cases) expect(failure(body, options).code).toBe('EVENT_TOO_DEEP')
  })

  test('the limit is a setting', () => {
    expect(frame(nested(3), { eventDepthMax: 3 })).toHaveLength(1)
    expect(failure(nested(4), { eventDepthMax: 3 })).toEqual(tooDeep(1, 7, 3))
  })
})

describe('chunking', () => {
  const big = `{"text":"${'é'.repeat(30)}\\\\\\"${'\\\\'.repeat(3)}"}`
  const corpus: [Body, Options][] = [
    ['{"a":1}\r\n\r\n{"b":"x\\"}"}\n  {\n "c" : [1,{"d":"\\\\"}]\n}{"e":2} {"f":3}', { streamType: 'JSON' }],
    [`\uFEFF${big}\n${big}${big}\n[]\n`, { streamType: 'Auto' }],
    ['{"a":1}\n{"b":2,}\n', { streamType: 'JSON' }],
    ['{"a":1}\n{"b":"unterminated}\n{"c":3}\n', { streamType: 'JSON' }],
    [' [ {"a":"[]"} , {"b":{"c":"\\\\"}},{}]\n ', { streamType: 'Auto' }],
    [
      '{"v":{"Records":[1]},"Records" : [{"a":1},{"b":"\\""}], "w":"}"}',
      { streamType: 'JsonArray', jsonArrayEnvelopeField: 'Records' },
    ],
    ['{"data":{"items":[{"a":1}],"n":1}}', { streamType: 'JsonArray', jsonArrayEnvelopeField: 'data.items' }],
    ['\uFEFF  text line\r\n{"a":"é"}\n\n  \r\nlast', { streamType: 'Auto' }],
    [`${' '.repeat(30)}\n${' '.repeat(30)}x\n`, { streamType: 'Lines', eventBytesMax: 25 }],
    [`${'y'.repeat(25)}\r\n${'y'.repeat(26)}\r\n`, { streamType: 'Lines', eventBytesMax: 25 }],
    [`{"a":"${'z'.repeat(20)}"}`, { streamType: 'JSON', eventBytesMax: 27 }],
    [`{"a":1}\n{"b":[[[{"c":[]}]]]}\n`, { streamType: 'JSON', eventDepthMax: 5 }],
    [`{"a":[[1]]}\n{"b":[[[{"c":[]}]]]}\n`, { streamType: 'Lines', eventDepthMax: 5 }],
    [concat('{"a":"', Uint8Array.of(0xe2, 0x82), '"}'), { streamType: 'JSON' }],
    [concat(Uint8Array.of(0xef, 0xbb), 'x\n'), { streamType: 'Lines' }],
    ['[{"a":1},{"b":2},]', { streamType: 'JsonArray' }],
    ['{"a":1}\n{"a":2}\n{"a":3}\n', { streamType: 'JSON', eventsMax: 2 }],
    [
      `${cloudWatch('DATA_MESSAGE', [
        { id: '1', timestamp: 7, message: '{"x":1}' },
        { id: '2', timestamp: 8, message: 'é' },
      ])}\n${cloudWatch('CONTROL_MESSAGE', [{ id: '3', timestamp: 9, message: 'ctl' }])}${cloudWatch('DATA_MESSAGE', [])}`,
      { streamType: 'CloudWatchLogs' },
    ],
    [
      '{"logEvents":[{"id":"1","timestamp":5,"message":"x"}],"messageType":"DATA_MESSAGE"}',
      { streamType: 'CloudWatchLogs' },
    ],
    ['{"a":1}\n[ \n ]{"b":2}\n[ {"c":3} ]', { streamType: 'JSON' }],
    [
      `{"pad":"${'p'.repeat(30)}","Records":[]}`,
      { streamType: 'JsonArray', jsonArrayEnvelopeField: 'Records' },
    ],
    [
      '{"Records":[{"a":1}],"pad":"0123456789"}',
      { streamType: 'JsonArray', jsonArrayEnvelopeField: 'Records' },
    ],
    ['{"v" 1,"Records":[]}', { streamType: 'JsonArray', jsonArrayEnvelopeField: 'Records' }],
  ]

  test('every split point and one-byte chunks give the same events or the same error', () => {
    for (const [body, options] of corpus) {
      const whole = bytesOf(body)
      const expected = outcome([whole], options)
      for (let cut = 0; cut <= whole.length; cut++) {
        expect(outcome([whole.subarray(0, cut), whole.subarray(cut)], options)).toEqual(expected)
      }
      const bytewise = Array.from(whole, (byte) => Uint8Array.of(byte))
      expect(outcome(bytewise, options)).toEqual(expected)
    }
  })

  test('random splits into many chunks give the same outcome', () => {
    // A fixed-seed generator (mulberry32) keeps the test repeatable.
    let seed = 0x2f6b1c3d
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
    for (const [body, options] of corpus) {
      const whole = bytesOf(body)
      const expected = outcome([whole], options)
      for (let round = 0; round < 30; round++) {
        const chunks: Uint8Array[] = []
        for (let at = 0; at < whole.length; ) {
          const size = Math.floor(random() * 12)
          chunks.push(whole.subarray(at, at + size))
          at += size
        }
        expect(outcome(chunks, options)).toEqual(expected)
      }
    }
  })

  test('the corpus covers both outcomes', () => {
    const results = corpus.map(([body, options]) => outcome([bytesOf(body)], options))
    expect(results.filter((r) => 'events' in r && r.events.length > 0).length).toBeGreaterThan(5)
    expect(results.filter((r) => 'error' in r).length).toBeGreaterThan(5)
  })

  // An envelope head past eventBytesMax that turns malformed after the limit was MALFORMED_JSON read whole
  // (walked to the bad byte first) and EVENT_TOO_LARGE in small chunks (the size checked first).
  test('an envelope head that is too large and malformed gets one answer however chunked', () => {
    const head = '{"a":"12345678"|'
    for (const options of [
      { streamType: 'CloudWatchLogs', eventBytesMax: 8 },
      { streamType: 'JsonArray', jsonArrayEnvelopeField: 'Records', eventBytesMax: 8 },
    ] as const) {
      const whole = bytesOf(head)
      const bytewise = Array.from(whole, (byte) => Uint8Array.of(byte))
      expect(outcome([whole], options)).toEqual(outcome(bytewise, options))
    }
  })
})
