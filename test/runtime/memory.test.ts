import { expect, test } from 'bun:test'
import { residentBytes } from '../../src/runtime/memory.ts'

test('resident memory as /proc/self/statm tells it agrees with process.memoryUsage', () => {
  const mine = residentBytes()
  const theirs = process.memoryUsage.rss()
  expect(mine).toBeGreaterThan(theirs * 0.8)
  expect(mine).toBeLessThan(theirs * 1.2)
})
