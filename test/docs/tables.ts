/**
 * The tables of docs/reference.md that are made from the code, so that the code stays their one source:
 * the settings (from the config schema) and the error codes (`errorTable()` in src/errors.ts). The tests
 * check that the document holds each table exactly (test/docs/reference.test.ts, test/errors.test.ts);
 * run this file to print them (`npx bun test/docs/tables.ts`) and paste them in.
 */
import { Value } from '@sinclair/typebox/value'
import { configKeys } from '../../src/config/load.ts'
import { ConfigSchema } from '../../src/config/schema.ts'
import { errorTable } from '../../src/errors.ts'
import { markdownTable } from './blocks.ts'

const code = (text: string) => `\`${text}\``

/** The sections of the settings, in the schema's order: '' for the top-level keys. */
export function configSections(): string[] {
  return [...new Set(configKeys().map((key) => (key.path.length === 1 ? '' : key.path[0]!)))]
}

/**
 * One section's settings as a table: each key with its environment variable, its default as the TOML file
 * writes it, and its meaning; the top-level keys also with their `inlet serve` flag.
 */
export function configTable(section: string): string {
  const defaults = Value.Default(ConfigSchema, {}) as Record<string, unknown>
  const keys = configKeys().filter((key) =>
    section === '' ? key.path.length === 1 : key.path.length === 2 && key.path[0] === section,
  )
  const rows = keys.map((key) => {
    const value = key.path.reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], defaults)
    const name = key.path[key.path.length - 1]!
    const cells = [
      code(name),
      code(key.envName),
      code(JSON.stringify(value)),
      // `<token>` would read as an HTML tag in the rendered page.
      String(key.schema.description ?? '').replaceAll('<', '&lt;'),
    ]
    return section === '' ? [cells[0]!, code(`--${name.replaceAll('_', '-')}`), ...cells.slice(1)] : cells
  })
  const header =
    section === ''
      ? ['key', 'flag', 'environment variable', 'default', 'meaning']
      : ['key', 'environment variable', 'default', 'meaning']
  return markdownTable([header, ...rows])
}

if (import.meta.main) {
  for (const section of configSections()) {
    console.log(`${section === '' ? 'top level' : `[${section}]`}\n\n${configTable(section)}\n`)
  }
  console.log(`error codes\n\n${errorTable()}`)
}
