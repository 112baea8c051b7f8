/**
 * What the property tests in this folder share: how many cases each runs and from which seed, and the
 * arbitrary JSON events several of them feed to the product.
 *
 * Each property runs a small fixed number of cases from a fixed seed, so the suite stays quick and a
 * failure in CI reproduces exactly. For a long run by hand, FUZZ_RUNS sets the number of cases of every
 * property and FUZZ_SEED another seed:
 *
 *     FUZZ_RUNS=20000 FUZZ_SEED=$RANDOM bun test test/reliability/fuzz-
 *
 * A failing property prints its seed and the shrunk counterexample, and the same FUZZ_SEED and number of
 * runs replay it. With the default runs shrinking stops after PROPERTY_TIME_MAX_MS; FUZZ_RUNS set to the
 * same number replays the failure without that limit, to shrink it all the way.
 */
import fc from 'fast-check'
import { concatBytes } from '../ingest/frame-outcome.ts'

const DEFAULT_SEED = 20261128

function envInteger(name: string): number | undefined {
  const text = process.env[name]
  if (text === undefined || text === '') return undefined
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, not ${JSON.stringify(text)}`)
  return value
}

const seed = envInteger('FUZZ_SEED') ?? DEFAULT_SEED
const runs = envInteger('FUZZ_RUNS')

/**
 * How long one property may take, shrinking included, before it stops and reports what it has: a failure
 * found among long bodies can take a minute to shrink, longer than a test may run. Long runs are not cut.
 */
const PROPERTY_TIME_MAX_MS = 20_000

/** fast-check's parameters for a property that runs `defaultRuns` cases unless FUZZ_RUNS says otherwise. */
export const fuzz = (defaultRuns: number) =>
  runs === undefined
    ? {
        seed,
        numRuns: defaultRuns,
        plugins: [fc.interruptAfterTimeLimit(PROPERTY_TIME_MAX_MS, { failOnInterrupt: true })],
      }
    : { seed, numRuns: runs, verbose: process.env.FUZZ_VERBOSE ? 2 : 0 }

/** A property's test timeout: past PROPERTY_TIME_MAX_MS for the default runs; for a long run, a day. */
export const FUZZ_TIMEOUT_MS = runs === undefined ? 30_000 : 24 * 3_600_000

/**
 * Characters that stress JSON writers and readers: the escapes, control characters, JSON's own
 * punctuation, line and paragraph separators, a byte order mark, two- to four-byte UTF-8 and lone
 * surrogates (which JSON.stringify writes as `\udxxx` escapes).
 */
const AWKWARD_CHARS = [
  '"',
  '\\',
  '/',
  '\n',
  '\r',
  '\t',
  '\b',
  '\f',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u00e9',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\u20ac',
  '\u{1d11e}',
  '\u{1f600}',
  '\ud800',
  '\udfff',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  ' ',
]

const char = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(...AWKWARD_CHARS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
)

/** Strings of any code units, awkward ones often. */
export const anyText = (maxLength = 16) => fc.string({ unit: char, maxLength })

const scalar = fc.oneof(
  anyText(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
)

/** JSON values nested at most `maxDepth` containers deep. */
export const jsonValue = (maxDepth: number) =>
  fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', maxDepth }, scalar, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 4 }),
    object: fc.dictionary(anyText(8), tie('value'), { maxKeys: 5 }),
  })).value

/** An event: a JSON object whose values nest at most 4 containers deeper, so at most 5 in all. */
export const jsonEvent = fc.dictionary(anyText(8), jsonValue(4), { maxKeys: 6 }) as fc.Arbitrary<
  Record<string, unknown>
>

/** How a sender may write JSON: indented or not, and escaping what it need not (`\u00e9`, `\/`). */
export interface JsonStyle {
  indent: 0 | 2 | '\t'
  asciiOnly: boolean
  escapeSlash: boolean
}

export const jsonStyle = (indents: JsonStyle['indent'][] = [0, 2, '\t']): fc.Arbitrary<JsonStyle> =>
  fc.record({ indent: fc.constantFrom(...indents), asciiOnly: fc.boolean(), escapeSlash: fc.boolean() })

/**
 * A value's JSON text in a style. Outside strings JSON.stringify writes only ASCII and never `/`, so the
 * replacements touch string contents only; each UTF-16 unit becomes its own `\uXXXX`, as Python and Go do.
 */
export function writeJson(value: unknown, style: JsonStyle): string {
  let text = JSON.stringify(value, null, style.indent)
  if (style.asciiOnly) {
    text = text.replace(
      /[\u0080-\uffff]/g,
      (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
  }
  return style.escapeSlash ? text.replaceAll('/', '\\/') : text
}

/** One change to a byte string, at a position taken modulo its length. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
)

/** One to four mutations, applied in order. */
export const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 })

export function mutate(bytes: Uint8Array, changes: readonly Mutation[]): Uint8Array {
  let out: Uint8Array = bytes.slice()
  for (const change of changes) {
    const at = change.kind === 'append' ? 0 : change.at % (out.length + 1)
    switch (change.kind) {
      case 'flip':
        if (at < out.length) out[at]! ^= 1 << change.bit
        break
      case 'set':
        if (at < out.length) out[at] = change.byte
        break
      case 'insert':
        out = concatBytes(out.subarray(0, at), change.bytes, out.subarray(at))
        break
      case 'delete':
        out = concatBytes(out.subarray(0, at), out.subarray(at + change.count))
        break
      case 'truncate':
        out = out.slice(0, at)
        break
      case 'append':
        out = concatBytes(out, change.bytes)
    }
  }
  return out
}
