/**
 * The access log of refused ingest requests: one line each, rate-limited with the held-back lines
 * counted, and nothing a sender wrote able to break a line.
 */
import { expect, test } from 'bun:test'
import { RefusalLog } from '../../src/ingest/refusal-log.ts'
import { createLogger } from '../../src/logger.ts'

function capture() {
  const lines: Record<string, unknown>[] = []
  const logger = createLogger({
    level: 'info',
    format: 'json',
    write: (line) => lines.push(JSON.parse(line)),
  })
  return { lines, logger }
}

const refusal = (n: number) => ({
  source: 'src-1',
  status: 401,
  code: 'UNAUTHORIZED',
  client: '10.0.0.1',
  reason: `bad ${n}`,
})

test('one line per refusal, with source, status, code, client and reason', () => {
  const { lines, logger } = capture()
  new RefusalLog(logger, 10, () => 0).record(refusal(1))
  expect(lines).toMatchObject([
    {
      level: 'info',
      message: 'ingest request refused',
      source: 'src-1',
      status: 401,
      code: 'UNAUTHORIZED',
      client: '10.0.0.1',
      reason: 'bad 1',
    },
  ])
})

test('a flood is cut to the rate; the lines held back are counted in the next line and by flush', () => {
  const { lines, logger } = capture()
  const clock = { now: 0 }
  const log = new RefusalLog(logger, 10, () => clock.now)
  for (let i = 0; i < 1000; i++) log.record(refusal(i))
  expect(lines).toHaveLength(20)
  clock.now += 1000
  log.record(refusal(1000))
  expect(lines[20]).toMatchObject({ reason: 'bad 1000', notLogged: 980 })
  for (let i = 0; i < 100; i++) log.record(refusal(i))
  log.flush()
  expect(lines.at(-1)).toMatchObject({ message: 'ingest requests refused and not logged', count: 91 })
})

test('control characters in what a sender chose are replaced, and long values cut', () => {
  const lines: string[] = []
  const logger = createLogger({ level: 'info', format: 'text', write: (line) => lines.push(line) })
  new RefusalLog(logger, 10).record({ ...refusal(0), source: 'x\nFAKE ERROR line', reason: 'y'.repeat(1000) })
  expect(lines).toHaveLength(1)
  expect(lines[0]).not.toContain('\n')
  expect(lines[0]).toContain('source=x?FAKE ERROR line')
  expect(lines[0]!.length).toBeLessThan(600)
})

test('0 lines a second logs nothing', () => {
  const { lines, logger } = capture()
  new RefusalLog(logger, 0).record(refusal(1))
  expect(lines).toEqual([])
})
