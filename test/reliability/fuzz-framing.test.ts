/**
 * Properties of the framer (src/ingest/framing): arbitrary events written as each stream type and cut into
 * chunks anywhere (inside a multi-byte character, an escape, a key) frame back to the same events in the
 * same order; and any bytes at all either frame or fail with a 400 or 413 AppError, the same however the
 * body is chunked.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import type { FramingOptions } from '../../src/ingest/framing/index.ts'
import { STREAM_TYPES } from '../../src/registry/model.ts'
import { frameOutcome } from '../ingest/frame-outcome.ts'
import {
  anyText,
  FUZZ_TIMEOUT_MS,
  fuzz,
  jsonEvent,
  jsonStyle,
  jsonValue,
  mutate,
  mutations,
  writeJson,
} from './fuzz.ts'

const encoder = new TextEncoder()
const _decoder = new TextDecoder()

type Shape = Pick<FramingOptions, 'streamType' | 'jsonArrayEnvelopeField'>
interface Expected {
  value: Record<string, unknown>
  timeMs: number | null
}
/** A body as a sender would write it for `shape`, and the events it holds. */
interface Case {
  shape: Shape
  body: string
  expected: Expected[]
}

const plain = (value: Record<string, unknown>): Expected => ({ value, timeMs: null })
const parsed = (text: string) => plain(JSON.parse(text))

/** What may stand between two values of a stream: nothing, blanks and line ends. */
const gap = fc.constantFrom('', '\n', '\r\n', ' ', '\n\n', ' \t\r\n ')

/** JSON: objects one per line, concatenated, pretty printed, with `[]` (an empty batch) between them. */
const jsonStream = (emptyArrays: boolean) =>
  fc
    .array(
      fc.record({
        event: jsonEvent,
        style: jsonStyle(),
        before: emptyArrays ? fc.oneof(gap, fc.constantFrom('\n[]\n', '[ ]')) : gap,
      }),
      { maxLength: 6 },
    )
    .chain((items) =>
      gap.map((after): Case => {
        const texts = items.map(({ event, style }) => writeJson(event, style))
        return {
          shape: { streamType: 'JSON' },
          body: items.map(({ before }, k) => before + texts[k]).join('') + after,
          expected: texts.map(parsed),
        }
      }),
    )

const arrayOf = (events: fc.Arbitrary<string[]>) =>
  fc.tuple(events, fc.array(gap, { minLength: 3, maxLength: 3 })).map(([texts, [open, comma, close]]) => ({
    texts,
    text: `[${open}${texts.join(`${comma},${open}`)}${close}]`,
  }))

const arrayEvents = fc.array(
  fc.tuple(jsonEvent, jsonStyle()).map(([event, style]) => writeJson(event, style)),
  { maxLength: 6 },
)

/** The members of an envelope object other than `key`, split into those before it and those after. */
const otherMembers = (key: string) =>
  fc
    .uniqueArray(fc.tuple(anyText(8), jsonValue(2)), { selector: ([name]) => name, maxLength: 4 })
    .map((members) => members.filter(([name]) => name !== key))
    .chain((members) =>
      fc.nat({ max: members.length }).map((at) => [members.slice(0, at), members.slice(at)] as const),
    )

/** `"Records"`, or with its first letter escaped as `\u0052`: the key must be read as JSON, not bytes. */
const keyText = (key: string, escaped: boolean) =>
  escaped ? `"\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${key.slice(1)}"` : JSON.stringify(key)

/** An object holding the JSON text `inner` at `path`, with other members around it at every level. */
function envelopeOf(path: string[], inner: string): fc.Arbitrary<string> {
  const [key, ...rest] = path
  if (key === undefined) return fc.constant(inner)
  return fc
    .tuple(envelopeOf(rest, inner), otherMembers(key), fc.boolean(), gap)
    .map(([value, [before, after], escaped, space]) => {
      const member = ([name, item]: [string, unknown]) => `${JSON.stringify(name)}:${JSON.stringify(item)}`
      const members = [
        ...before.map(member),
        `${keyText(key, escaped)}${space}:${value}`,
        ...after.map(member),
      ]
      return `{${space}${members.join(`,${space}`)}}`
    })
}

const topLevelArray = arrayOf(arrayEvents).map(
  ({ texts, text }): Case => ({
    shape: { streamType: 'JsonArray' },
    body: text,
    expected: texts.map(parsed),
  }),
)

