/**
 * No mix of hostile requests takes the server's resident memory past `[ingest] memory_max` (300 MiB by
 * default): decompression bombs of valid events and of zeros in every coding, the largest plain bodies,
 * and hundreds of declared bodies that arrive slowly (test/reliability/memory-mixes.ts). Each mix runs
 * a few seconds against a fresh server on its defaults; its peak RSS (VmHWM) is printed and held to the
 * limit, and every answer must be one the contract allows. bench/memory.ts runs the same mixes longer.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type RunningInlet, startInlet } from '../e2e/server.ts'
import { type Bodies, makeBodies, mixes, mixNames, peakRssMiB, runMix, showStatuses } from './memory-mixes.ts'

const MEMORY_MAX_MIB = 300
const SECONDS = Number(process.env.MEMORY_MIX_SECONDS ?? 3)
const API_KEY = 'memory-mixes-api-key-0001'
/** Answers a hostile mix may get: stored, refused as malformed or too large, or turned away (0: cut off). */
const ALLOWED = new Set([0, 200, 400, 413, 503])

let bodies: Bodies
beforeAll(async () => {
  bodies = await makeBodies()
}, 60_000)

describe(`peak RSS under hostile mixes stays within memory_max (${MEMORY_MAX_MIB} MiB)`, () => {
  let inlet: RunningInlet | undefined
  afterAll(async () => {
    if (inlet && inlet.process.exitCode === null) await inlet.stop()
  })

  test.each(mixNames())(
    '%s',
    async (name) => {
      inlet = await startInlet({ env: { INLET_API_KEY: API_KEY } })
      const created = await fetch(`${inlet.url}/log-sources/http`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ integrationLabel: 'memory', authMethod: 'None' }),
      })
      const { integrationId } = (await created.json()) as { integrationId: string }
      const senders = mixes(bodies)[name]!
      const result = await runMix(`${inlet.url}/http/${integrationId}`, senders, SECONDS)
      const peak = peakRssMiB(inlet.process.pid)
      const { code } = await inlet.stop()
      console.log(`memory: ${name}: peak RSS ${peak.toFixed(1)} MiB; ${showStatuses(result.statuses)}`)
      expect(code).toBe(0)
      expect([...result.statuses.keys()].filter((status) => !ALLOWED.has(status))).toEqual([])
      expect(peak).toBeLessThan(MEMORY_MAX_MIB)
    },
    60_000,
  )
})
