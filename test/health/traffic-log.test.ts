/** The periodic per-source summary of traffic in the server's own log. */
import { expect, test } from 'bun:test'
import { IngestCounters } from '../../src/health/counters.ts'
import { TrafficLog } from '../../src/health/traffic-log.ts'
import { createLogger } from '../../src/logger.ts'

test('one line per source sent anything since the last, with what was accepted and refused', () => {
  const lines: Record<string, unknown>[] = []
  const logger = createLogger({
    level: 'info',
    format: 'json',
    write: (line) => lines.push(JSON.parse(line)),
  })
  const counters = new IngestCounters()
  const traffic = new TrafficLog({ counters, logger, labelOf: (id) => (id === 'a' ? 'alpha' : null) })
  counters.accepted('a', 20, 2000, 0)
  counters.accepted('a', 5, 500, 0)
  counters.rejected('a', 'UNAUTHORIZED', 401)
  counters.accepted('b', 1, 10, 0)
  traffic.write(60_000)
  expect(lines).toEqual([
    expect.objectContaining({
      message: 'ingest traffic',
      source: 'alpha',
      sourceId: 'a',
      seconds: 60,
      requests: 3,
      refused: 1,
      events: 25,
      bytes: 2500,
    }),
    expect.objectContaining({ source: 'b', requests: 1, refused: 0, events: 1, bytes: 10 }),
  ])
  lines.length = 0
  counters.accepted('b', 2, 20, 0)
  traffic.write(60_000)
  expect(lines).toEqual([expect.objectContaining({ source: 'b', requests: 1, events: 2, bytes: 20 })])
})
