/**
 * Schema inference: each typing rule on small events, then realistic samples written from the public
 * documentation of GitHub's audit log, Okta's System Log, AWS CloudTrail and Slack's audit logs
 * (samples/*.json). For every sample set the draft schema's YAML is snapshot-tested, read back by
 * parseSchemaSpec, and compiled by the classifier, which must parse every sample event.
 */
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { compileSchema, ParseState } from '../../src/schemas/compile.ts'
import { inferSchema, SchemaInferrer } from '../../src/schemas/infer.ts'
import type { ElementSpec, FieldSpec, SchemaSpec } from '../../src/schemas/model.ts'
import { FIELDS_MAX, parseSchemaSpec, schemaToYaml } from '../../src/schemas/spec.ts'
import { compileTimeFormats } from '../../src/schemas/time.ts'

type Event = Record<string, unknown>

const SAMPLES = ['github-audit', 'okta-system-log', 'aws-cloudtrail', 'slack-audit'] as const

function sample(name: string): Event[] {
  return JSON.parse(readFileSync(join(import.meta.dir, 'samples', `${name}.json`), 'utf8')) as Event[]
}

/** The field at a dotted path; `[]` steps into an array's element. */
function field(spec: SchemaSpec, path: string): ElementSpec & Partial<FieldSpec> {
  let fields = spec.fields
  let found: (ElementSpec & Partial<FieldSpec>) | undefined
  for (const step of path.split('.')) {
    const name = step.replace(/\[\]$/, '')
    found = fields.find((f) => f.name === name)
    if (!found) throw new Error(`no field ${path}`)
    if (step.endsWith('[]')) found = found.element!
    fields = found.fields ?? []
  }
  return found!
}

const typeOf = (events: Event[], path = 'a') => field(inferSchema(events), path).type

/** Every event must parse with the schema, the way the classifier parses it. */
function parseAll(spec: SchemaSpec, events: Event[]): { failures: string[]; eventTimes: number } {
  const compiled = compileSchema('Inferred', spec)
  const state = new ParseState()
  const failures: string[] = []
  let eventTimes = 0
  events.forEach((event, index) => {
    state.reset()
    if (compiled.parse(event, state) === null) failures.push(`event ${index}: ${state.failure}`)
    else if (state.eventTime !== null) eventTimes++
  })
  return { failures, eventTimes }
}

describe('scalar types', () => {
  test('integers are bigint, other numbers float, and both together float', () => {
    expect(typeOf([{ a: 1 }, { a: -42 }])).toBe('bigint')
    expect(typeOf([{ a: 1.5 }])).toBe('float')
    expect(typeOf([{ a: 1 }, { a: 2.25 }])).toBe('float')
    expect(typeOf([{ a: 2 ** 64 }])).toBe('float')
  })

  test('booleans are boolean; strings mixed with numbers or booleans widen to string', () => {
    expect(typeOf([{ a: true }, { a: false }])).toBe('boolean')
    expect(typeOf([{ a: 'x' }, { a: 3 }])).toBe('string')
    expect(typeOf([{ a: true }, { a: 'yes' }])).toBe('string')
    expect(typeOf([{ a: true }, { a: 0 }])).toBe('string')
  })

  test('null and "" carry no type: only null is json, only "" is string, "" beside numbers is absent', () => {
    expect(typeOf([{ a: null }, { a: null }])).toBe('json')
    expect(typeOf([{ a: '' }])).toBe('string')
    const spec = inferSchema([{ a: 5 }, { a: '' }, { a: null }])
    expect(field(spec, 'a')).toEqual({ name: 'a', type: 'bigint' })
  })

  test('a composite mixed with anything else is json', () => {
    expect(typeOf([{ a: { b: 1 } }, { a: [1] }])).toBe('json')
    expect(typeOf([{ a: { b: 1 } }, { a: 'text' }])).toBe('json')
    expect(typeOf([{ a: [1] }, { a: 2 }])).toBe('json')
    expect(typeOf([{ a: { b: 1 } }, { a: '' }])).toBe('json')
  })
})

