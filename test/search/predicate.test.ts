/**
 * What a search matches: queries run against a table of stored events (nested objects, arrays of objects,
 * p_any arrays, numbers written as strings, missing fields, nulls, Unicode, sender escapes), each case naming
 * the events it must return. Also that each event is parsed and lowercased at most once per test, and that
 * the scanner's prefilter needles never drop an event the predicate matches.
 */
import { describe, expect, test } from 'bun:test'
import { compilePredicate, type EventView } from '../../src/search/predicate.ts'
import { parseQuery, requiredNeedles } from '../../src/search/query.ts'

/** Stored JSON texts by id; e12's text keeps the sender's `\u00e9` escape. */
const EVENTS: Record<string, string> = {
  e1: '{"actor":{"login":"ann"},"action":"push","p_any_ip_addresses":["1.2.3.4","10.0.0.1"],"p_event_time":"2026-01-02T10:00:00.000Z","status":200}',
  e2: '{"actors":[{"login":"bob"},{"login":"ann"}],"p_any_ip_addresses":["5.6.7.8"],"p_event_time":"2025-12-31T23:59:59.999999999Z","status":"404"}',
  e3: '{"level":"error","msg":"Connection reset by peer","status":500,"p_event_time":"2026-01-01T00:00:00.000000001Z"}',
  e4: '{"level":"warn","msg":"Timeout after 30s","latency":1.5,"p_event_time":"2026-01-01T00:00:00Z"}',
  e5: '{"level":null,"msg":"nulls","tags":[]}',
  e6: '{"tags":["a","b"],"nested":{"deep":{"x":1}},"ok":true}',
  e7: '{"tags":["b"],"ok":false,"count":"007"}',
  e8: '{"user":"Zoë","msg":"ÉCOLE fermée","city":"Zürich"}',
  e9: '{"matrix":[[1,2],[3,4]],"items":[{"id":7},{"id":8}]}',
  e10: '{"size":"1e3","bytes":1000,"ratio":"0.5"}',
  e11: '{"odd key":{"x":1},"request":{"headers":{"user-agent":"curl/8.0"}},"path":"\\/var\\/log"}',
  e12: '{"name":"caf\\u00e9"}',
  e13: '{"msg":"say \\"hi\\"","when":"yesterday"}',
  e14: '{}',
  e15: '{"n":null,"arr":[null],"flag":"true"}',
}
const IDS = Object.keys(EVENTS)

const view = (text: string): EventView => ({ value: () => JSON.parse(text), text: () => text })

/** The ids of the events `q` matches, in table order. */
function matching(q: string): string[] {
  const predicate = compilePredicate(parseQuery(q))
  return IDS.filter((id) => predicate(view(EVENTS[id]!)))
}

