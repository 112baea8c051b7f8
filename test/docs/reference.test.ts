/**
 * docs/reference.md covers what the code offers, and the parts made from the code are as the code makes
 * them: every endpoint of the OpenAPI document, every field of a source, every setting with its
 * environment variable and default (tables.ts), every metric the server exposes with its type, and the help
 * of every command as it prints it. The table of error codes is checked by test/errors.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { MAIN_HELP, SCHEMA_HELP, SEARCH_HELP, SOURCE_HELP, serveHelp } from '../../src/cli/help.ts'
import { Source, SourceInput } from '../../src/registry/model.ts'
import { type TestApp, testApp } from '../helpers.ts'
import { readDoc } from './blocks.ts'
import { configSections, configTable } from './tables.ts'

const reference = readDoc('docs/reference.md')

/** The text of the section under `heading` (a whole heading line), up to the next heading of any level. */
function section(heading: string): string {
  const start = reference.indexOf(`\n${heading}\n`)
  if (start < 0) throw new Error(`docs/reference.md has no heading ${JSON.stringify(heading)}`)
  const rest = reference.slice(start + heading.length + 2)
  const end = rest.search(/^#{1,6} /m)
  return end < 0 ? rest : rest.slice(0, end)
}

/**
 * The first `cells` cells of each body row of the tables in `text`, each its first code span or else its
 * text: `| \`GET\` | \`/x\` | …` gives ['GET', '/x'].
 */
function rows(text: string, cells: number): string[][] {
  const lines = text.split('\n')
  const divider = (line = '') => /^\|[\s|-]+\|$/.test(line)
  return lines
    .filter((line, index) => line.startsWith('|') && !divider(line) && !divider(lines[index + 1]))
    .map((line) =>
      line
        .split('|')
        .slice(1, cells + 1)
        .map((cell) => /`([^`]+)`/.exec(cell)?.[1] ?? cell.trim()),
    )
}

describe('docs/reference.md', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await testApp()
  })
  afterAll(() => app.close())

  test('the table of endpoints lists every endpoint of the OpenAPI document, and no other', async () => {
    const document = (await (await app.call('GET', '/openapi/json', { key: null })).json()) as {
      paths: Record<string, Record<string, unknown>>
    }
    const served = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    )
    // Served but left out of the document: the document itself, its reference page and the console's page.
    const undocumented = ['GET /openapi/json', 'GET /openapi', 'GET /']
    const expected = [...served, ...undocumented]
    const listed = rows(section('## Endpoints'), 2).map(([method, path]) => `${method} ${path}`)
    // A new endpoint needs a row in the table of endpoints and a section that documents it.
    expect({
      missing: expected.filter((endpoint) => !listed.includes(endpoint)),
      unknown: listed.filter((endpoint) => !served.includes(endpoint) && !undocumented.includes(endpoint)),
    }).toEqual({ missing: [], unknown: [] })
  })

  test('the table of source fields names every field a source has or takes', () => {
    const listed = section('### Source fields')
    const fields = [...Object.keys(Source.properties), ...Object.keys(SourceInput.properties)]
    expect([...new Set(fields)].filter((field) => !listed.includes(`\`${field}`))).toEqual([])
  })

  test('the tables of settings are the config schema, key by key', () => {
    // On a mismatch, the expected table is printed: `npx bun test/docs/tables.ts` prints them all.
    for (const name of configSections()) {
      const table = configTable(name)
      expect(reference.includes(table) ? `[${name}] in step` : table).toBe(`[${name}] in step`)
    }
  })

  test('the table of metrics is what GET /metrics exposes, with each type', async () => {
    const text = await (await app.call('GET', '/metrics')).text()
    const exposed = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => `${match[1]} ${match[2]}`)
    const listed = rows(section('### Metrics'), 2).map(([name, type]) => `${name} ${type}`)
    expect(listed.toSorted()).toEqual(exposed.toSorted())
  })

  test('the help of every command is shown as it prints it', () => {
    for (const help of [MAIN_HELP, serveHelp(), SOURCE_HELP, SCHEMA_HELP, SEARCH_HELP]) {
      const block = `\`\`\`text\n${help.trimEnd()}\n\`\`\``
      expect(reference.includes(block) ? 'in step' : block).toBe('in step')
    }
  })
})
