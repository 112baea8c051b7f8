/**
 * The error catalogue is the one list of codes: every code the code base raises is in it (the type
 * system sees to that), every code in it is raised somewhere, and the reference (docs/reference.md) and
 * the OpenAPI document show it as it is.
 */
import { expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ERROR_CATALOGUE, errorTable } from '../src/errors.ts'
import { testApp } from './helpers.ts'

const sourceText = (dir: string): string =>
  readdirSync(dir, { withFileTypes: true })
    .map((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return sourceText(path)
      if (!path.endsWith('.ts')) return ''
      // The catalogue itself does not count as raising its codes.
      return readFileSync(path, 'utf8').replace(/export const ERROR_CATALOGUE = \{[\s\S]*?\} as const/, '')
    })
    .join('\n')

test("the reference's table of error codes is the catalogue's", () => {
  const reference = readFileSync('docs/reference.md', 'utf8')
  // On a mismatch, the expected table is printed: paste it into the reference's "Error codes" section.
  expect(reference.includes(errorTable()) ? 'in step' : errorTable()).toBe('in step')
})

test('every code of the catalogue is raised somewhere', () => {
  const source = sourceText('src')
  const unused = Object.keys(ERROR_CATALOGUE).filter((code) => !source.includes(`'${code}'`))
  expect(unused).toEqual([])
})

test('the OpenAPI document lists every code with its status', async () => {
  const t = await testApp()
  try {
    const document = (await (await t.call('GET', '/openapi/json', { key: null })).json()) as {
      components: { schemas: Record<string, { anyOf: { const: string }[]; 'x-error-catalogue': unknown }> }
    }
    const { ErrorCode } = document.components.schemas
    expect(ErrorCode?.anyOf.map((option) => option.const)).toEqual(Object.keys(ERROR_CATALOGUE))
    expect(ErrorCode?.['x-error-catalogue']).toEqual(
      Object.entries(ERROR_CATALOGUE).map(([code, entry]) => ({ code, ...entry })),
    )
  } finally {
    await t.close()
  }
})