const CASES: [string, string[]][] = [
  ['', IDS],
  ['ann', ['e1', 'e2']],
  ['ANN', ['e1', 'e2']],
  ['"connection RESET"', ['e3']],
  ['p_event_time', ['e1', 'e2', 'e3', 'e4']],
  ['actor.login = ann', ['e1']],
  ['actors.login = ann', ['e2']],
  ['actors.login = Ann', []],
  ['p_any_ip_addresses = 10.0.0.1', ['e1']],
  ['p_any_ip_addresses != 10.0.0.1', ['e2']],
  ['NOT p_any_ip_addresses = 10.0.0.1', IDS.filter((id) => id !== 'e1')],
  ['status = 200', ['e1']],
  ['status = 404', ['e2']],
  ['status >= 400', ['e2', 'e3']],
  ['status > 4e2', ['e2', 'e3']],
  ['status CONTAINS 0', ['e1', 'e2', 'e3']],
  ['latency < 2', ['e4']],
  ['latency = 1.50', ['e4']],
  ['p_event_time > 2026-01-01', ['e1', 'e3']],
  ['p_event_time >= 2026-01-01T00:00:00Z', ['e1', 'e3', 'e4']],
  ['p_event_time = 2026-01-01T00:00:00.000Z', ['e4']],
  ['p_event_time < "2026-01-01"', ['e2']],
  ['p_event_time <= 2025-12-31T23:59:59.999999999Z', ['e2']],
  ['level = error', ['e3']],
  ['level > a', ['e3', 'e4']],
  ['level EXISTS', ['e3', 'e4']],
  ['level != error', ['e4']],
  ['level = null', ['e5']],
  ['level != null', ['e3', 'e4']],
  ['level IN (error, warn)', ['e3', 'e4']],
  ['tags EXISTS', ['e5', 'e6', 'e7']],
  ['tags = b', ['e6', 'e7']],
  ['tags != b', ['e5']],
  ['tags[0] = a', ['e6']],
  ['tags.1 = b', ['e6']],
  ['nested.deep.x = 1', ['e6']],
  ['nested.deep EXISTS', ['e6']],
  ['nested = 1', []],
  ['ok = true', ['e6']],
  ['ok = "TRUE"', ['e6']],
  ['ok = false', ['e7']],
  ['ok != true', ['e7']],
  ['flag = true', ['e15']],
  ['count = 7', []],
  ['count = 007', ['e7']],
  ['count > 6', ['e7']],
  ['count < 10', ['e7']],
  ['user = Zoë', ['e8']],
  ['zoë', ['e8']],
  ['ZOË', []],
  ['"ÉCOLE FERMÉE"', []],
  ['"ÉCOLE Fermée"', ['e8']],
  ['msg CONTAINS "école FERMÉE"', ['e8']],
  ['msg CONTAINS école', ['e8']],
  ['city contains ZÜR', ['e8']],
  ['matrix = 3', ['e9']],
  ['matrix[1] = 3', ['e9']],
  ['matrix[0] = 3', []],
  ['matrix.0.1 = 2', ['e9']],
  ['items.id IN (8, 9)', ['e9']],
  ['items[0].id = 8', []],
  ['size > 999', ['e10']],
  ['size = 1000', []],
  ['bytes = 1e3', ['e10']],
  ['ratio < 1', ['e10']],
  ['bytes CONTAINS 100', ['e10']],
  ['`odd key`.x = 1', ['e11']],
  ['request.headers.user-agent CONTAINS CURL', ['e11']],
  ['path = "/var/log"', ['e11']],
  ['name = café', ['e12']],
  ['café', []],
  ['caf', ['e12']],
  ['msg CONTAINS "say \\"hi\\""', ['e13']],
  ['"say \\"hi\\""', []],
  ['"SAY \\\\\\"HI\\\\\\""', ['e13']],
  ['when < z', ['e13']],
  ['n EXISTS', []],
  ['n = null', ['e15']],
  ['arr = null', ['e15']],
  ['arr EXISTS', ['e15']],
  ['missing != 1', []],
  ['NOT missing = 1', IDS],
  ['(level = error OR level = warn) NOT timeout', ['e3']],
  ['msg EXISTS AND NOT msg CONTAINS reset', ['e4', 'e5', 'e8', 'e13']],
  ['tags = a OR ok = false OR user EXISTS', ['e6', 'e7', 'e8']],
]

describe('compilePredicate', () => {
  test.each(CASES)('%p', (q, ids) => {
    expect(matching(q)).toEqual(ids)
  })

  test('each event is parsed and lowercased at most once, and only when a term needs it', () => {
    const calls = { value: 0, text: 0 }
    const text = EVENTS.e3!
    const counted: EventView = {
      value: () => {
        calls.value++
        return JSON.parse(text)
      },
      text: () => {
        calls.text++
        return text
      },
    }
    expect(compilePredicate(parseQuery('error peer reset'))(counted)).toBe(true)
    expect(calls).toEqual({ value: 0, text: 1 })
    expect(compilePredicate(parseQuery('level = error status = 500 msg EXISTS peer reset'))(counted)).toBe(
      true,
    )
    expect(calls).toEqual({ value: 1, text: 2 })
  })

  test('the prefilter needles are in the text of every event the predicate matches', () => {
    for (const [q] of CASES) {
      const ast = parseQuery(q)
      const predicate = compilePredicate(ast)
      const needles = requiredNeedles(ast)
      for (const id of IDS) {
        const text = EVENTS[id]!
        if (!predicate(view(text))) continue
        for (const needle of needles) {
          const found = needle.caseless
            ? text.toLowerCase().includes(needle.text.toLowerCase())
            : text.includes(needle.text)
          expect([q, id, needle.text, found]).toEqual([q, id, needle.text, true])
        }
      }
    }
  })
})
