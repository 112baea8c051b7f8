#!/usr/bin/env bun
import { parseFlags, serveFlagSpecs, UsageError } from './cli/flags.ts'
import { MAIN_HELP, serveHelp } from './cli/help.ts'
import { runSchema } from './cli/schema.ts'
import { runSearch } from './cli/search.ts'
import { runServe } from './cli/serve.ts'
import { runSource } from './cli/source.ts'
/**
 * The `inlet` command: `serve` runs the appliance; `source` and `schema` manage sources and log schemas
 * on a running one, and `search` reads the events it stored.
 */
import { ConfigError } from './config/load.ts'
import { VERSION } from './version.ts'

/**
 * Settles once stdout has taken everything written. A pipe takes large output in pieces, and exiting
 * before it has all of it would cut a long search's output short.
 */
let stdoutDrained: Promise<void> = Promise.resolve()
let stdoutFull = false
const out = (text: string) => {
  if (process.stdout.write(`${text}\n`) || stdoutFull) return
  // One wait at a time, its listeners removed once it ends: a long `search --all` writes many pages.
  stdoutFull = true
  stdoutDrained = new Promise((resolve) => {
    const events = ['drain', 'error', 'close']
    const done = () => {
      stdoutFull = false
      for (const event of events) process.stdout.off(event, done)
      resolve()
    }
    for (const event of events) process.stdout.on(event, done)
  })
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(MAIN_HELP)
      return 0
    case '--version':
    case '-v':
    case 'version':
      out(VERSION)
      return 0
    case 'serve':
      return serveCommand(rest)
    case 'source':
      await runSource(rest, process.env, out)
      await stdoutDrained
      return 0
    case 'schema':
      await runSchema(rest, process.env, out)
      await stdoutDrained
      return 0
    case 'search':
      await runSearch(rest, process.env, out, {
        isTty: process.stdout.isTTY === true,
        columns: process.stdout.columns,
        drained: () => stdoutDrained,
      })
      await stdoutDrained
      return 0
    default:
      throw new UsageError(`inlet: unknown command ${JSON.stringify(command)} (see inlet --help)`)
  }
}

async function serveCommand(argv: string[]): Promise<number> {
  const specs = serveFlagSpecs()
  const options = Object.fromEntries([
    ['config', { type: 'string' as const }],
    ['help', { type: 'boolean' as const, short: 'h' }],
    ...specs.map((spec) => [spec.name, { type: spec.boolean ? ('boolean' as const) : ('string' as const) }]),
  ])
  const { values, positionals } = parseFlags(argv, options, 'serve')
  if (values.help) {
    out(serveHelp())
    return 0
  }
  if (positionals.length > 0)
    throw new UsageError(`inlet serve: unexpected argument ${JSON.stringify(positionals[0])}`)
  const flags: Record<string, string | boolean> = {}
  for (const spec of specs) {
    const value = values[spec.name]
    if (typeof value === 'string' || typeof value === 'boolean') flags[spec.configPath] = value
  }
  const configFile = typeof values.config === 'string' ? values.config : undefined
  const { stopped } = await runServe({ configFile, flags, env: process.env, out })
  await stopped
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`)
      process.exit(2)
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`inlet: ${error.message}\n`)
      process.exit(78) // EX_CONFIG
    }
    process.stderr.write(`inlet: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
