/**
 * Panther's rule for editing a schema that may already have classified events: an edit may add fields
 * (at any depth) and change descriptions; it may not remove, rename or retype a field, nor change how an
 * existing field is read (required, time formats, event time, indicators, validation), since events
 * stored under the old version would then disagree with the schema that claims them. The parser block,
 * the schema's own description and field discovery may change: they decide which events match, not the
 * shape of what was stored.
 */
import type { ElementSpec, FieldSpec, SchemaSpec } from './model.ts'
import { SchemaSpecError } from './spec.ts'

/** Throws a SchemaSpecError naming the first field of `before` that `after` removes or changes. */
export function checkEvolution(before: SchemaSpec, after: SchemaSpec): void {
  compareFields(before.fields, after.fields, 'fields')
}

function compareFields(before: FieldSpec[], after: FieldSpec[], path: string): void {
  const byName = new Map(after.map((field, index) => [field.name, { field, index }]))
  for (const old of before) {
    const found = byName.get(old.name)
    if (!found) throw new SchemaSpecError(path, `field '${old.name}' may not be removed or renamed`)
    const at = `${path}[${found.index}]`
    if (Boolean(old.required) !== Boolean(found.field.required)) {
      throw new SchemaSpecError(`${at}.required`, `field '${old.name}': required may not change`)
    }
    compareType(old, found.field, at, old.name)
  }
}

/** The keys of a field that fix how its stored values were read; comparing them as JSON is exact enough. */
const FIXED_KEYS = ['timeFormats', 'isEventTime', 'indicators', 'validate', 'isEmbeddedJSON'] as const

function compareType(before: ElementSpec, after: ElementSpec, at: string, name: string): void {
  if (before.type !== after.type) {
    throw new SchemaSpecError(
      `${at}.type`,
      `field '${name}' may not change type (${before.type} → ${after.type})`,
    )
  }
  for (const key of FIXED_KEYS) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      throw new SchemaSpecError(`${at}.${key}`, `field '${name}': ${key} may not change`)
    }
  }
  if (before.element && after.element) compareType(before.element, after.element, `${at}.element`, name)
  if (before.fields && after.fields) compareFields(before.fields, after.fields, `${at}.fields`)
}
