/**
 * Loads the configuration from, in rising order of precedence: the schema's defaults, a TOML file,
 * `INLET_*` environment variables and command-line flags. Every problem found is collected, so a bad
 * configuration fails at start with the whole list rather than one error per attempt.
 */
import { existsSync, readFileSync } from 'node:fs'
import { Kind, type TObject, type TSchema } from '@sinclair/typebox'
import { ValueErrorType } from '@sinclair/typebox/errors'
import { Value } from '@sinclair/typebox/value'
import { parse as parseToml, TomlError } from 'smol-toml'
import { type Config, ConfigSchema } from './schema.ts'
import { checkServing } from './serving.ts'

const DEFAULT_CONFIG_FILE = 'config/inlet.toml'
/** Environment variables that are not config keys: read by the CLI itself, and never from a file. */
const ENV_NOT_CONFIG = new Set(['INLET_API_KEY', 'INLET_SERVER'])

/** A leaf setting of the schema: its dotted path (`log.fsync`) and the schema that types it. */
export interface ConfigKey {
  path: string[]
  schema: TSchema
  envName: string
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

export function configKeys(schema: TObject = ConfigSchema, prefix: string[] = []): ConfigKey[] {
  return Object.entries(schema.properties).flatMap(([name, child]) => {
    const path = [...prefix, name]
    if (child[Kind] === 'Object') return configKeys(child as TObject, path)
    return [{ path, schema: child, envName: `INLET_${path.join('_').toUpperCase()}` }]
  })
}

export interface LoadSources {
  /** `--config FILE`; when absent, `config/inlet.toml` is read if it exists. */
  file?: string
  env?: Record<string, string | undefined>
  /** Flags already mapped to config paths, e.g. `{ 'data_dir': './x', 'allow_plain_http': true }`. */
  flags?: Record<string, string | boolean>
}

export function loadConfig(sources: LoadSources = {}): { config: Config; file: string | null } {
  const problems: string[] = []
  const keys = configKeys()
  const raw: Record<string, unknown> = {}
  /** Where each setting given came from, so a problem names the variable or flag to fix. */
  const origins = new Map<string, string>()

  const file = sources.file ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null)
  if (file !== null) {
    Object.assign(raw, readTomlFile(file, problems))
    for (const key of keys) origins.set(key.path.join('.'), file)
  }

  const env = sources.env ?? {}
  const byEnvName = new Map(keys.map((key) => [key.envName, key]))
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('INLET_') || value === undefined || ENV_NOT_CONFIG.has(name)) continue
    const key = byEnvName.get(name)
    if (!key) {
      problems.push(`${name}: not a setting (known: ${[...byEnvName.keys()].join(', ')})`)
      continue
    }
    setPath(raw, key.path, convertText(value, key.schema, name, problems))
    origins.set(key.path.join('.'), name)
  }

  const byPath = new Map(keys.map((key) => [key.path.join('.'), key]))
  for (const [path, value] of Object.entries(sources.flags ?? {})) {
    const key = byPath.get(path)
    if (!key) throw new Error(`flag for unknown config key ${path}`)
    const flagName = `--${path.replaceAll('_', '-')}`
    setPath(
      raw,
      key.path,
      typeof value === 'string' ? convertText(value, key.schema, flagName, problems) : value,
    )
    origins.set(path, flagName)
  }

  const withDefaults = Value.Default(ConfigSchema, raw)
  for (const error of Value.Errors(ConfigSchema, withDefaults)) {
    const where = error.path.replace(/^\//, '').replaceAll('/', '.') || '(top level)'
    const choices = (error.schema.anyOf as { const?: unknown }[] | undefined)?.map((option) => option.const)
    const what =
      error.type === ValueErrorType.ObjectAdditionalProperties
        ? 'unknown setting'
        : choices?.every((choice) => typeof choice === 'string')
          ? `must be one of ${choices.join(', ')}`
          : error.message.toLowerCase()
    const origin = origins.get(where) ?? file ?? undefined
    const got = where === '(top level)' ? '' : ` (got ${JSON.stringify(valueAt(withDefaults, error.path))})`
    problems.push(`${where}${origin ? ` from ${origin}` : ''}: ${what}${got}`)
  }
  problems.push(...servingProblems(withDefaults as Config, problems))
  if (problems.length > 0) throw new ConfigError(problems)
  return { config: withDefaults as Config, file }
}

function readTomlFile(file: string, problems: string[]): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    problems.push(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
    return {}
  }
  try {
    return parseToml(text) as Record<string, unknown>
  } catch (error) {
    const where = error instanceof TomlError ? `:${error.line}:${error.column}` : ''
    problems.push(`${file}${where}: not valid TOML: ${(error as Error).message.split('\n')[0]}`)
    return {}
  }
}

/** Environment variables and flags are text; the schema says what each must become. */
function convertText(text: string, schema: TSchema, origin: string, problems: string[]): unknown {
  switch (schema[Kind]) {
    case 'Integer':
    case 'Number': {
      const number = text.trim() === '' ? Number.NaN : Number(text)
      if (Number.isFinite(number)) return number
      problems.push(`${origin}: expected a number, got ${JSON.stringify(text)}`)
      return undefined
    }
    case 'Boolean': {
      const normal = text.trim().toLowerCase()
      if (['true', '1', 'yes', 'on'].includes(normal)) return true
      if (['false', '0', 'no', 'off'].includes(normal)) return false
      problems.push(`${origin}: expected true or false, got ${JSON.stringify(text)}`)
      return undefined
    }
    case 'Array':
      return text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
    default:
      return text
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown) {
  if (value === undefined) return
  let node = target
  for (const part of path.slice(0, -1)) {
    const next = node[part]
    node[part] = typeof next === 'object' && next !== null ? next : {}
    node = node[part] as Record<string, unknown>
  }
  node[path[path.length - 1]!] = value
}

function valueAt(root: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .filter(Boolean)
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], root)
}

/**
 * The cross-field rules, listed beside the schema's problems so that one start shows them all; a rule
 * about a key the schema already refused is left out (its value is not what the rule expects), and so is
 * any rule that cannot be judged on values of the wrong type.
 */
function servingProblems(config: Config, schemaProblems: readonly string[]): string[] {
  let found: string[]
  try {
    found = checkServing(config)
  } catch {
    return []
  }
  const refused = new Set(schemaProblems.map((problem) => /^[\w.[\]]+/.exec(problem)?.[0]))
  return found.filter((problem) => !refused.has(/^[\w.[\]]+/.exec(problem)?.[0]))
}