const envelopedArray = fc
  .tuple(fc.constantFrom('Records', 'data.items', 'logs'), arrayOf(arrayEvents))
  .chain(([field, { texts, text }]) =>
    envelopeOf(field.split('.'), text).map(
      (body): Case => ({
        shape: { streamType: 'JsonArray', jsonArrayEnvelopeField: field },
        body,
        expected: texts.map(parsed),
      }),
    ),
  )

/** A blank, as the framer (and JSON) counts it. */
const BLANKS = /^[ \t\r\n]*$/
const trimBlanks = (text: string) => text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '')

/** The event a text (a Lines line or a CloudWatch message) becomes: a JSON object if it is one, else a message. */
function textEvent(text: string): Record<string, unknown> {
  const trimmed = trimBlanks(text)
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
    try {
      return JSON.parse(trimmed)
    } catch {}
  }
  return { message: text }
}

/** A text line: any well-formed text without LF (a lone surrogate would reach the wire as U+FFFD). */
const textLine = anyText(24).map((text) => text.toWellFormed().replaceAll('\n', ' '))
const paddedJson = fc
  .tuple(jsonEvent, jsonStyle([0]), fc.constantFrom('', ' ', '\t', ' \r'))
  .map(([event, style, pad]) => `${pad}${writeJson(event, style)}${pad}`)

/** Lines: JSON-object lines, text lines and blank lines, ended by LF or CRLF, the last one maybe not. */
const linesBody = fc
  .tuple(
    fc.array(fc.tuple(fc.oneof(paddedJson, textLine, fc.constantFrom('', '  ', '\t')), fc.boolean()), {
      maxLength: 8,
    }),
    fc.boolean(),
  )
  .map(([lines, ended]): Case => {
    const expected: Expected[] = []
    const body = lines.map(([line, crlf], k) => {
      const last = k === lines.length - 1 && !ended
      // The framer drops one CR before the LF, whether the sender wrote CRLF or the line ended in CR.
      const withCr = crlf && !last ? `${line}\r` : line
      const text = withCr.endsWith('\r') ? withCr.slice(0, -1) : withCr
      if (!BLANKS.test(text)) expected.push(plain(textEvent(text)))
      return last ? withCr : `${withCr}\n`
    })
    return { shape: { streamType: 'Lines' }, body: body.join(''), expected }
  })
  // Only the first bytes of a body are a byte order mark; a line that starts so is left to the BOM tests.
  .filter(({ body }) => !body.startsWith('\ufeff'))

const logEntry = fc.record({
  id: anyText(8),
  timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
  message: fc.oneof(
    fc
      .tuple(jsonEvent, jsonStyle(), fc.constantFrom('', ' ', '\n'))
      .map(([event, style, pad]) => `${pad}${writeJson(event, style)}${pad}`),
    anyText(24),
  ),
})

/** CloudWatchLogs: subscription-filter payloads, their messageType first (as AWS writes it) or last. */
const cloudWatchBody = fc
  .array(
    fc.record({
      control: fc.boolean(),
      typeLast: fc.boolean(),
      owner: anyText(12),
      filters: fc.array(anyText(8), { maxLength: 2 }),
      logEvents: fc.array(logEntry, { maxLength: 5 }),
      style: jsonStyle(),
      before: gap,
    }),
    { maxLength: 4 },
  )
  .map((payloads): Case => {
    const expected: Expected[] = []
    const body = payloads.map(({ control, typeLast, owner, filters, logEvents, style, before }) => {
      const messageType = control ? 'CONTROL_MESSAGE' : 'DATA_MESSAGE'
      const rest = {
        owner,
        logGroup: '/aws/lambda/x',
        logStream: 's',
        subscriptionFilters: filters,
        logEvents,
      }
      const payload = typeLast ? { ...rest, messageType } : { messageType, ...rest }
      if (!control) {
        // The payload's origin goes on each event, where the event has no field of that name.
        const origin = { logGroup: '/aws/lambda/x', logStream: 's', owner }
        for (const { message, timestamp } of logEvents)
          expected.push({ value: { ...origin, ...textEvent(message) }, timeMs: timestamp })
      }
      return before + writeJson(payload, style)
    })
    return { shape: { streamType: 'CloudWatchLogs' }, body: body.join(''), expected }
  })

