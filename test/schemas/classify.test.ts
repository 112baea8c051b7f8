import { describe, expect, test } from 'bun:test'
import type { FramedEvent } from '../../src/ingest/framing/index.ts'
import type { SourceRecord } from '../../src/registry/sources.ts'
import { createClassification } from '../../src/schemas/classify.ts'
import { compileSchema, ParseState } from '../../src/schemas/compile.ts'
import { ByteWriter, Cursor } from '../../src/schemas/json-bytes.ts'
import { parseSchemaSpec } from '../../src/schemas/spec.ts'

const spec = (yaml: string) => parseSchemaSpec(yaml)

/** Parses one event against a schema given as YAML; the stored value or the failure reason. */
function parse(yaml: string, event: Record<string, unknown>) {
  const state = new ParseState()
  const value = compileSchema('Custom.Test', spec(yaml)).parse(event, state)
  return { value, failure: state.failure, eventTime: state.eventTime, state }
}

const json = (value: Record<string, unknown>): FramedEvent => ({
  value,
  json: null,
  reservedKeys: false,
  timeMs: null,
})
const line = (text: string): FramedEvent => ({
  value: { message: text },
  json: null,
  reservedKeys: false,
  timeMs: null,
  line: text,
})

function classification(schemas: Record<string, string>) {
  const failures: { count: number; reason: string }[] = []
  const listeners: ((name: string) => void)[] = []
  const parsed = new Map(Object.entries(schemas).map(([name, yaml]) => [name, spec(yaml)]))
  const { classifierFor } = createClassification({
    schemas: {
      find: (name) => {
        const found = parsed.get(name)
        return found ? { parsed: found, isFieldDiscoveryEnabled: false, revision: 1 } : null
      },
      onChange: (listener) => {
        listeners.push(listener)
        return () => {}
      },
    },
    onFailures: (_source, count, reason) => failures.push({ count, reason }),
  })
  const source = (logTypes: string[]) =>
    ({ id: '11111111-1111-4111-8111-111111111111', label: 'test', logTypes }) as SourceRecord
  return { classifierFor, source, failures }
}

