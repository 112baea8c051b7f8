/**
 * `inlet schema …`: log schemas on a running server (`/schemas`, docs/reference.md). A spec is
 * read from a YAML file, or from stdin with `--file -`; the server validates it, and its message (the
 * line at fault included) is what the command prints when it refuses one.
 */
import { readFileSync } from 'node:fs'
import type { LogSchema } from '../registry/model.ts'
import { parseSchemaSpec } from '../schemas/spec.ts'
import { specProblem } from '../schemas/spec-lines.ts'
import { apiClient, CLIENT_OPTIONS, textTable, type Values } from './client.ts'
import { parseFlags, UsageError } from './flags.ts'
import { SCHEMA_HELP } from './help.ts'

const OPTIONS = {
  ...CLIENT_OPTIONS,
  name: { type: 'string' },
  file: { type: 'string', short: 'f' },
  description: { type: 'string' },
} as const

/** How much of a description a `list` row shows. */
const DESCRIPTION_CHARS_MAX = 60

/** Reads the spec `--file` names; `-` is stdin. */
export type ReadSpec = (file: string) => string | Promise<string>

const readSpecFile: ReadSpec = (file) => readFileSync(file === '-' ? 0 : file, 'utf8')

export async function runSchema(
  argv: string[],
  env: Record<string, string | undefined>,
  out: (line: string) => void,
  readSpec: ReadSpec = readSpecFile,
) {
  const { values, positionals } = parseFlags(argv, OPTIONS, 'schema')
  const [command, target, ...extra] = positionals
  if (values.help || command === undefined || command === 'help') return out(SCHEMA_HELP)
  if (extra.length > 0 || (command === 'list' && target !== undefined) || (command === 'create' && target))
    throw new UsageError(
      `inlet schema ${command}: unexpected argument ${JSON.stringify(extra[0] ?? target)}` +
        (command === 'create' ? ' (name the schema with --name)' : ''),
    )
  const print = (value: unknown, text: () => string) =>
    out(values.json ? JSON.stringify(value, null, 2) : text())
  const path = (name: string) => `/schemas/${encodeURIComponent(name)}`

  switch (command) {
    case 'list': {
      const client = apiClient(values, env)
      const { results } = (await client.call('GET', '/schemas')) as { results: LogSchema[] }
      return print({ results }, () => table(results))
    }
    case 'show': {
      const name = need(target, command)
      const schema = (await apiClient(values, env).call('GET', path(name))) as LogSchema
      return print(schema, () => describe(schema))
    }
    case 'create': {
      if (values.name === undefined) throw new UsageError('inlet schema create: --name is required')
      const name = String(values.name)
      const spec = await specOf(values, command, name, readSpec)
      const body = {
        name,
        spec: spec.text,
        ...(values.description !== undefined && { description: values.description }),
      }
      const created = (await located(spec, () =>
        apiClient(values, env).call('POST', '/schemas', body),
      )) as LogSchema
      return print(created, () => `created ${created.name} (revision ${created.revision})`)
    }
    case 'edit': {
      const name = need(target, command)
      if (values.name !== undefined && values.name !== name)
        throw new UsageError('inlet schema edit: a schema cannot be renamed (--name differs from NAME)')
      const spec = await specOf(values, command, name, readSpec)
      const client = apiClient(values, env)
      const before = (await client.call('GET', path(name))) as LogSchema
      const body: Record<string, unknown> = { ...kept(before), spec: spec.text }
      if (values.description !== undefined) body.description = String(values.description)
      const updated = (await located(spec, () => client.call('PUT', path(name), body))) as LogSchema
      return print(updated, () => `updated ${updated.name} (revision ${updated.revision})`)
    }
    case 'delete': {
      const name = need(target, command)
      await apiClient(values, env).call('DELETE', path(name))
      return print({ deleted: name }, () => `deleted ${name}`)
    }
    default:
      throw new UsageError(
        `inlet schema: unknown command ${JSON.stringify(command)} (see inlet schema --help)`,
      )
  }
}

function need(target: string | undefined, command: string): string {
  if (target === undefined) throw new UsageError(`inlet schema ${command}: give the schema's name`)
  return target
}

/** A spec as read: its text as sent, where it came from, and how many header lines were left out of it. */
interface Spec {
  text: string
  file: string
  skipped: number
}

