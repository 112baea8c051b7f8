/**
 * Random and damaged bodies against every stream type, through the whole route: every answer is a 200 or
 * a 4xx naming the problem, never a 500, and a refused request stores nothing.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { gzipSync } from 'node:zlib'
import { STREAM_TYPES } from '../../src/registry/model.ts'
import { BASE_URL, seededRandom, type TestApp, testApp } from '../helpers.ts'

let t: TestApp
beforeAll(async () => {
  t = await testApp({
    env: { INLET_INGEST_EVENT_BYTES_MAX: '4096', INLET_INGEST_EVENTS_PER_REQUEST_MAX: '200' },
  })
})
afterAll(() => t.close())

const SAMPLES = [
  '{"a":1}\n{"b":[1,2,{"c":"d"}]}\n',
  '[{"x":1},{"y":"é"}]',
  '{"Records":[{"r":1},{"r":2}],"meta":{"n":2}}',
  '{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"id":"1","timestamp":1700000000000,"message":"{\\"k\\":1}"},{"id":"2","timestamp":1700000000001,"message":"text"}]}',
  'plain line one\nplain line two\r\n{"json":"line"}\n',
  '{\n  "pretty": true,\n  "nested": {"deep": [1, 2, 3]}\n}{"next":1}',
]

test('no body, however damaged, gets a 500 or stores part of itself', async () => {
  const next = seededRandom(424242)
  const sources = STREAM_TYPES.map((streamType) =>
    t.registry.sources.create({
      integrationLabel: `fuzz-${streamType}`,
      authMethod: 'None',
      logStreamType: streamType,
      ...(streamType === 'JsonArray' && next(2) === 0
        ? { logStreamTypeOptions: { jsonArrayEnvelopeField: 'Records' } }
        : {}),
    }),
  )
  const statuses = new Map<number, number>()
  for (let i = 0; i < 600; i++) {
    const base = new TextEncoder().encode(SAMPLES[next(SAMPLES.length)]!)
    const body = base.slice()
    for (let k = next(4); k > 0; k--) body[next(body.length)] = next(256)
    const cut = next(3) === 0 ? body.subarray(0, next(body.length)) : body
    const zip = next(4) === 0
    const { source } = sources[next(sources.length)]!
    const before = t.log.stats().lastSeq
    const response = await t.app.handle(
      new Request(`${BASE_URL}/http/${source.id}`, {
        method: 'POST',
        body: zip ? gzipSync(cut) : cut,
        headers: zip ? { 'content-encoding': 'gzip' } : {},
      }),
    )
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
    const answer = await response.json()
    expect([200, 400, 413]).toContain(response.status)
    if (response.status !== 200) {
      expect(answer.error.message.length).toBeGreaterThan(0)
      expect(t.log.stats().lastSeq).toBe(before)
    } else {
      expect(t.log.stats().lastSeq - before).toBe(answer.accepted)
    }
  }
  expect(statuses.get(200)).toBeGreaterThan(50)
  expect(statuses.get(400)).toBeGreaterThan(50)
})