describe('coercion', () => {
  const all = `
fields:
  - { name: s, type: string }
  - { name: i, type: int }
  - { name: si, type: smallint }
  - { name: bi, type: bigint }
  - { name: f, type: float }
  - { name: b, type: boolean }
  - { name: t, type: timestamp, timeFormats: [rfc3339] }
  - { name: a, type: array, element: { type: bigint } }
  - { name: o, type: object, fields: [{ name: x, type: string }] }
  - { name: j, type: json }
`
  test('strings take numbers and booleans as text; "" stays a string', () => {
    expect(parse(all, { s: 12.5 }).value).toEqual({ s: '12.5' })
    expect(parse(all, { s: true }).value).toEqual({ s: 'true' })
    expect(parse(all, { s: '' }).value).toEqual({ s: '' })
    expect(parse(all, { s: { x: 1 } }).failure).toBe("field 's': expected a string, got an object")
  })

  test('number types take numeric strings within their range; "" is no value', () => {
    expect(parse(all, { i: '42', si: -7, bi: ' 9007199254740991 ', f: '1.5e3' }).value).toEqual({
      i: 42,
      si: -7,
      bi: 9007199254740991,
      f: 1500,
    })
    expect(parse(all, { i: '', f: '' }).value).toEqual({})
    expect(parse(all, { i: 2 ** 31 }).failure).toBe("field 'i': expected a int, got 2147483648")
    expect(parse(all, { si: 40000 }).failure).toContain("field 'si': expected a smallint")
    expect(parse(all, { bi: 1.5 }).failure).toContain("field 'bi': expected a bigint")
    expect(parse(all, { i: '12abc' }).failure).toContain("field 'i'")
    expect(parse(all, { f: 'NaN' }).failure).toContain("field 'f': expected a float")
    expect(parse(all, { f: true }).failure).toContain("field 'f'")
  })

  test('booleans take true/false and the strings strconv.ParseBool accepts', () => {
    expect(parse(all, { b: 'TRUE' }).value).toEqual({ b: true })
    expect(parse(all, { b: '0' }).value).toEqual({ b: false })
    expect(parse(all, { b: 'yes' }).failure).toContain("field 'b': expected a boolean")
    expect(parse(all, { b: 1 }).failure).toContain("field 'b'")
  })

  test('timestamps are parsed by their formats and stored as RFC 3339 UTC', () => {
    expect(parse(all, { t: '2026-01-02T03:04:05+02:00' }).value).toEqual({ t: '2026-01-02T01:04:05.000Z' })
    expect(parse(all, { t: 'yesterday' }).failure).toContain("field 't': expected a timestamp (rfc3339)")
  })

  test('arrays, objects and json keep their shapes; nulls are dropped at every level', () => {
    expect(
      parse(all, { a: [1, null, '2'], o: { x: 3, y: 4 }, j: { any: [null, 1] }, s: null }).value,
    ).toEqual({
      a: [1, 2],
      o: { x: '3' },
      j: { any: [null, 1] },
    })
    expect(parse(all, { a: 5 }).failure).toBe("field 'a': expected an array, got 5")
    expect(parse(all, { a: [1, 'x'] }).failure).toContain("field 'a[1]': expected a bigint")
    expect(parse(all, { o: [] }).failure).toBe("field 'o': expected an object, got an array")
    expect(parse(all, { o: { x: null } }).value).toEqual({ o: {} })
    // "" is a json value, and no object, as in Panther's decoding.
    expect(parse(all, { j: '' }).value).toEqual({ j: '' })
    expect(parse(all, { o: '' }).failure).toBe('field \'o\': expected an object, got ""')
  })

  test('embedded JSON is parsed first', () => {
    const embedded =
      'fields: [{ name: o, type: object, isEmbeddedJSON: true, fields: [{ name: n, type: int }] }]'
    expect(parse(embedded, { o: '{"n":"5"}' }).value).toEqual({ o: { n: 5 } })
    expect(parse(embedded, { o: { n: 6 } }).value).toEqual({ o: { n: 6 } })
    expect(parse(embedded, { o: '{oops' }).failure).toContain("field 'o': expected embedded JSON")
  })

  test('a required field without a value fails the event, naming its path', () => {
    const required = `
fields:
  - { name: id, type: string, required: true }
  - name: user
    type: object
    fields: [{ name: name, type: string, required: true }]
`
    expect(parse(required, { user: { name: 'a' } }).failure).toBe("required field 'id' is missing")
    expect(parse(required, { id: '1', user: {} }).failure).toBe("required field 'user.name' is missing")
    expect(parse(required, { id: '1' }).value).toEqual({ id: '1' })
  })

  test('validate allow and deny lists', () => {
    const listed =
      'fields: [{ name: kind, type: string, validate: { allow: [a, b] } }, { name: x, type: string, validate: { deny: [bad] } }]'
    expect(parse(listed, { kind: 'a' }).value).toEqual({ kind: 'a' })
    expect(parse(listed, { kind: 'c' }).failure).toContain("field 'kind'")
    expect(parse(listed, { x: 'bad' }).failure).toContain("field 'x'")
  })

  test('unknown fields are dropped, or kept with field discovery', () => {
    const known = 'fields: [{ name: a, type: string }]'
    expect(parse(known, { a: 'x', extra: 1 }).value).toEqual({ a: 'x' })
    const discovering = `fieldDiscoveryEnabled: true\n${known}`
    expect(parse(discovering, { a: 'x', extra: 1, gone: null }).value).toEqual({ a: 'x', extra: 1 })
  })
})

describe('event time', () => {
  const timed = `
fields:
  - { name: received, type: timestamp, timeFormats: [unix] }
  - { name: created, type: timestamp, timeFormats: [rfc3339], isEventTime: true }
  - { name: updated, type: timestamp, timeFormats: [unix_ms], isEventTime: true }
`
  test('the first isEventTime field with a value is the event time', () => {
    const both = parse(timed, { received: 1, created: '2026-01-01T00:00:00Z', updated: 1_800_000_000_000 })
    expect(both.eventTime?.ms).toBe(Date.parse('2026-01-01T00:00:00Z'))
    expect(parse(timed, { updated: 1_800_000_000_000 }).eventTime?.ms).toBe(1_800_000_000_000)
    expect(parse(timed, { received: 5 }).eventTime).toBeNull()
  })
})