/** The spec `--file` names, without the header `show` prints, so that show, edit, edit round-trips. */
async function specOf(values: Values, command: string, name: string, readSpec: ReadSpec): Promise<Spec> {
  if (values.file === undefined)
    throw new UsageError(`inlet schema ${command}: --file is required (a YAML file, or - for stdin)`)
  const file = String(values.file)
  let text: string
  try {
    text = await readSpec(file)
  } catch (error) {
    throw new UsageError(
      `inlet schema ${command}: cannot read ${file === '-' ? 'stdin' : file}: ${(error as Error).message}`,
    )
  }
  const spec = withoutHeader(text, name)
  return { text: spec, file, skipped: text.slice(0, text.length - spec.length).split('\n').length - 1 }
}

/**
 * The server names the line of a YAML syntax error, and the path (`fields[1].type`) of anything else
 * wrong with a spec: a refusal that names a path gets the line of the file it points at, as does one
 * whose line was counted without the header that `show` wrote.
 */
async function located<T>(spec: Spec, send: () => Promise<T>): Promise<T> {
  try {
    return await send()
  } catch (error) {
    const message = (error as Error).message
    const at = message.indexOf(': 400 spec: ')
    if (at < 0) throw error
    const problem = specProblem(message.slice(at + ': 400 '.length), spec.text)
    if (problem.line === null || (problem.column !== null && spec.skipped === 0)) throw error
    const where = spec.file === '-' ? 'stdin' : spec.file
    throw new Error(`${message} (line ${problem.line + spec.skipped} of ${where})`)
  }
}

/**
 * Settings the schema has apart from its spec (a description, a reference URL, field discovery) set
 * when it was saved, which an edit keeps; those that came from the spec follow the new spec.
 */
function kept(schema: LogSchema): Record<string, unknown> {
  let own: ReturnType<typeof parseSchemaSpec> | undefined
  try {
    own = parseSchemaSpec(schema.spec)
  } catch {
    own = undefined
  }
  const body: Record<string, unknown> = {}
  if (schema.description !== undefined && schema.description !== own?.description?.trim())
    body.description = schema.description
  if (schema.referenceURL !== undefined && schema.referenceURL !== own?.referenceURL)
    body.referenceURL = schema.referenceURL
  if (schema.isFieldDiscoveryEnabled !== (own?.fieldDiscoveryEnabled ?? false))
    body.isFieldDiscoveryEnabled = schema.isFieldDiscoveryEnabled
  return body
}

/** The header `show` prints above a spec: YAML comments, so its output is still the schema's YAML. */
function header(schema: LogSchema): string[] {
  const lines = [`# name: ${schema.name}`, `# revision: ${schema.revision}`, `# updated: ${schema.updatedAt}`]
  if (schema.description !== undefined) lines.push(`# description: ${oneLine(schema.description)}`)
  if (schema.referenceURL !== undefined) lines.push(`# referenceURL: ${schema.referenceURL}`)
  return lines
}

/** `show`'s header for this schema, if the text begins with it, is dropped along with the blank line after it. */
export function withoutHeader(text: string, name: string): string {
  const match =
    /^# name: (.*)\n# revision: \d+\n# updated: .*\n(?:# (?:description|referenceURL): .*\n)*\n/.exec(text)
  return match && match[1] === name ? text.slice(match[0].length) : text
}

function describe(schema: LogSchema): string {
  return [...header(schema), '', schema.spec.replace(/\n$/, '')].join('\n')
}

/** On one line, with control characters escaped so that they cannot move the cursor or recolour the terminal. */
const oneLine = (text: string) =>
  text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\p{Cc}/gu, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)

function table(schemas: LogSchema[]): string {
  if (schemas.length === 0) return 'no schemas'
  const rows = schemas.map((schema) => {
    const description = oneLine(schema.description ?? '')
    return [
      schema.name,
      String(schema.revision),
      schema.updatedAt,
      description.length > DESCRIPTION_CHARS_MAX
        ? `${description.slice(0, DESCRIPTION_CHARS_MAX - 1)}…`
        : description || '-',
    ]
  })
  return textTable(['NAME', 'REVISION', 'UPDATED', 'DESCRIPTION'], rows)
}
