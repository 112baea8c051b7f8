/**
 * Flag parsing for every command, on node:util's parseArgs in strict mode so that an unknown or
 * malformed flag is an error that names it, never silently ignored.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { Kind } from '@sinclair/typebox'
import { configKeys } from '../config/load.ts'

export class UsageError extends Error {
  override name = 'UsageError'
}

type Options = NonNullable<ParseArgsConfig['options']>

export function parseFlags(argv: string[], options: Options, command: string) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true })
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '')
    throw new UsageError(`inlet ${command}: ${message} (see inlet ${command} --help)`)
  }
}

/** `serve` flags come from the config schema's top-level settings: `data_dir` is `--data-dir`. */
export function serveFlagSpecs() {
  return configKeys()
    .filter((key) => key.path.length === 1)
    .map((key) => ({
      name: key.path[0]!.replaceAll('_', '-'),
      configPath: key.path[0]!,
      boolean: key.schema[Kind] === 'Boolean',
      description: String(key.schema.description ?? ''),
      defaultValue: key.schema.default as unknown,
    }))
}
