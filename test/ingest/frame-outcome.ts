/** Framing a body as tests look at it: the events (their stored JSON as text) or the AppError. */
import { expect } from 'bun:test'
import { AppError } from '../../src/errors.ts'
import { createFramer, type FramingOptions } from '../../src/ingest/framing/index.ts'

const decoder = new TextDecoder()

export interface Seen {
  value: Record<string, unknown>
  /** The event's stored bytes as text, when it keeps the sender's. */
  json: string | null
  timeMs: number | null
}
export type Outcome = { events: Seen[] } | { error: { code: string; status: number; message: string } }

/**
 * Frames `chunks` and reports the events or the AppError, whichever happens; anything else thrown is a
 * bug and fails the test. Every event kept as bytes must be exactly one object, brace to brace.
 */
export function frameOutcome(chunks: Uint8Array[], options: FramingOptions): Outcome {
  const events: Seen[] = []
  const framer = createFramer(options, (event) => {
    if (event.json) {
      expect(event.json[0]).toBe(0x7b)
      expect(event.json[event.json.length - 1]).toBe(0x7d)
    }
    events.push({ value: event.value, json: event.json && decoder.decode(event.json), timeMs: event.timeMs })
  })
  try {
    for (const chunk of chunks) framer.push(chunk)
    framer.end()
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    return { error: { code: error.code, status: error.status, message: error.message } }
  }
  expect(framer.events).toBe(events.length)
  return { events }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