describe('classification', () => {
  const login =
    'fields: [{ name: user, type: string, required: true }, { name: at, type: timestamp, timeFormats: [unix], isEventTime: true }]'
  const flow =
    'fields: [{ name: src, type: string, required: true, indicators: [ip] }, { name: bytes, type: bigint }]'

  test('each event is tried against the source log types; the parsed event carries p_log_type', () => {
    const { classifierFor, source } = classification({ 'Custom.Login': login, 'Custom.Flow': flow })
    const classifier = classifierFor(source(['Custom.Login', 'Custom.Flow']))!
    const first = classifier.classify(json({ user: 'ann', at: 1_800_000_000, noise: 1 }))!
    expect(first.value).toEqual({ user: 'ann', at: '2027-01-15T08:00:00.000Z', p_log_type: 'Custom.Login' })
    expect(first.timeMs).toBe(1_800_000_000_000)
    // Stored as the transcoded bytes: nothing is serialized again.
    expect(JSON.parse(new TextDecoder().decode(first.json!))).toEqual(first.value)
    expect(first.reservedKeys).toBe(false)
    const second = classifier.classify(json({ src: '10.0.0.1', bytes: '12' }))!
    expect(second.value).toEqual({
      src: '10.0.0.1',
      bytes: 12,
      p_log_type: 'Custom.Flow',
      p_any_ip_addresses: ['10.0.0.1'],
    })
    expect(second.timeMs).toBeNull()
  })

  test('the schema that matched last is tried first', () => {
    const loose = 'fields: [{ name: user, type: string }]'
    const { classifierFor, source } = classification({ 'Custom.Login': login, 'Custom.Loose': loose })
    const classifier = classifierFor(source(['Custom.Login', 'Custom.Loose']))!
    expect(classifier.classify(json({ note: 'x' }))!.value.p_log_type).toBe('Custom.Loose')
    // Both schemas read this event; the one that matched last wins.
    expect(classifier.classify(json({ user: 'ann' }))!.value.p_log_type).toBe('Custom.Loose')
  })

  test('no match: the raw event with p_classification_error, reported once the request finishes', () => {
    const { classifierFor, source, failures } = classification({ 'Custom.Login': login, 'Custom.Flow': flow })
    const classifier = classifierFor(source(['Custom.Login', 'Custom.Flow']))!
    const failed = classifier.classify(json({ other: 1, p_log_type: 'Forged' }))!
    expect(failed.value).toEqual({
      other: 1,
      p_classification_error:
        "Custom.Login: required field 'user' is missing; Custom.Flow: required field 'src' is missing",
    })
    classifier.classify(json({ user: 5, at: 'soon' }))
    expect(failures).toEqual([])
    classifier.finish()
    expect(failures).toEqual([{ count: 2, reason: expect.stringContaining("field 'at'") }])
  })

  test('a source without log types is not classified', () => {
    const { classifierFor, source } = classification({})
    expect(classifierFor(source([]))).toBeNull()
  })

  test('text lines are read by the parser of a text schema; a JSON event does not match it', () => {
    const csv = `
parser:
  csv: { delimiter: ',', hasHeader: true, columns: [user, action, at] }
fields:
  - { name: user, type: string, required: true, indicators: [username] }
  - { name: action, type: string }
  - { name: at, type: timestamp, timeFormats: [rfc3339], isEventTime: true }
`
    const { classifierFor, source } = classification({ 'Custom.Csv': csv })
    const classifier = classifierFor(source(['Custom.Csv']))!
    expect(classifier.classify(line('user,action,at'))).toBeNull()
    expect(classifier.classify(line('ann,login,2026-03-04T05:06:07Z'))!.value).toEqual({
      user: 'ann',
      action: 'login',
      at: '2026-03-04T05:06:07.000Z',
      p_log_type: 'Custom.Csv',
      p_any_usernames: ['ann'],
    })
    expect(classifier.classify(json({ user: 'ann' }))!.value.p_classification_error).toBe(
      'Custom.Csv: expects text lines, got a JSON event',
    )
  })
})

