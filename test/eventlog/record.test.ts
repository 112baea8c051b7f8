import { describe, expect, test } from 'bun:test'
import { crc32c } from '../../src/eventlog/crc32c.ts'
import {
  encodeRecord,
  RECORD_HEADER_BYTES,
  type RecordVisitor,
  recordBuffer,
  type ScanResult,
  scanRecords,
} from '../../src/eventlog/record.ts'

const bytesOf = (text: string) => new TextEncoder().encode(text)

describe('crc32c', () => {
  // Test vectors from RFC 3720, appendix B.4, and the customary check value of "123456789".
  test('matches the published CRC-32C vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c)
    expect(crc32c(bytesOf('123456789'))).toBe(0xe3069283)
  })

  test('agrees with a bit-at-a-time reference at every alignment and length', () => {
    const reference = (bytes: Uint8Array) => {
      let crc = ~0
      for (const byte of bytes) {
        crc ^= byte
        for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
      }
      return ~crc >>> 0
    }
    const pool = new Uint8Array(300).map((_, i) => (i * 167 + 13) & 0xff)
    for (let offset = 0; offset < 8; offset++) {
      const bytes = pool.subarray(offset)
      for (let start = 0; start < 8; start++) {
        for (let end = start; end < start + 70; end++) {
          expect(crc32c(bytes, start, end)).toBe(reference(bytes.subarray(start, end)))
        }
      }
    }
  })

  test('continues across split input and honours start and end', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff)
    const whole = crc32c(data)
    for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
      expect(crc32c(data, cut, data.length, crc32c(data, 0, cut))).toBe(whole)
    }
    const padded = new Uint8Array(1010)
    padded.set(data, 5)
    expect(crc32c(padded, 5, 1005)).toBe(whole)
  })
})

function encode(records: { seq: number; text: string; continues?: boolean }[]): Uint8Array {
  const size = records.reduce((sum, r) => sum + RECORD_HEADER_BYTES + bytesOf(r.text).length, 0)
  const out = new Uint8Array(size)
  const buffer = recordBuffer(out)
  let at = 0
  for (const r of records) at = encodeRecord(buffer, at, r.seq, bytesOf(r.text), r.continues ?? false)
  return out
}

function scan(bytes: Uint8Array, prevSeq = 0) {
  const seqs: number[] = []
  const ends: boolean[] = []
  const corrupt: [number, number][] = []
  const visitor: RecordVisitor = {
    record(seq, _start, _payloadStart, _payloadEnd, batchEnds) {
      seqs.push(seq)
      ends.push(batchEnds)
    },
    corrupt: (start, end) => corrupt.push([start, end]),
  }
  const result: ScanResult = scanRecords(bytes, 0, bytes.length, prevSeq, visitor)
  return { seqs, ends, corrupt, result }
}

describe('record format', () => {
  test('lays out len, crc, seq and payload little-endian as the header comment specifies', () => {
    const seq = 2 ** 40 + 5
    const bytes = encode([{ seq, text: 'hello', continues: true }])
    const view = new DataView(bytes.buffer)
    expect(bytes.length).toBe(16 + 5)
    expect(view.getUint32(0, true)).toBe((5 | 0x80000000) >>> 0)
    expect(view.getUint32(8, true)).toBe(5)
    expect(view.getUint32(12, true)).toBe(2 ** 8)
    expect(view.getUint32(4, true)).toBe(crc32c(bytes, 8, 21))
    expect(new TextDecoder().decode(bytes.subarray(16))).toBe('hello')
  })

  test('scans records and the batch boundaries they carry', () => {
    const bytes = encode([
      { seq: 1, text: 'a', continues: true },
      { seq: 2, text: 'bb' },
      { seq: 3, text: '' },
    ])
    const { seqs, ends, corrupt, result } = scan(bytes)
    expect(seqs).toEqual([1, 2, 3])
    expect(ends).toEqual([false, true, true])
    expect(corrupt).toEqual([])
    expect(result).toEqual({
      validEnd: bytes.length,
      validSeq: 3,
      committedEnd: bytes.length,
      committedSeq: 3,
      tailStart: bytes.length,
    })
  })

  test('a torn last record is a tail, and an unfinished batch is not committed', () => {
    const whole = encode([
      { seq: 1, text: 'one' },
      { seq: 2, text: 'two', continues: true },
      { seq: 3, text: 'three' },
    ])
    const torn = whole.subarray(0, whole.length - 2)
    const { seqs, result } = scan(torn)
    expect(seqs).toEqual([1, 2])
    expect(result.committedEnd).toBe(19)
    expect(result.committedSeq).toBe(1)
    expect(result.validEnd).toBe(38)
    expect(result.tailStart).toBe(38)
  })

  test('a flipped bit in the middle is skipped and the scan resynchronises on the next record', () => {
    const bytes = encode([
      { seq: 1, text: 'first' },
      { seq: 2, text: 'second' },
      { seq: 3, text: 'third' },
    ])
    bytes[21 + 16 + 2]! ^= 0x10
    const { seqs, corrupt, result } = scan(bytes)
    expect(seqs).toEqual([1, 3])
    expect(corrupt).toEqual([[21, 43]])
    expect(result.tailStart).toBe(bytes.length)
  })

  test('a damaged length does not derail the scan', () => {
    const bytes = encode([
      { seq: 1, text: 'first' },
      { seq: 2, text: 'second' },
      { seq: 3, text: 'third' },
    ])
    new DataView(bytes.buffer).setUint32(21, 60_000_000, true)
    expect(scan(bytes).seqs).toEqual([1, 3])
  })

  test('a valid record whose seq does not increase is treated as corruption', () => {
    const bytes = encode([
      { seq: 5, text: 'a' },
      { seq: 5, text: 'b' },
    ])
    const { seqs, result } = scan(bytes)
    expect(seqs).toEqual([5])
    expect(result.tailStart).toBe(17)
    expect(scan(encode([{ seq: 5, text: 'a' }]), 5).seqs).toEqual([])
  })

  test('zeros and random bytes yield no records', () => {
    expect(scan(new Uint8Array(4096)).seqs).toEqual([])
    let state = 12345
    const noise = Uint8Array.from({ length: 65536 }, () => {
      state = (state * 1103515245 + 12345) >>> 0
      return state >>> 24
    })
    const { seqs, result } = scan(noise)
    expect(seqs).toEqual([])
    expect(result.tailStart).toBe(0)
  })
})