describe('objects and arrays', () => {
  test('objects merge field by field; required means present and not null wherever the parent is', () => {
    const spec = inferSchema([
      { a: { b: 1, c: 'x' }, d: 1 },
      { a: { b: 2, c: null }, d: 2 },
      { d: 3 },
      { a: null, d: null },
    ])
    expect(field(spec, 'a')).toMatchObject({ type: 'object' })
    expect(field(spec, 'a').required).toBeUndefined()
    expect(field(spec, 'a.b').required).toBe(true)
    expect(field(spec, 'a.c').required).toBeUndefined()
    expect(field(spec, 'd').required).toBeUndefined()
  })

  test('"" makes a string field present but leaves other types absent', () => {
    const spec = inferSchema([
      { s: '', n: '' },
      { s: 'x', n: 4 },
    ])
    expect(field(spec, 's')).toEqual({ name: 's', type: 'string', required: true })
    expect(field(spec, 'n')).toEqual({ name: 'n', type: 'bigint' })
  })

  test('array elements merge across all elements of all events; empty arrays add nothing', () => {
    expect(field(inferSchema([{ a: [1, 2] }, { a: [3.5] }, { a: [] }]), 'a')).toEqual({
      name: 'a',
      type: 'array',
      required: true,
      element: { type: 'float' },
    })
    expect(field(inferSchema([{ a: [] }, { a: [] }]), 'a').element).toEqual({ type: 'json' })
    expect(field(inferSchema([{ a: [1, 'x'] }]), 'a').element).toEqual({ type: 'string' })
    expect(field(inferSchema([{ a: [null, 1] }]), 'a').element).toEqual({ type: 'bigint' })
  })

  test('fields of element objects are required when present in every element object', () => {
    const spec = inferSchema([{ a: [{ id: 1, x: true }, { id: 2 }] }, { a: [{ id: 3, x: false }] }])
    expect(field(spec, 'a[]')).toEqual({
      type: 'object',
      fields: [
        { name: 'id', type: 'bigint', required: true },
        { name: 'x', type: 'boolean' },
      ],
    })
  })

  test('an object only ever empty is json', () => {
    expect(typeOf([{ a: {} }, { a: {} }])).toBe('json')
    expect(field(inferSchema([{ a: {} }, { a: { b: 'x' } }]), 'a.b').required).toBeUndefined()
  })

  test('objects with more than objectFieldsMax fields, or nested deeper than depthMax, are json', () => {
    const wide = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}`, i]))
    expect(typeOf([{ a: wide }], 'a')).toBe('object')
    expect(field(inferSchema([{ a: wide }], { objectFieldsMax: 5 }), 'a').type).toBe('json')
    const deep = { a: { b: { c: { d: 1 } } } }
    expect(field(inferSchema([deep], { depthMax: 2 }), 'a.b').type).toBe('json')
    expect(field(inferSchema([deep], { depthMax: 3 }), 'a.b.c').type).toBe('json')
    expect(field(inferSchema([deep]), 'a.b.c.d').type).toBe('bigint')
    expect(field(inferSchema([{ a: [[[1]]] }], { depthMax: 2 }), 'a').element).toEqual({ type: 'json' })
  })

  test('a nested object with a name Panther refuses, or two names differing in case, is json', () => {
    expect(typeOf([{ a: { 'b/c': 1 } }])).toBe('json')
    expect(typeOf([{ a: { ok: 1 } }, { a: { 'not ok!': 1 } }])).toBe('json')
    expect(typeOf([{ a: { Host: 'x' } }, { a: { host: 'y' } }])).toBe('json')
  })

  test('objects whose keys vary like a map are json; records with optional fields stay objects', () => {
    const varied = Array.from({ length: 6 }, (_, i) => ({ p: { [`k${i}`]: i, [`j${i}`]: 'v' } }))
    expect(typeOf(varied, 'p')).toBe('json')
    const record = Array.from({ length: 6 }, (_, i) => ({
      p: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, [`x${i % 2}`]: 8 },
    }))
    expect(typeOf(record, 'p')).toBe('object')
  })

  test('top-level names Panther refuses are left out and named in the description', () => {
    const spec = inferSchema([
      { ok: 1, 'bad/name': 2, Case: 'x' },
      { case: 'y', ok: 3 },
    ])
    expect(spec.fields.map((f) => f.name)).toEqual(['Case', 'ok'])
    expect(spec.description).toContain('"bad/name", "case"')
    expect(inferSchema([{ ok: 1 }]).description).toBe('Inferred from sample events')
  })

  test('events without a field Panther can name, or no events at all, give no schema', () => {
    expect(() => inferSchema([{ 'a/b': 1 }])).toThrow('no field')
    expect(() => inferSchema([])).toThrow('no events')
    expect(() => new SchemaInferrer().toSpec()).toThrow('no events')
  })

  test('a schema past FIELDS_MAX keeps its shallow objects and makes the deeper ones json', () => {
    const event: Event = {}
    for (let i = 0; i < 30; i++) {
      event[`o${String(i).padStart(2, '0')}`] = Object.fromEntries(
        Array.from({ length: 90 }, (_, j) => [`f${j}`, j]),
      )
    }
    const spec = inferSchema([event])
    const count = (fields: FieldSpec[]): number => fields.reduce((n, f) => n + 1 + count(f.fields ?? []), 0)
    expect(count(spec.fields)).toBeLessThanOrEqual(FIELDS_MAX)
    expect(field(spec, 'o00').type).toBe('object')
    expect(field(spec, 'o29').type).toBe('json')
    expect(parseSchemaSpec(schemaToYaml(spec))).toEqual(spec)
  })
})

describe('timestamps', () => {
  const formatsOf = (values: unknown[], name = 'a') => {
    const spec = inferSchema(values.map((value) => ({ [name]: value })))
    const found = field(spec, name)
    return found.type === 'timestamp' ? found.timeFormats : found.type
  }

  test('common date shapes get every format that parses every value', () => {
    expect(formatsOf(['2024-08-13T15:58:20.353Z', '2024-08-13T16:00:00+02:00'])).toEqual(['rfc3339'])
    expect(formatsOf(['2024-01-02 03:04:05', '2024-01-02 13:04:05'])).toEqual([
      '%Y-%m-%d %H:%M:%S',
      'rfc3339',
    ])
    expect(formatsOf(['2024-01-02T03:04:05'])).toEqual(['%Y-%m-%dT%H:%M:%S', 'rfc3339'])
    expect(formatsOf(['18/Mar/2024:10:00:00 +0000'])).toEqual(['%d/%b/%Y:%H:%M:%S %z'])
    expect(formatsOf(['Mon, 18 Mar 2024 10:00:00 GMT'])).toEqual(['%a, %d %b %Y %H:%M:%S %Z'])
    expect(formatsOf(['03/18/2024 10:00:00'])).toEqual(['%m/%d/%Y %H:%M:%S'])
    expect(formatsOf(['2021-12-21 22:01:21 UTC'])).toEqual(['%Y-%m-%d %H:%M:%S %Z'])
    expect(formatsOf(['Mar 18 10:00:00', 'Mar  8 10:00:00'])).toEqual(['%b %e %H:%M:%S'])
  })

  test('epoch numbers and numeric strings are timestamps only in fields named for time', () => {
    expect(formatsOf([1521214343, '1521214343.000200'], 'ts')).toEqual(['unix'])
    expect(formatsOf([1700000012345], 'created_at')).toEqual(['unix_ms'])
    expect(formatsOf([1700000012345678], 'createdAt')).toEqual(['unix_us'])
    expect(formatsOf(['1700000012345678901'], 'eventTime')).toEqual(['unix_ns'])
    expect(formatsOf([1521214343], 'id')).toBe('bigint')
    expect(formatsOf(['1521214343'], 'id')).toBe('string')
    expect(formatsOf([1521214343, 30], 'timeout')).toBe('bigint')
  })

  test('formats that disagree, or a plain string among dates, give a string', () => {
    expect(formatsOf(['2024-08-13T15:58:20Z', '18/Mar/2024:10:00:00 +0000'])).toBe('string')
    expect(formatsOf(['2024-08-13T15:58:20Z', 'never'])).toBe('string')
    expect(formatsOf([1521214343, true], 'ts')).toBe('string')
  })

  test('the inferred formats parse every sample value', () => {
    const values = ['2024-08-13 15:58:20', '2023-01-01 00:00:00', '1999-12-31 23:59:59']
    const parse = compileTimeFormats(field(inferSchema(values.map((a) => ({ a }))), 'a').timeFormats!)
    for (const value of values) expect(parse(value)).not.toBeNull()
  })

  test('one event time: the best-named top-level timestamp, else the first', () => {
    const marked = (spec: SchemaSpec) =>
      JSON.stringify(spec).match(/"name":"[^"]+"(?=[^{}]*"isEventTime":true)/g)
    const t = '2024-08-13T15:58:20Z'
    expect(marked(inferSchema([{ a: t, date: t, time: t, timestamp: t }]))).toEqual(['"name":"timestamp"'])
    expect(marked(inferSchema([{ '@timestamp': 1700000012345, created_at: 1700000012345 }]))).toEqual([
      '"name":"created_at"',
    ])
    expect(marked(inferSchema([{ zulu: t, alpha: t }]))).toEqual(['"name":"alpha"'])
    expect(marked(inferSchema([{ a: 1 }]))).toBeNull()
  })

  test('a nested timestamp is the event time only when no top-level field is one', () => {
    const t = '2024-08-13T15:58:20Z'
    expect(field(inferSchema([{ id: { time: t } }]), 'id.time').isEventTime).toBe(true)
    expect(field(inferSchema([{ id: { time: t }, when: t }]), 'id.time').isEventTime).toBeUndefined()
    expect(field(inferSchema([{ list: [{ time: t }] }]), 'list[]').fields?.[0]?.isEventTime).toBeUndefined()
  })
})

describe('indicators', () => {
  const indicators = (values: unknown[], name = 'a') =>
    field(inferSchema(values.map((value) => ({ [name]: value }))), name).indicators

  test('a kind every non-empty value has', () => {
    expect(indicators(['10.0.0.1', '2001:db8::1', ''])).toEqual(['ip'])
    expect(indicators(['a@example.com'])).toEqual(['email'])
    expect(indicators(['https://example.com/x'])).toEqual(['url'])
    expect(indicators(['example.com', 'api.example.org'])).toEqual(['domain'])
    expect(indicators(['d41d8cd98f00b204e9800998ecf8427e'])).toEqual(['md5'])
    expect(indicators(['arn:aws:iam::111122223333:user/Mateo'])).toEqual(['aws_arn'])
  })

  test('IP addresses and domain names by turns give hostname; any other mix gives none', () => {
    expect(indicators(['192.0.2.1', 'ec2.amazonaws.com'], 'sourceIPAddress')).toEqual(['hostname'])
    expect(indicators(['192.0.2.1', 'a@example.com'])).toBeUndefined()
    expect(indicators(['192.0.2.1', 'not an address'])).toBeUndefined()
    expect(indicators(['2024-08-13T15:58:20Z', 'example.com'])).toBeUndefined()
  })

  test('names suggest kinds for string fields', () => {
    expect(indicators(['unknown'], 'src_ip')).toEqual(['ip'])
    expect(indicators(['-'], 'ipAddress')).toEqual(['ip'])
    expect(indicators(['-'], 'dst_ipv6')).toEqual(['ip'])
    expect(indicators(['octocat'], 'user')).toEqual(['username'])
    expect(indicators(['octocat'], 'userName')).toEqual(['username'])
    expect(indicators(['n/a'], 'user_email')).toEqual(['email'])
    expect(indicators(['C9A0:3E1F'], 'request_id')).toEqual(['trace_id'])
    expect(indicators(['abc'], 'traceId')).toEqual(['trace_id'])
    expect(field(inferSchema([{ user: { name: 'Charlie Parker' } }]), 'user.name').indicators).toEqual([
      'username',
    ])
    expect(indicators([42], 'user_ip')).toBeUndefined()
    expect(indicators(['x'], 'ip_version')).toBeUndefined()
  })
})

describe('SchemaInferrer', () => {
  test('adds events one at a time, counts them, and agrees with inferSchema', () => {
    const events = sample('slack-audit')
    const inferrer = new SchemaInferrer()
    for (const event of events) inferrer.add(event)
    expect(inferrer.count).toBe(events.length)
    expect(inferrer.toSpec()).toEqual(inferSchema(events))
  })

  test('refuses options that are not positive integers', () => {
    expect(() => new SchemaInferrer({ objectFieldsMax: 0 })).toThrow(RangeError)
    expect(() => new SchemaInferrer({ depthMax: 1.5 })).toThrow(RangeError)
  })

  test('the schema does not depend on the order of the events', () => {
    for (const name of SAMPLES) {
      const events = sample(name)
      expect(schemaToYaml(inferSchema([...events].reverse()))).toBe(schemaToYaml(inferSchema(events)))
    }
  })

  test('add() keeps up with a stream of realistic events (rate printed, not asserted)', () => {
    const pool = [...sample('okta-system-log'), ...sample('aws-cloudtrail'), ...sample('github-audit')]
    const events = Array.from({ length: 400 }, (_, i) => {
      const event = structuredClone(pool[i % pool.length]!)
      event.uuid = crypto.randomUUID()
      return event
    })
    const inferrer = new SchemaInferrer()
    const total = 40_000
    const started = performance.now()
    for (let i = 0; i < total; i++) inferrer.add(events[i % events.length]!)
    const seconds = (performance.now() - started) / 1000
    const bytes = events.reduce((n, e) => n + JSON.stringify(e).length, 0) / events.length
    console.log(`infer: ${Math.round(total / seconds)} events/s (${Math.round(bytes)} bytes per event)`)
    expect(inferrer.count).toBe(total)
  })
})

describe.each(SAMPLES)('sample %s', (name) => {
  const events = sample(name)
  const spec = inferSchema(events)
  const yaml = schemaToYaml(spec)

  test('the draft schema', () => {
    expect(yaml).toMatchSnapshot()
  })

  test('reads back through parseSchemaSpec unchanged', () => {
    expect(parseSchemaSpec(yaml)).toEqual(spec)
  })

  test('parses every sample event, each with an event time', () => {
    const { failures, eventTimes } = parseAll(parseSchemaSpec(yaml), events)
    expect(failures).toEqual([])
    expect(eventTimes).toBe(events.length)
  })
})

describe('sample specifics', () => {
  test('GitHub: millisecond epochs, created_at as event time, actor as username', () => {
    const spec = inferSchema(sample('github-audit'))
    expect(field(spec, '@timestamp')).toMatchObject({ type: 'timestamp', timeFormats: ['unix_ms'] })
    expect(field(spec, 'created_at')).toMatchObject({ timeFormats: ['unix_ms'], isEventTime: true })
    expect(field(spec, 'actor').indicators).toEqual(['username'])
    expect(field(spec, 'actor_ip').indicators).toEqual(['ip'])
    expect(field(spec, 'head_sha').indicators).toEqual(['sha1'])
  })

  test('Okta: published as event time, postal codes both numbers and strings widen to string', () => {
    const spec = inferSchema(sample('okta-system-log'))
    expect(field(spec, 'published')).toMatchObject({ timeFormats: ['rfc3339'], isEventTime: true })
    expect(field(spec, 'client.geographicalContext.postalCode').type).toBe('string')
    expect(field(spec, 'client.geographicalContext.geolocation.lat').type).toBe('float')
    expect(field(spec, 'client.ipAddress').indicators).toEqual(['ip'])
    expect(field(spec, 'actor.alternateId').indicators).toEqual(['email'])
    expect(field(spec, 'authenticationContext.interface').type).toBe('json')
  })

  test('CloudTrail: parameter bags are json, sourceIPAddress is a hostname', () => {
    const spec = inferSchema(sample('aws-cloudtrail'))
    expect(field(spec, 'eventTime')).toMatchObject({ timeFormats: ['rfc3339'], isEventTime: true })
    expect(field(spec, 'requestParameters').type).toBe('json')
    expect(field(spec, 'responseElements').type).toBe('json')
    expect(field(spec, 'sourceIPAddress').indicators).toEqual(['hostname'])
    expect(field(spec, 'userIdentity.arn').indicators).toEqual(['aws_arn'])
    expect(field(spec, 'requestID').indicators).toEqual(['trace_id'])
  })

  test('Slack: date_create seconds as event time, the actor user name as username', () => {
    const spec = inferSchema(sample('slack-audit'))
    expect(field(spec, 'date_create')).toMatchObject({ timeFormats: ['unix'], isEventTime: true })
    expect(field(spec, 'actor.user.name').indicators).toEqual(['username'])
    expect(field(spec, 'actor.user.email').indicators).toEqual(['email'])
    expect(field(spec, 'context.session_id').type).toBe('bigint')
    expect(field(spec, 'entity.app.scopes').element).toEqual({ type: 'string' })
  })
})