describe('transcoding in place', () => {
  const transcode = (yaml: string, text: string) => {
    const state = new ParseState()
    const out = new ByteWriter(16)
    out.begin()
    const ok = compileSchema('Custom.T', spec(yaml)).transcode(
      new Cursor(new TextEncoder().encode(text)),
      out,
      state,
    )
    return ok ? new TextDecoder().decode(out.piece()) : `failed: ${state.failure}`
  }

  test('keys match with escapes, in any case, and a repeated key counts once', () => {
    const yaml =
      'fields: [{ name: user, type: string }, { name: eventId, type: string }, { name: cafe, type: bigint }]'
    expect(transcode(yaml, '{"us\\u0065r":"a","EVENTID":"e","café":2,"cafe":1}')).toBe(
      '{"user":"a","eventId":"e","cafe":1}',
    )
    expect(transcode(yaml, '{"user":"first","user":"second"}')).toBe('{"user":"first"}')
  })

  test('values that need no coercion are copied byte for byte, white space and escapes included', () => {
    const yaml = 'fields: [{ name: s, type: string }, { name: j, type: json }, { name: f, type: float }]'
    expect(transcode(yaml, '{ "s" : "a\\"b\\u00e9" , "j" : { "x" : [1, null] }, "f": 1.50e3 }')).toBe(
      '{"s":"a\\"b\\u00e9","j":{ "x" : [1, null] },"f":1.50e3}',
    )
  })

  test('integers written another way are normalized; a nanosecond epoch keeps every digit', () => {
    const yaml = 'fields: [{ name: n, type: bigint }, { name: t, type: timestamp, timeFormats: [unix_ns] }]'
    expect(transcode(yaml, '{"n":1.0e3,"t":1600368586194526741}')).toBe(
      '{"n":1000,"t":"2020-09-17T18:49:46.194526741Z"}',
    )
  })

  test('arrays drop nulls; an empty array is not stored but satisfies required', () => {
    const yaml = `
fields:
  - { name: a, type: array, required: true, element: { type: object, fields: [{ name: x, type: bigint }] } }
  - { name: b, type: array, element: { type: string } }
`
    expect(transcode(yaml, '{"a":[null,{"x":1},{"y":2},null],"b":[null]}')).toBe('{"a":[{"x":1},{}]}')
    expect(transcode(yaml, '{"a":[]}')).toBe('{}')
    expect(transcode(yaml, '{"b":["x"]}')).toBe("failed: required field 'a' is missing")
    expect(transcode(yaml, '{"a":[{"x":1},{"x":"z"}]}')).toBe(
      'failed: field \'a[1].x\': expected a bigint, got "z"',
    )
  })

  test('field discovery copies unknown keys, but never a top-level p_ key', () => {
    const yaml =
      'fieldDiscoveryEnabled: true\nfields: [{ name: o, type: object, fields: [{ name: a, type: string }] }]'
    expect(transcode(yaml, '{"p_log_type":"x","o":{"a":"1","p_y":2},"z":[1]}')).toBe(
      '{"o":{"a":"1","p_y":2},"z":[1]}',
    )
  })

  test('pieces written earlier stay intact when the writer moves to a new block', () => {
    const yaml = 'fields: [{ name: s, type: string }]'
    const compiled = compileSchema('Custom.T', spec(yaml))
    const out = new ByteWriter(16)
    const pieces: Uint8Array[] = []
    for (let i = 0; i < 200; i++) {
      out.begin()
      compiled.transcode(
        new Cursor(new TextEncoder().encode(`{"s":"${'x'.repeat(i)}"}`)),
        out,
        new ParseState(),
      )
      pieces.push(out.piece())
    }
    for (const [i, piece] of pieces.entries())
      expect(new TextDecoder().decode(piece)).toBe(`{"s":"${'x'.repeat(i)}"}`)
  })
})
