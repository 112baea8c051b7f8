/** The stored form of an event: the sender's bytes kept, the p_ fields added, times in RFC 3339 UTC. */
import { describe, expect, test } from 'bun:test'
import type { FramedEvent } from '../../src/ingest/framing/index.ts'
import { Stamper } from '../../src/ingest/stamp.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const PARSE_TIME_MS = Date.parse('2026-11-28T12:00:00.123Z')
const stamper = () =>
  new Stamper({
    sourceId: '0b7d6f0e-1111-4222-8333-444455556666',
    sourceLabel: 'Okta "prod" – EU',
    parseTimeMs: PARSE_TIME_MS,
    bodyBytes: 100,
  })

const sent = (text: string, timeMs: number | null = null): FramedEvent => ({
  value: JSON.parse(text),
  json: encoder.encode(text),
  reservedKeys: Object.keys(JSON.parse(text)).some((key) => key.startsWith('p_')),
  timeMs,
})

describe('Stamper', () => {
  test("keeps the sender's bytes as they came and adds the p_ fields after them", () => {
    const text = '{"b": 2,  "a":"é\\u00e9", "n":1.50}'
    const record = stamper().stamp(sent(text))
    const stored = decoder.decode(record.payload)
    expect(stored.startsWith(text.slice(0, -1))).toBe(true)
    expect(JSON.parse(stored)).toEqual({
      b: 2,
      a: 'éé',
      n: 1.5,
      p_row_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      p_source_id: '0b7d6f0e-1111-4222-8333-444455556666',
      p_source_label: 'Okta "prod" – EU',
      p_parse_time: '2026-11-28T12:00:00.123Z',
      p_event_time: '2026-11-28T12:00:00.123Z',
    })
    expect(record.eventTimeMs).toBe(PARSE_TIME_MS)
    expect(record.sourceId).toBe('0b7d6f0e-1111-4222-8333-444455556666')
  })

  test('an empty object gets the p_ fields without a stray comma', () => {
    for (const text of ['{}', '{ \n }']) {
      expect(Object.keys(JSON.parse(decoder.decode(stamper().stamp(sent(text)).payload)))).toHaveLength(5)
    }
  })

  test("a sender's own top-level p_ fields are replaced by ours; nested ones are left alone", () => {
    const stored = JSON.parse(
      decoder.decode(stamper().stamp(sent('{"p_source_label":"forged","x":{"p_y":1}}')).payload),
    )
    expect(stored.p_source_label).toBe('Okta "prod" – EU')
    expect(stored.x).toEqual({ p_y: 1 })
  })

  test("ours come last, in the splice's order, even where the sender's keys of those names stood", () => {
    const text = '{"p_event_time":"1999-01-01T00:00:00Z","p_source_id":"x","a":1,"p_other":2}'
    const stored = JSON.parse(decoder.decode(stamper().stamp(sent(text)).payload))
    expect(Object.keys(stored)).toEqual([
      'a',
      'p_other',
      'p_row_id',
      'p_source_id',
      'p_source_label',
      'p_parse_time',
      'p_event_time',
    ])
  })

  test('an event time from the framing is p_event_time; one a Date cannot hold falls back to parse time', () => {
    const at = Date.parse('2020-01-02T03:04:05.006Z')
    const record = stamper().stamp(sent('{"m":1}', at))
    expect(JSON.parse(decoder.decode(record.payload)).p_event_time).toBe('2020-01-02T03:04:05.006Z')
    expect(record.eventTimeMs).toBe(at)
    for (const bad of [Number.NaN, 1e300, 1.5]) {
      expect(stamper().stamp(sent('{"m":1}', bad)).eventTimeMs).toBe(PARSE_TIME_MS)
    }
  })

  test('events the framer built are serialized with the p_ fields', () => {
    const built: FramedEvent = {
      value: { message: 'plain "line"' },
      json: null,
      reservedKeys: false,
      timeMs: null,
    }
    expect(JSON.parse(decoder.decode(stamper().stamp(built).payload))).toMatchObject({
      message: 'plain "line"',
      p_source_label: 'Okta "prod" – EU',
    })
  })

  test('row ids are unique, and payloads stay intact when many share arena blocks', () => {
    const s = stamper()
    const records = Array.from({ length: 5000 }, (_, i) =>
      s.stamp(sent(`{"i":${i},"pad":"${'x'.repeat(i % 700)}"}`)),
    )
    const parsed = records.map((record) => JSON.parse(decoder.decode(record.payload)))
    expect(parsed.map((event) => event.i)).toEqual(Array.from({ length: 5000 }, (_, i) => i))
    expect(new Set(parsed.map((event) => event.p_row_id)).size).toBe(5000)
  })
})

describe('p_http_headers', () => {
  const withHeaders = () =>
    new Stamper({
      sourceId: '0b7d6f0e-1111-4222-8333-444455556666',
      sourceLabel: 'github',
      httpHeaders: { 'x-github-event': 'push', 'x-github-delivery': '72d3162e' },
      parseTimeMs: PARSE_TIME_MS,
      bodyBytes: 100,
    })
  const keys = ['p_row_id', 'p_http_headers', 'p_source_id', 'p_source_label', 'p_parse_time', 'p_event_time']

  test("the kept headers come right after p_row_id, spliced or serialized, replacing a sender's own", () => {
    for (const event of [sent('{"a":1}'), sent('{"a":1,"p_http_headers":"forged"}'), sent('{}')]) {
      const stored = JSON.parse(decoder.decode(withHeaders().stamp(event).payload))
      expect(stored.p_http_headers).toEqual({ 'x-github-event': 'push', 'x-github-delivery': '72d3162e' })
      expect(Object.keys(stored).filter((key) => key.startsWith('p_'))).toEqual(keys)
    }
    const built = { value: { message: 'line' }, json: null, reservedKeys: false, timeMs: null }
    expect(JSON.parse(decoder.decode(withHeaders().stamp(built).payload)).p_http_headers).toEqual({
      'x-github-event': 'push',
      'x-github-delivery': '72d3162e',
    })
  })

  test('no headers kept, no field', () => {
    const stored = JSON.parse(decoder.decode(stamper().stamp(sent('{"a":1}')).payload))
    expect('p_http_headers' in stored).toBe(false)
  })
})
