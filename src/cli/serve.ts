/**
 * `inlet serve`: load the configuration, open the stores, build the app, listen, and on SIGTERM or
 * SIGINT drain in-flight requests before exiting 0.
 */
import { readFileSync } from 'node:fs'
import { hostname as machineName } from 'node:os'
import { createApp } from '../app.ts'
import { loadConfig } from '../config/load.ts'
import type { Config } from '../config/schema.ts'
import { type ListenAddress, parseListen } from '../config/serving.ts'
import { createLogger } from '../logger.ts'
import { openRegistry } from '../registry/index.ts'
import { serve } from '../runtime/serve.ts'
import { VERSION } from '../version.ts'

/** Bun's own ceiling on any request body; each feature enforces its own smaller limit first. */
const SERVER_BODY_BYTES_MAX = 128 * 1024 * 1024

export interface ServeArgs {
  configFile: string | undefined
  flags: Record<string, string | boolean>
  env: Record<string, string | undefined>
  out: (line: string) => void
}

export async function runServe(args: ServeArgs): Promise<{ stopped: Promise<void> }> {
  const { config } = loadConfig({ file: args.configFile, env: args.env, flags: args.flags })
  const logger = createLogger({ level: config.log_level, format: config.log_format })
  const tls = readTls(config)
  const listen = parseListen(config.listen) as ListenAddress
  const registry = await openRegistry({ dataDir: config.data_dir, envApiKey: args.env.INLET_API_KEY, logger })

  let baseUrl = ''
  const app = createApp({ config, registry, logger, publicUrl: () => baseUrl })
  let server: ReturnType<typeof serve>
  try {
    server = serve(app, {
      hostname: listen.hostname,
      port: listen.port,
      tls,
      maxRequestBodySize: SERVER_BODY_BYTES_MAX,
    })
  } catch (error) {
    registry.close()
    const code = (error as NodeJS.ErrnoException).code
    throw new Error(
      `cannot listen on ${config.listen}: ${code === 'EADDRINUSE' ? 'the address is already in use' : String(error)}`,
    )
  }
  const scheme = tls ? 'https' : 'http'
  const listenUrl = `${scheme}://${urlHost(listen.hostname)}:${server.port}`
  baseUrl =
    config.public_url.replace(/\/+$/, '') ||
    `${scheme}://${urlHost(displayHost(listen.hostname))}:${server.port}`

  args.out(`inlet ${VERSION} listening on ${listenUrl}`)
  if (registry.apiKey.generated) {
    args.out(`admin API key (shown once; kept in ${config.data_dir}/api-key): ${registry.apiKey.generated}`)
  }

  const stopped = new Promise<void>((resolve) => {
    let stopping = false
    const shutdown = async (signal: string) => {
      if (stopping) return
      stopping = true
      logger.info('draining in-flight requests', { signal, graceMs: config.shutdown_grace_ms })
      await server.stop(config.shutdown_grace_ms)
      registry.close()
      logger.info('stopped')
      resolve()
    }
    process.once('SIGTERM', () => void shutdown('SIGTERM'))
    process.once('SIGINT', () => void shutdown('SIGINT'))
  })
  return { stopped }
}

function readTls(config: Config): { cert: string; key: string } | undefined {
  if (config.tls_cert === '') return undefined
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8')
    } catch (error) {
      throw new Error(`${what} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`)
    }
  }
  return { cert: read(config.tls_cert, 'tls_cert'), key: read(config.tls_key, 'tls_key') }
}

/** A wildcard bind address is no address to show senders; the machine's name is a better guess. */
const displayHost = (host: string) => (host === '0.0.0.0' || host === '::' ? machineName() : host)
const urlHost = (host: string) => (host.includes(':') ? `[${host}]` : host)
