/**
 * Times as people ask for them: `now`, or a time ago (`-30s`, `-15m`, `-1h`, `-2d`, `-1w`). The API's
 * `from` and `to` and the CLI's `--from` and `--to` read them alike, so a range written for one works in
 * the other.
 */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const RELATIVE = /^-(\d{1,9})([smhdw])$/

/** The instant `text` names relative to `nowMs`, or null when it is not `now` or a time ago. */
export function relativeTimeMs(text: string, nowMs: number): number | null {
  if (text === 'now') return nowMs
  const relative = RELATIVE.exec(text)
  return relative ? nowMs - Number(relative[1]) * UNIT_MS[relative[2]!]! : null
}
