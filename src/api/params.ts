/**
 * Query parameters that are numbers. A query string is text, and the schema validator's coercion of it
 * lost the parameter's name on a value out of range ("request property: Expected integer ..."); read
 * here, every refusal names the parameter and its range.
 */
import { t } from 'elysia'
import { badRequest } from '../errors.ts'

/** The schema of an optional whole-number parameter: text the validator leaves to `integerParam`. */
export const integerQuery = (min: number, max: number, description: string) =>
  t.Optional(t.String({ maxLength: 16, description: `${description} From ${min} to ${max}.` }))

/** The value of an optional whole-number parameter, or `fallback` when it is absent. */
export function integerParam(
  name: string,
  text: string | undefined,
  range: { min: number; max: number; fallback: number },
): number {
  if (text === undefined) return range.fallback
  const value = /^[0-9]{1,16}$/.test(text) ? Number(text) : Number.NaN
  if (!(value >= range.min && value <= range.max)) {
    throw badRequest(`${name}: must be a whole number from ${range.min} to ${range.max}`, name)
  }
  return value
}
