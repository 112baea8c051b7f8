import { describe, expect, test } from 'bun:test'
import { Admission, type Hold } from '../../src/ingest/admission.ts'

const MB = 1_000_000

function admission(budgetBytes = 100 * MB, logQueue = { bytes: 0 }) {
  const collected: number[] = []
  const gate = new Admission({
    budgetBytes,
    memoryMaxBytes: 2 * budgetBytes,
    residentBytes: () => 0,
    retryAfterSeconds: 2,
    logQueueBytes: () => logQueue.bytes,
    logQueueHighBytes: 10 * MB,
    collect: () => collected.push(Date.now()),
  })
  return { gate, collected, logQueue }
}

const refusal = (run: () => void) => {
  try {
    run()
  } catch (error) {
    return error as { code: string; status: number; headers: Record<string, string> }
  }
  throw new Error('expected a refusal')
}

describe('Admission', () => {
  test('new requests are refused past half the budget charged, and let in again at 35%', () => {
    const { gate } = admission()
    const a: Hold = { bytes: 0, peak: 0 }
    const b: Hold = { bytes: 0, peak: 0 }
    gate.admit()
    gate.reserve(a, 30 * MB)
    gate.admit()
    gate.reserve(b, 25 * MB)
    const refused = refusal(() => gate.admit())
    expect(refused.status).toBe(503)
    expect(refused.code).toBe('OVERLOADED')
    expect(refused.headers['retry-after']).toBe('2')
    gate.release(b, 15 * MB)
    expect(() => gate.admit()).toThrow()
    gate.release(b)
    expect(b.bytes).toBe(0)
    expect(gate.chargedBytes).toBe(30 * MB)
    gate.admit()
  })

  test('a charge that would pass the budget collects garbage first, then fails its request only if still over', () => {
    const { gate, collected } = admission()
    const a: Hold = { bytes: 0, peak: 0 }
    gate.reserve(a, 10 * MB)
    gate.release(a)
    expect(collected).toHaveLength(0)
    const b: Hold = { bytes: 0, peak: 0 }
    gate.reserve(b, 85 * MB)
    // 85 charged + 10 garbage: 10 more do not fit until the garbage is collected.
    gate.reserve(b, 10 * MB)
    expect(collected).toHaveLength(1)
    expect(b.bytes).toBe(95 * MB)
    const over = refusal(() => gate.reserve(b, 10 * MB))
    expect(over.status).toBe(503)
    expect(b.bytes).toBe(95 * MB)
    expect(gate.peakBytes).toBe(95 * MB)
  })

  test("small requests' garbage is left to the collector's own pacing", () => {
    const { gate, collected } = admission()
    for (let i = 0; i < 1000; i++) {
      const hold: Hold = { bytes: 0, peak: 0 }
      gate.reserve(hold, 100_000)
      gate.release(hold)
    }
    expect(collected).toHaveLength(0)
  })

  test('garbage past 15% of the budget is collected at once', () => {
    const { gate, collected } = admission()
    for (let i = 0; i < 6; i++) {
      const hold: Hold = { bytes: 0, peak: 0 }
      gate.reserve(hold, 10 * MB)
      gate.release(hold)
    }
    expect(collected).toHaveLength(3)
    expect(gate.collections).toBe(3)
  })

  test('resident memory past 75% of memory_max refuses new requests; past 65% the garbage is collected', async () => {
    const resident = { bytes: 0 }
    const collected: number[] = []
    const gate = new Admission({
      budgetBytes: 100 * MB,
      memoryMaxBytes: 200 * MB,
      residentBytes: () => resident.bytes,
      retryAfterSeconds: 1,
      logQueueBytes: () => 0,
      logQueueHighBytes: 10 * MB,
      collect: () => collected.push(1),
    })
    const stop = gate.watch()
    try {
      resident.bytes = 140 * MB
      await Bun.sleep(60)
      expect(collected.length).toBeGreaterThan(0)
      gate.admit()
      resident.bytes = 160 * MB
      await Bun.sleep(60)
      expect(refusal(() => gate.admit()).code).toBe('OVERLOADED')
      resident.bytes = 100 * MB
      await Bun.sleep(60)
      gate.admit()
      // A turn of the event loop that no timer interrupts: every 256th request looks for itself.
      resident.bytes = 160 * MB
      let refusedAt = -1
      for (let i = 1; i <= 256 && refusedAt < 0; i++) {
        try {
          gate.admit()
        } catch {
          refusedAt = i
        }
      }
      expect(refusedAt).toBeGreaterThan(0)
    } finally {
      stop()
    }
  })

  test("the log's queue counts against the budget, and past its own mark refuses new requests", () => {
    const { gate, logQueue } = admission()
    const hold: Hold = { bytes: 0, peak: 0 }
    logQueue.bytes = 9 * MB
    gate.admit()
    gate.reserve(hold, 85 * MB)
    expect(() => gate.reserve(hold, 7 * MB)).toThrow()
    logQueue.bytes = 10 * MB
    expect(refusal(() => gate.admit()).code).toBe('OVERLOADED')
  })
})
