/** The fixed-bucket histogram behind the log's and the event loop's metrics (src/histogram.ts). */
import { expect, test } from 'bun:test'
import { Histogram } from '../../src/histogram.ts'

test('counts are cumulative per upper bound, a value on a bound falls in it, +Inf is the count', () => {
  const histogram = new Histogram([1, 4, 16])
  for (const value of [0, 1, 1.5, 4, 5, 16, 17, 1000]) histogram.observe(value)
  expect(histogram.snapshot()).toEqual({ bounds: [1, 4, 16], counts: [2, 4, 6], sum: 1044.5, count: 8 })
})

test('an empty histogram is all zeros; NaN is not counted', () => {
  const histogram = new Histogram([0.5])
  histogram.observe(Number.NaN)
  expect(histogram.snapshot()).toEqual({ bounds: [0.5], counts: [0], sum: 0, count: 0 })
})

test('a snapshot is a copy: later observations do not change it', () => {
  const histogram = new Histogram([1])
  const before = histogram.snapshot()
  histogram.observe(0.5)
  expect(before.count).toBe(0)
  expect(histogram.snapshot().counts).toEqual([1])
})

test('bounds must be finite and strictly ascending', () => {
  expect(() => new Histogram([])).toThrow()
  expect(() => new Histogram([1, 1])).toThrow()
  expect(() => new Histogram([2, 1])).toThrow()
  expect(() => new Histogram([1, Number.POSITIVE_INFINITY])).toThrow()
})
