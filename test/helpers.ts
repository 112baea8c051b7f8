/** Shared test scaffolding: temporary data directories and an app wired to a real registry. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../src/app.ts'
import { eventLogOptions } from '../src/cli/serve.ts'
import { loadConfig } from '../src/config/load.ts'
import type { Config } from '../src/config/schema.ts'
import { type EventLog, type FileOps, openEventLog } from '../src/eventlog/index.ts'
import type { IngestCounters } from '../src/health/counters.ts'
import type { Health } from '../src/health/index.ts'
import { silentLogger } from '../src/logger.ts'
import { openRegistry, type Registry } from '../src/registry/index.ts'
import type { SourceRecord } from '../src/registry/sources.ts'
import type { SchemaServices } from '../src/schemas/services.ts'
import { lateLogHooks, type Services, startServices } from '../src/services.ts'

export function tempDir(prefix = 'inlet-test-'): { path: string; [Symbol.dispose](): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) }
}

export const TEST_API_KEY = 'test-api-key-0123456789'
export const BASE_URL = 'http://inlet.test'

export interface TestApp {
  app: ReturnType<typeof createApp>
  registry: Registry
  log: EventLog
  counters: IngestCounters
  health: Health
  services: Services
  config: Config
  dataDir: string
  clock: { now: number }
  schemas: SchemaServices
  /** Sends a request to the app; a plain object body is sent as JSON. */
  call(
    method: string,
    path: string,
    options?: { body?: unknown; key?: string | null; headers?: Record<string, string> },
  ): Promise<Response>
  close(): Promise<void>
}

/** An app on a temporary data directory; `env` sets config as INLET_* variables would. */
export async function testApp(
  options: {
    env?: Record<string, string>
    logOps?: Partial<FileOps>
    fetch?: typeof fetch
    /** Serve this directory, left in place on close, to open an app on it again (a restart). */
    dataDir?: string
    /** Start the fake clock here (ms) rather than at 2026-11-28T12:00:00Z. */
    now?: number
  } = {},
): Promise<TestApp> {
  const dir = options.dataDir ? { path: options.dataDir, [Symbol.dispose]: () => {} } : tempDir()
  const clock = { now: options.now ?? Date.parse('2026-11-28T12:00:00Z') }
  const { config } = loadConfig({ env: options.env ?? {}, flags: { data_dir: dir.path } })
  const registry = await openRegistry({
    dataDir: dir.path,
    envApiKey: TEST_API_KEY,
    logger: silentLogger,
    clock: () => clock.now,
  })
  const logHooks = lateLogHooks()
  const log = await openEventLog(eventLogOptions(config), {
    logger: silentLogger,
    clock: () => clock.now,
    fileOps: options.logOps,
    health: logHooks,
  })
  const services = startServices({
    config,
    registry,
    log,
    logger: silentLogger,
    logHooks,
    clock: () => clock.now,
    fetch: options.fetch,
  })
  const app = createApp({
    config,
    registry,
    log,
    logger: silentLogger,
    publicUrl: () => BASE_URL,
    clock: () => clock.now,
    services,
  })
  return {
    app,
    registry,
    log,
    counters: services.counters,
    health: services.health,
    services,
    config,
    dataDir: dir.path,
    clock,
    schemas: services.schemas,
    call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers }
      if (options.key !== null) headers['x-api-key'] = options.key ?? TEST_API_KEY
      let body: string | undefined
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
        headers['content-type'] ??= 'application/json'
      }
      return app.handle(new Request(`${BASE_URL}${path}`, { method, headers, body }))
    },
    async close() {
      await services.close()
      await log.close()
      registry.close()
      dir[Symbol.dispose]()
    },
  }
}

/** A small deterministic generator (xorshift32): `next(n)` is in [0, n), and a failure reproduces. */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed
  return (n) => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return Math.abs(state) % n
  }
}

/** A source as the registry hands it over, for tests of what is compiled from one (verifiers, caches). */
export function sourceRecord(overrides: Partial<SourceRecord> = {}): SourceRecord {
  return {
    id: '0b7c2a4e-3d41-4c1f-9a57-1f1d6c2b9e10',
    label: 'test',
    logTypes: [],
    streamType: 'Auto',
    streamOptions: {},
    authMethod: 'None',
    authHeaderKey: null,
    authHmacAlg: null,
    authHmacScheme: null,
    authUsername: null,
    allowedCidrs: [],
    httpHeaders: [],
    createdAt: '2026-11-28T11:00:00.000Z',
    lastModified: '2026-11-28T11:00:00.000Z',
    previousSecretExpiresAt: null,
    noDataAlarmMinutes: null,
    ...overrides,
  }
}

/**
 * Panther's former managed log schemas and their test cases, vendored with their licence (see the NOTICE
 * beside them): a missing file fails the tests that read them, it never skips them.
 */
export const PANTHER_LOGS = join(import.meta.dir, 'fixtures', 'panther', 'logs')
