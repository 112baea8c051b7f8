/**
 * `inlet schema`: list, show, create, edit and delete against a running server; specs from a file and
 * from stdin, show's output given back to edit, and the server's refusals printed as its message.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../../src/cli/flags.ts'
import { runSchema, withoutHeader } from '../../src/cli/schema.ts'
import { type RunningInlet, runCli, startInlet } from '../e2e/server.ts'
import { tempDir } from '../helpers.ts'

const API_KEY = 'cli-schema-api-key-0001'

const LOGIN = `description: Logins of the app
fields:
  - name: user
    type: string
    required: true
  - name: at
    type: timestamp
    timeFormats: [rfc3339]
    isEventTime: true
`

describe('inlet schema against the server', () => {
  let inlet: RunningInlet
  const dir = tempDir('inlet-cli-schema-')
  const env = () => ({ INLET_API_KEY: API_KEY, INLET_SERVER: inlet.url })
  const cli = (...args: string[]) => runCli(['schema', ...args], env())
  const file = (name: string, text: string) => {
    const path = join(dir.path, name)
    writeFileSync(path, text)
    return path
  }
  /** Runs the command with `stdin` piped in, as `--file -` reads it. */
  const cliWithStdin = (stdin: string, ...args: string[]) => runCli(['schema', ...args], env(), stdin)

  beforeAll(async () => {
    inlet = await startInlet({ env: { INLET_API_KEY: API_KEY } })
  })
  afterAll(async () => {
    if (inlet.process.exitCode === null) await inlet.stop()
    dir[Symbol.dispose]()
  })

  test('create from a file, list as a table and as JSON, show the spec under its header', async () => {
    expect(await cli('list')).toEqual({ code: 0, stdout: 'no schemas\n', stderr: '' })
    const created = await cli('create', '--name', 'Custom.Login', '--file', file('login.yaml', LOGIN))
    expect(created).toEqual({ code: 0, stdout: 'created Custom.Login (revision 1)\n', stderr: '' })
    const other = await cli(
      'create',
      '--name',
      'Custom.Other',
      '--file',
      file('other.yaml', 'fields:\n  - {name: n, type: int}\n'),
      '--description',
      'Other events',
      '--json',
    )
    expect(other.code).toBe(0)
    const otherJson = JSON.parse(other.stdout)
    expect(otherJson).toMatchObject({ name: 'Custom.Other', revision: 1, description: 'Other events' })

    const list = await cli('list')
    expect(list.stderr).toBe('')
    const [header, ...rows] = list.stdout.trimEnd().split('\n')
    expect(header).toMatch(/^NAME +REVISION +UPDATED +DESCRIPTION$/)
    expect(rows.map((row) => row.split(/ {2,}/))).toEqual([
      ['Custom.Login', '1', expect.stringMatching(/^\d{4}-\d\d-\d\dT/), 'Logins of the app'],
      ['Custom.Other', '1', otherJson.updatedAt, 'Other events'],
    ])
    const listJson = JSON.parse((await cli('list', '--json')).stdout)
    expect(listJson.results.map((schema: { name: string }) => schema.name)).toEqual([
      'Custom.Login',
      'Custom.Other',
    ])

    const shown = await cli('show', 'Custom.Login')
    expect(shown.code).toBe(0)
    const updatedAt = listJson.results[0].updatedAt
    expect(shown.stdout).toBe(
      `# name: Custom.Login\n# revision: 1\n# updated: ${updatedAt}\n# description: Logins of the app\n\n${LOGIN}`,
    )
    const shownJson = JSON.parse((await cli('show', 'Custom.Login', '--json')).stdout)
    expect(shownJson).toMatchObject({ name: 'Custom.Login', revision: 1, spec: LOGIN })
  })

  test('edit takes show output back (its header left out), and a spec from stdin', async () => {
    const shown = (await cli('show', 'Custom.Login')).stdout
    const added = `${shown}  - name: ip\n    type: string\n    indicators: [ip]\n`
    const edited = await cli('edit', 'Custom.Login', '--file', file('edit.yaml', added))
    expect(edited).toEqual({ code: 0, stdout: 'updated Custom.Login (revision 2)\n', stderr: '' })
    const stored = JSON.parse((await cli('show', 'Custom.Login', '--json')).stdout)
    expect(stored.spec).toBe(`${LOGIN}  - name: ip\n    type: string\n    indicators: [ip]\n`)
    expect(stored.description).toBe('Logins of the app')

    // The description set with --description is kept by an edit that does not name one.
    const piped = await cliWithStdin(
      'fields:\n  - {name: n, type: int}\n  - {name: m, type: string}\n',
      'edit',
      'Custom.Other',
      '--file',
      '-',
      '--json',
    )
    expect(piped.stderr).toBe('')
    expect(JSON.parse(piped.stdout)).toMatchObject({ revision: 2, description: 'Other events' })
    const renamed = await cli(
      'edit',
      'Custom.Other',
      '-f',
      file('o.yaml', 'fields:\n  - {name: n, type: int}\n  - {name: m, type: string}\n'),
      '--description',
      'Renamed',
      '--json',
    )
    expect(JSON.parse(renamed.stdout)).toMatchObject({ revision: 3, description: 'Renamed' })

    const created = await cliWithStdin(
      'fields:\n  - {name: x, type: string}\n',
      'create',
      '--name',
      'Custom.Piped',
      '-f',
      '-',
    )
    expect(created).toEqual({ code: 0, stdout: 'created Custom.Piped (revision 1)\n', stderr: '' })
  })

  test("the server's refusals are printed as its message, exit 1", async () => {
    const bad = await cli(
      'create',
      '--name',
      'Custom.Bad',
      '--file',
      file('bad.yaml', 'fields:\n  - name: a\n    type: strin\n'),
    )
    expect(bad.code).toBe(1)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toStartWith('inlet: POST /schemas: 400 spec: ')
    expect(bad.stderr).toContain('fields[0].type: must be one of')
    // The server names the path; the command adds the line of the file it points at.
    expect(bad.stderr).toEndWith(`(line 3 of ${join(dir.path, 'bad.yaml')})\n`)

    // A YAML error's line is the server's own, unless show's header was left out: then it is the file's.
    const shown = (await cli('show', 'Custom.Login')).stdout
    expect(shown.split('\n').slice(0, 5).at(-1)).toBe('')
    const broken = await cliWithStdin(`${shown}  - name: x\n type: [\n`, 'edit', 'Custom.Login', '-f', '-')
    expect(broken.code).toBe(1)
    expect(broken.stderr).toStartWith('inlet: PUT /schemas/Custom.Login: 400 spec: invalid YAML: ')
    const fileLines = `${shown}  - name: x\n type: [\n`.split('\n')
    const serverLine = Number(/at line (\d+)/.exec(broken.stderr)?.[1])
    expect(broken.stderr).toEndWith(`(line ${serverLine + 5} of stdin)\n`)
    expect(fileLines[serverLine + 5 - 1]).toBe(' type: [')
    const plain = await cli(
      'create',
      '--name',
      'Custom.Y',
      '-f',
      file('y.yaml', 'fields:\n  - name: a\n  type: [\n'),
    )
    expect(plain.stderr).toMatch(/at line 3, column \d+:?\n$/)

    const retyped = await cli(
      'edit',
      'Custom.Piped',
      '--file',
      file('re.yaml', 'fields:\n  - {name: x, type: int}\n'),
    )
    expect(retyped.code).toBe(1)
    expect(retyped.stderr).toStartWith('inlet: PUT /schemas/Custom.Piped: 400 ')

    const missing = await cli('show', 'Custom.Nope')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toStartWith('inlet: GET /schemas/Custom.Nope: 404 ')

    const duplicate = await cli(
      'create',
      '--name',
      'Custom.Piped',
      '--file',
      file('dup.yaml', 'fields:\n  - {name: x, type: string}\n'),
    )
    expect(duplicate.code).toBe(1)
    expect(duplicate.stderr).toContain('409')
  })

  test('delete removes a schema no source names; one a source names is refused with its name', async () => {
    expect(await cli('delete', 'Custom.Piped')).toEqual({
      code: 0,
      stdout: 'deleted Custom.Piped\n',
      stderr: '',
    })
    expect((await cli('show', 'Custom.Piped')).code).toBe(1)
    const source = await runCli(
      ['source', 'create', '--label', 'app', '--auth', 'None', '--log-type', 'Custom.Login'],
      env(),
    )
    expect(source.code).toBe(0)
    const refused = await cli('delete', 'Custom.Login')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toStartWith('inlet: DELETE /schemas/Custom.Login: 409 ')
    expect(refused.stderr).toContain('app')
    const deleted = await cli('delete', 'Custom.Other', '--json')
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: 'Custom.Other' })
  })

  test('usage errors exit 2 before anything is sent', async () => {
    for (const [args, message] of [
      [['create', '--file', 'x.yaml'], '--name is required'],
      [['create', '--name', 'Custom.X'], '--file is required'],
      [['create', 'Custom.X', '--file', 'x.yaml'], 'name the schema with --name'],
      [['show'], "give the schema's name"],
      [['edit', 'Custom.X'], '--file is required'],
      [['edit', 'Custom.X', '--file', join(dir.path, 'absent.yaml')], 'cannot read'],
      [['frobnicate'], 'unknown command "frobnicate"'],
      [['list', '--color'], "'--color'"],
    ] as [string[], string][]) {
      const result = await cli(...args)
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(message)
    }
    const help = await cli('--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: inlet schema <command>')
    expect((await runCli(['--help'])).stdout).toContain('inlet schema <command>')
  })
})

describe('in process', () => {
  test('show output loses its header only when it names the schema edited', () => {
    const shown =
      '# name: Custom.A\n# revision: 3\n# updated: 2026-05-01T00:00:00.000Z\n# description: d\n\nfields: []\n'
    expect(withoutHeader(shown, 'Custom.A')).toBe('fields: []\n')
    expect(withoutHeader(shown, 'Custom.B')).toBe(shown)
    expect(withoutHeader('# my notes\nfields: []\n', 'Custom.A')).toBe('# my notes\nfields: []\n')
  })

  test('the spec comes from readSpec, stdin as -; a file that cannot be read is a usage error', async () => {
    const calls: string[] = []
    const failed = runSchema(
      ['create', '--name', 'Custom.A', '-f', '-'],
      { INLET_API_KEY: 'k'.repeat(20), INLET_SERVER: 'http://127.0.0.1:9' },
      () => {},
      (file) => {
        calls.push(file)
        throw new Error('no stdin')
      },
    )
    await expect(failed).rejects.toThrow(UsageError)
    await expect(failed).rejects.toThrow('cannot read stdin: no stdin')
    expect(calls).toEqual(['-'])
  })
})
