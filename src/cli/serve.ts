/**
 * `inlet serve`: load the configuration, take the data directory, open the registry and the event
 * log, build the app, listen, and on SIGTERM or SIGINT drain in-flight requests, flush the log and exit 0.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, hostname as machineName } from 'node:os'
import { join } from 'node:path'
import { createApp, serverAppender } from '../app.ts'
import { startWorkers } from '../cluster/primary.ts'
import { loadConfig } from '../config/load.ts'
import { type Config, HOUR_MS, workersMemoryAllows } from '../config/schema.ts'
import { type ListenAddress, parseListen } from '../config/serving.ts'
import { malformedAnswer } from '../errors.ts'
import { type EventLogHealth, type EventLogOptions, openEventLog } from '../eventlog/index.ts'
import { alertSecretPath } from '../health/alerts/secret.ts'
import { createLogger, type Logger } from '../logger.ts'
import { openRegistry } from '../registry/index.ts'
import { type RunningServer, serve } from '../runtime/serve.ts'
import { lateLogHooks, startServices } from '../services.ts'
import { VERSION } from '../version.ts'
import { lockDataDir } from './data-dir.ts'

export interface ServeArgs {
  configFile: string | undefined
  flags: Record<string, string | boolean>
  env: Record<string, string | undefined>
  out: (line: string) => void
  /**
   * The wall clock of the registry, the event log, ingest and the health jobs alike; tests of the alarm
   * pass one they move. The default is the system clock.
   */
  clock?: () => number
  /** Alert deliveries go through this fetch (tests). */
  fetch?: typeof fetch
}

export interface Serving {
  /** Settles once the server has stopped: on SIGTERM or SIGINT, or after `stop()`. */
  stopped: Promise<void>
  /** Stops as SIGTERM would (drain, close the services, flush the log); resolves when stopped. */
  stop(): Promise<void>
}

export async function runServe(args: ServeArgs): Promise<Serving> {
  const { config } = loadConfig({ file: args.configFile, env: args.env, flags: args.flags })
  const logger = createLogger({ level: config.log_level, format: config.log_format })
  const tls = readTls(config)
  const listen = parseListen(config.listen) as ListenAddress
  // A first start that cannot listen leaves nothing behind: a data directory it created is removed again.
  const dataDirExisted = existsSync(config.data_dir)
  const logHooks = lateLogHooks()
  const stores = await openStores(config, args.env, logger, logHooks, args.clock)
  const { registry, log } = stores

  let baseUrl = ''
  let services: ReturnType<typeof startServices>
  try {
    services = startServices({
      config,
      registry,
      log,
      logger,
      logHooks,
      clock: args.clock,
      fetch: args.fetch,
    })
  } catch (error) {
    await stores.close()
    throw error
  }
  const memoryWatch = new AbortController()
  const appendBatch = serverAppender(config, log, services.counters, args.clock)
  const app = createApp({
    appendBatch,
    config,
    registry,
    log,
    logger,
    services,
    clock: args.clock,
    publicUrl: () => baseUrl,
    memoryWatch: memoryWatch.signal,
  })
  let server: RunningServer
  // A clock of the caller's (tests that move time) cannot reach other threads: then one thread serves.
  const workers = args.clock ? 1 : workerCount(config)
  try {
    server =
      workers > 1
        ? await startWorkers({
            config,
            workers,
            hostname: listen.hostname,
            port: listen.port,
            tls,
            fetch: app.fetch,
            appendBatch,
            queuedBytes: () => log.queuedBytes(),
            counters: services.counters,
            failures: services.schemas.failures,
            registry,
            logger,
          })
        : await serve(app.fetch, {
            direct: app.direct,
            hostname: listen.hostname,
            port: listen.port,
            tls,
            headerBytesMax: config.server.header_bytes_max,
            headTimeoutMs: config.server.head_timeout_ms,
            malformed: (status) => malformedAnswer(status, config.server.header_bytes_max),
          })
  } catch (error) {
    memoryWatch.abort()
    await services.close()
    await stores.close()
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'EADDRINUSE' ? 'the address is already in use' : String(error)
    if (!dataDirExisted) rmSync(config.data_dir, { recursive: true, force: true })
    throw new Error(`cannot listen on ${config.listen}: ${reason}`)
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
  if (services.alertSecretGenerated) {
    args.out(`alert signing secret generated into ${alertSecretPath(config.data_dir)}`)
  }
  logger.debug('event log ready', { lastSeq: log.stats().lastSeq })

  let resolveStopped = () => {}
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve
  })
  let stopping: Promise<void> | undefined
  // Once stopping, the handlers are gone: a second SIGTERM or SIGINT ends the process at once.
  const shutdown = (signal: string) => {
    stopping ??= (async () => {
      process.off('SIGTERM', onSigterm)
      process.off('SIGINT', onSigint)
      logger.info('draining in-flight requests', { signal, graceMs: config.shutdown_grace_ms })
      await server.stop(config.shutdown_grace_ms)
      memoryWatch.abort()
      await services.close()
      await stores.close()
      logger.info('stopped')
      resolveStopped()
    })()
    return stopping
  }
  const onSigterm = () => void shutdown('SIGTERM')
  const onSigint = () => void shutdown('SIGINT')
  process.on('SIGTERM', onSigterm)
  process.on('SIGINT', onSigint)
  return { stopped, stop: () => shutdown('stop') }
}

/**
 * Takes the data directory, then opens the registry and the event log; whatever fails part-way
 * closes what was already open. `close` runs in the reverse order: the log is flushed before the lock
 * is let go.
 */
async function openStores(
  config: Config,
  env: Record<string, string | undefined>,
  logger: Logger,
  logHealth: EventLogHealth,
  clock: (() => number) | undefined,
) {
  const lock = lockDataDir(config.data_dir)
  const closers: (() => unknown)[] = [() => lock.release()]
  const close = async () => {
    for (const closer of closers.reverse()) await closer()
  }
  try {
    const registry = await openRegistry({
      dataDir: config.data_dir,
      envApiKey: env.INLET_API_KEY,
      logger,
      clock,
    })
    closers.push(() => registry.close())
    const log = await openEventLog(eventLogOptions(config), { logger, health: logHealth, clock })
    closers.push(() => log.close())
    return { registry, log, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** The `[log]` settings, translated from the config file's words to the event log's. */
export function eventLogOptions(config: Config): EventLogOptions {
  const log = config.log
  return {
    dir: join(config.data_dir, 'log'),
    segmentBytesMax: log.segment_bytes_max,
    fsync: log.fsync,
    fsyncIntervalMs: log.fsync_interval_ms,
    queueBytesMax: log.queue_bytes_max,
    retentionAgeMs: log.retention_age_hours * HOUR_MS,
    retentionBytesMax: log.retention_bytes_max,
    retentionCheckIntervalMs: log.retention_check_interval_ms,
  }
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

/**
 * `[server] workers`. 0 means one per core but the one the main thread's log writer keeps busy, as far as
 * memory_max allows: three busy threads on two cores ran slower than one (docs/architecture.md, "Ingest
 * workers"), so two cores or fewer get one thread. An explicit count that memory_max has no room for is a
 * configuration problem (config/serving.ts).
 */
export const workerCount = (config: Config): number =>
  config.server.workers === 0
    ? Math.max(1, Math.min(availableParallelism() - 1, workersMemoryAllows(config)))
    : config.server.workers
