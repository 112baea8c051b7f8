import { afterAll, expect, test } from 'bun:test'
import { spawn } from 'node:child_process'
import * as path from 'node:path'
import { crashRecord, openTestLog, removeDir, tempDir } from './helpers.ts'

const ROUNDS = 20
const dir = tempDir()

afterAll(() => removeDir(dir))

/**
 * Runs the child until it has appended for `runMs`, kills it with SIGKILL, and returns the
 * acknowledgement lines it printed completely before dying.
 */
function runAndKill(round: number, runMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(import.meta.dir, 'crash-child.ts'), dir, String(round)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    let output = ''
    let timer: ReturnType<typeof setTimeout> | null = null
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (timer === null && output.startsWith('ready\n'))
        timer = setTimeout(() => child.kill('SIGKILL'), runMs)
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL')
        return reject(new Error(`child exited by itself (${code}): ${output.slice(0, 300)}`))
      // The last piece may be a line cut by the kill; only whole lines were acknowledged and printed.
      resolve(output.split('\n').slice(1, -1))
    })
  })
}

interface Found {
  round: number
  a: number
  first: number
  size: number
  i: number
}

test(`every acknowledged record survives ${ROUNDS} SIGKILLs at random moments`, async () => {
  const expected = new Map<number, Uint8Array>()
  let duplicateAcks = 0
  let previousLastSeq = 0
  let truncations = 0
  for (let round = 0; round < ROUNDS; round++) {
    // Deterministic pseudo-random kill times between 5 and 120 ms after the log opened.
    const runMs = 5 + ((round * 7919) % 116)
    for (const line of await runAndKill(round, runMs)) {
      const [firstSeq, lastSeq, r, a, first, size] = line.split(' ').map(Number) as number[] as [
        number,
        number,
        number,
        number,
        number,
        number,
      ]
      for (let seq = firstSeq; seq <= lastSeq; seq++) {
        if (expected.has(seq)) duplicateAcks++
        expected.set(seq, crashRecord(r, a, first, size, seq - firstSeq).payload)
      }
    }
    const { log, lines } = await openTestLog(dir, { segmentBytesMax: 256 * 1024 })
    truncations += lines.filter((l) => l.message.includes('truncated')).length
    const found = new Map<number, Uint8Array>()
    const batches = new Map<string, number>()
    let outOfOrder = 0
    let last = 0
    for await (const record of log.read({ order: 'asc' })) {
      if (record.seq <= last) outOfOrder++
      last = record.seq
      found.set(record.seq, record.payload)
      const f = JSON.parse(new TextDecoder().decode(record.payload)) as Found
      const key = `${f.round}/${f.a}/${f.first}/${f.size}`
      batches.set(key, (batches.get(key) ?? 0) + 1)
    }
    expect(duplicateAcks).toBe(0)
    expect(outOfOrder).toBe(0)
    const lost = [...expected].filter(
      ([seq, payload]) => !Buffer.from(payload).equals(found.get(seq) ?? Buffer.alloc(0)),
    )
    expect(lost.map(([seq]) => seq)).toEqual([])
    // Atomic batches: whatever was stored, acknowledged or not, came back whole.
    const partial = [...batches].filter(([key, count]) => Number(key.split('/')[3]) !== count)
    expect(partial).toEqual([])
    // Seqs never go backwards across restarts.
    expect(log.stats().lastSeq).toBeGreaterThanOrEqual(previousLastSeq)
    expect(log.stats().corruptRegions).toBe(0)
    previousLastSeq = log.stats().lastSeq
    await log.close()
  }
  expect(expected.size).toBeGreaterThan(ROUNDS * 10)
  console.log(
    `crash test: ${expected.size} acknowledged records checked, ${truncations} torn tails truncated`,
  )
}, 60_000)
