/**
 * The registry: everything Inlet knows about its configuration objects (sources, secrets, alarms, log
 * schemas, the API key) and the system errors it has noticed, behind one interface so another backend
 * can stand in for SQLite later.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../logger.ts'
import { openDatabase } from '../runtime/sqlite.ts'
import { type AlertOutbox, createAlertOutbox } from './alerts.ts'
import { type ApiKeyGuard, setUpApiKey, storedApiKey } from './api-key.ts'
import { createHealthStore, type HealthStore } from './health.ts'
import { migrate } from './migrations.ts'
import { createSchemaStore, type SchemaStore } from './schemas.ts'
import { createSecretBox, loadMasterKey, type SecretBox } from './secrets.ts'
import { createSourceStore, type SourceStore } from './sources.ts'
import { createSystemErrorStore, type SystemErrorStore } from './system-errors.ts'

export interface Registry {
  sources: SourceStore
  schemas: SchemaStore
  systemErrors: SystemErrorStore
  /** Stored counters and alarm states (the live ones are in health/). */
  health: HealthStore
  /** Alerts waiting to be delivered. */
  alerts: AlertOutbox
  apiKey: ApiKeyGuard
  /**
   * Checks presented secrets against the stored keyed hashes (the ingest path's verifiers), and hashes a
   * presented HEC token to look its source up.
   */
  secretBox: Pick<SecretBox, 'matches' | 'hash'>
  close(): void
}

/**
 * What an ingest worker thread reads of the registry the server opened: sources with their secrets, the
 * schemas, and the stored API key's hash. It migrates and sets up nothing; changes other threads make
 * reach its stores' subscribers through `changedElsewhere`.
 */
export interface RegistryReader {
  sources: SourceStore
  schemas: SchemaStore
  secretBox: Pick<SecretBox, 'matches' | 'hash'>
  apiKey: Pick<ApiKeyGuard, 'verify'>
  close(): void
}

export async function openRegistryReader(options: {
  dataDir: string
  clock?: () => number
}): Promise<RegistryReader> {
  const box = createSecretBox(loadMasterKey(options.dataDir))
  const db = await openDatabase(join(options.dataDir, 'registry.db'))
  const clock = options.clock ?? Date.now
  const schemas = createSchemaStore({ db, clock })
  const sources = createSourceStore({ db, box, clock, knownLogType: (name) => schemas.find(name) !== null })
  return { sources, schemas, secretBox: box, apiKey: storedApiKey({ db, box }), close: () => db.close() }
}

export async function openRegistry(options: {
  dataDir: string
  envApiKey: string | undefined
  logger: Logger
  clock?: () => number
}): Promise<Registry> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 })
  const box = createSecretBox(loadMasterKey(options.dataDir))
  const db = await openDatabase(join(options.dataDir, 'registry.db'))
  try {
    const version = migrate(db)
    options.logger.debug('registry open', { version })
    const clock = options.clock ?? Date.now
    const schemas = createSchemaStore({ db, clock })
    const sources = createSourceStore({ db, box, clock, knownLogType: (name) => schemas.find(name) !== null })
    const alerts = createAlertOutbox({ db, clock })
    const systemErrors = createSystemErrorStore({ db, clock, writeAlert: alerts.write })
    return {
      sources,
      schemas,
      systemErrors,
      health: createHealthStore({ db }),
      alerts,
      apiKey: setUpApiKey({ db, box, dataDir: options.dataDir, envKey: options.envApiKey }),
      secretBox: box,
      close: () => db.close(),
    }
  } catch (error) {
    db.close()
    throw error
  }
}
