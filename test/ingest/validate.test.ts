/**
 * The JSON validator against JSON.parse (with a fatal UTF-8 decoder) as the reference: for every body,
 * valid or broken, they must agree on whether it is one JSON object.
 */
import { describe, expect, test } from 'bun:test'
import { validateObject } from '../../src/ingest/framing/validate.ts'
import { EVENT_DEPTH_MAX } from '../../src/json-depth.ts'
import { seededRandom } from '../helpers.ts'

const decoder = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

function reference(bytes: Uint8Array): boolean {
  try {
    const value = JSON.parse(decoder.decode(bytes))
    return typeof value === 'object' && value !== null && !Array.isArray(value) && bytes[0] === 0x7b
  } catch {
    return false
  }
}

const verdict = (bytes: Uint8Array) => validateObject(bytes, 0, bytes.length).errorAt < 0

function randomValue(next: (n: number) => number, depth: number): unknown {
  const pick = next(depth > 3 ? 5 : 7)
  if (pick === 0) return next(2) === 0 ? -next(100000) / (next(9) + 1) : next(1e9)
  if (pick === 1) return ['', 'plain', 'é日本', 'tab\there', 'quote"and\\slash', '\u2028', '😀'][next(7)]
  if (pick === 2) return [true, false, null][next(3)]
  if (pick === 3) return 1.5e300 * (next(2) ? 1 : -1)
  if (pick === 4) return `s${next(1000)}`
  if (pick === 5) return Array.from({ length: next(4) }, () => randomValue(next, depth + 1))
  return randomObject(next, depth + 1)
}

function randomObject(next: (n: number) => number, depth: number): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  for (let i = next(5); i > 0; i--)
    object[`k${next(50)}${next(3) === 0 ? 'é' : ''}`] = randomValue(next, depth)
  return object
}

/** The bytes cut short, with one byte dropped, or with one byte replaced. */
function damage(bytes: Uint8Array, next: (n: number) => number, pool: Uint8Array): Uint8Array {
  const at = next(bytes.length)
  const how = next(3)
  if (how === 0) return bytes.subarray(0, at)
  if (how === 1) return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + 1)])
  const replaced = bytes.slice()
  replaced[at] = pool[next(pool.length)]!
  return replaced
}

describe('validateObject', () => {
  test('agrees with JSON.parse on generated objects and on every kind of damage to them', () => {
    const next = seededRandom(20261128)
    const bytePool = encoder.encode(' ,:{}[]"\\0123456789.eE+-tfnrul\t\n\u00ff')
    for (let i = 0; i < 3000; i++) {
      const text = JSON.stringify(randomObject(next, 0), null, next(4) === 0 ? 2 : undefined)
      const bytes = encoder.encode(text)
      expect(verdict(bytes)).toBe(true)
      const broken = damage(bytes, next, bytePool)
      expect({ text: new TextDecoder().decode(broken), valid: verdict(broken) }).toEqual({
        text: new TextDecoder().decode(broken),
        valid: reference(broken),
      })
    }
  })

  test('refuses what JSON refuses', () => {
    const invalid = [
      '{"a":1,}',
      '{"a":tru}',
      '{"a":"\u0001"}',
      '{"a":01}',
      '{"a":1}x',
      '{"a" 1}',
      '{"a":[1,]}',
      '{"a":"\\x"}',
      '{"a":"\\u12g4"}',
      '{"a":-}',
      '{"a":1.}',
      '{"a":1e}',
      '{a:1}',
      '[]',
      '{"a":1}}',
      '{"a":{"b":1}',
    ]
    for (const text of invalid)
      expect({ text, valid: verdict(encoder.encode(text)) }).toEqual({ text, valid: false })
  })

  test('UTF-8 is checked as RFC 3629 defines it: no overlong forms, surrogates or truncated sequences', () => {
    const wrap = (...bytes: number[]) =>
      Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, ...bytes, 0x22, 0x7d])
    expect(verdict(wrap(0xc3, 0xa9))).toBe(true)
    expect(verdict(wrap(0xf0, 0x9f, 0x98, 0x80))).toBe(true)
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xe6, 0x97],
      [0xf4, 0x90, 0x80, 0x80],
      [0xff],
      [0x80],
    ]) {
      expect(verdict(wrap(...bad))).toBe(false)
    }
  })

  test('notes top-level p_ keys only', () => {
    const reserved = (text: string) => validateObject(encoder.encode(text), 0, text.length).reservedKeys
    expect(reserved('{"p_row_id":1}')).toBe(true)
    expect(reserved('{"a":1,"p_x":2}')).toBe(true)
    expect(reserved('{"x":{"p_a":1}}')).toBe(false)
    expect(reserved('{"x":"p_a"}')).toBe(false)
  })

  test(`nesting deeper than ${EVENT_DEPTH_MAX} is refused`, () => {
    const nested = (depth: number) => encoder.encode(`${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`)
    expect(verdict(nested(EVENT_DEPTH_MAX))).toBe(true)
    expect(verdict(nested(EVENT_DEPTH_MAX + 1))).toBe(false)
  })
})
