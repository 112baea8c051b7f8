/** House rules that a reviewer would otherwise have to check by eye (docs/architecture.md, "Decisions"). */
import { expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return path.endsWith('.ts') ? [path] : []
  })

test('Bun-only APIs appear only in src/runtime/, so the rest runs on Deno too', () => {
  const offenders = sourceFiles('src')
    .filter((file) => !file.startsWith(join('src', 'runtime')))
    .filter((file) => /\bBun\.|from ['"]bun(:[a-z]+)?['"]|import\(['"]bun:/.test(readFileSync(file, 'utf8')))
  expect(offenders).toEqual([])
})

test('no onParse hooks: body parsing is chosen per route, so the ingest route\'s parse: "none" holds', () => {
  const offenders = sourceFiles('src').filter((file) => /\.onParse\(/.test(readFileSync(file, 'utf8')))
  expect(offenders).toEqual([])
})

test('every Elysia instance is named', () => {
  const unnamed = sourceFiles('src').flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/new Elysia\(([^)]*)\)/g)]
      .filter((match) => !/name:/.test(match[1] ?? ''))
      .map(() => file),
  )
  expect(unnamed).toEqual([])
})