/** Auto: a body it takes for JSON ('{'), JsonArray ('[') or Lines (anything else). */
const autoBody = fc
  .oneof(
    jsonStream(false),
    topLevelArray,
    linesBody.filter(({ body }) => !/^[ \t\r\n]*[[{]/.test(body)),
  )
  .map((c): Case => ({ ...c, shape: { streamType: 'Auto' } }))

/** How a body is cut into chunks: at offsets (modulo its length; empty chunks too), or every few bytes. */
type Cutting = { at: number[] } | { every: number }
const cutting: fc.Arbitrary<Cutting> = fc.oneof(
  fc.record({ at: fc.array(fc.nat(), { maxLength: 16 }) }),
  fc.record({ every: fc.integer({ min: 1, max: 5 }) }),
)

function cut(body: Uint8Array, how: Cutting): Uint8Array[] {
  if ('every' in how) {
    const chunks: Uint8Array[] = []
    for (let at = 0; at < body.length; at += how.every) chunks.push(body.subarray(at, at + how.every))
    return chunks
  }
  const at = [0, ...how.at.map((offset) => offset % (body.length + 1)).sort((a, b) => a - b), body.length]
  return at.slice(1).map((end, k) => body.subarray(at[k], end))
}

const LIMITS = { eventBytesMax: 1 << 20, eventsMax: 100_000 }

const outcome = frameOutcome

const BOM = '\ufeff'

describe('well-formed bodies frame to the events written, however chunked', () => {
  const bodies: [string, fc.Arbitrary<Case>][] = [
    ['JSON', jsonStream(true)],
    ['JsonArray at the top level', topLevelArray],
    ['JsonArray in an envelope', envelopedArray],
    ['Lines', linesBody],
    ['CloudWatchLogs', cloudWatchBody],
    ['Auto', autoBody],
  ]
  for (const [name, cases] of bodies) {
    test(
      name,
      () => {
        const property = fc.property(cases, fc.boolean(), cutting, (c, bom, how) => {
          const body = encoder.encode(bom ? BOM + c.body : c.body)
          const result = outcome(cut(body, how), { ...c.shape, ...LIMITS })
          if ('error' in result) throw new Error(`${result.error.code}: ${result.error.message}`)
          expect(result.events.map(({ value, timeMs }) => ({ value, timeMs }))).toEqual(c.expected)
          for (const event of result.events)
            if (event.json !== null) expect(JSON.parse(event.json)).toEqual(event.value)
        })
        fc.assert(property, fuzz(300))
      },
      FUZZ_TIMEOUT_MS,
    )
  }
})

/** Bytes JSON is made of, so that random bodies get past their first byte more often than not. */
const TOKENS =
  '{ } [ ] " : , \\ \\u00 \\" a 1 - e true null \ufeff \u00e9 "Records" "logEvents" "messageType"'
    .split(' ')
    .concat([' ', '\n', '\r', '"CONTROL_MESSAGE"'])

const limits = fc.record({
  eventBytesMax: fc.constantFrom(8, 40, 1 << 20),
  eventsMax: fc.constantFrom(0, 2, 100_000),
})

const anyShape: fc.Arbitrary<Shape> = fc
  .tuple(fc.constantFrom(...STREAM_TYPES), fc.constantFrom(undefined, 'Records', 'data.items'))
  .map(([streamType, field]) =>
    streamType === 'JsonArray' && field ? { streamType, jsonArrayEnvelopeField: field } : { streamType },
  )

const wellFormed = fc.oneof(jsonStream(true), topLevelArray, envelopedArray, linesBody, cloudWatchBody)

/** Random bytes, random JSON tokens, or a well-formed body damaged, framed as its own type or another. */
const damaged = fc.oneof(
  fc.tuple(fc.uint8Array({ maxLength: 256 }), anyShape),
  fc.tuple(
    fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((tokens) => encoder.encode(tokens.join(''))),
    anyShape,
  ),
  fc
    .tuple(wellFormed, mutations, fc.option(anyShape, { nil: undefined }))
    .map(([c, changes, shape]) => [mutate(encoder.encode(c.body), changes), shape ?? c.shape] as const),
)

test(
  'any bytes frame or fail with a 400 or 413, the same however chunked',
  () => {
    const property = fc.property(damaged, limits, cutting, ([body, shape], limit, how) => {
      const options = { ...shape, ...limit }
      const whole = outcome([body], options)
      if ('error' in whole) expect([400, 413]).toContain(whole.error.status)
      const chunked = [cut(body, how), Array.from(body, (byte) => Uint8Array.of(byte))].map((chunks) =>
        outcome(chunks, options),
      )
      for (const result of chunked) expect(result).toEqual(whole)
    })
    fc.assert(property, fuzz(2000))
  },
  FUZZ_TIMEOUT_MS,
)
