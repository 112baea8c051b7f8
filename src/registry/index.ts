/**
 * The registry: everything Inlet knows about its configuration objects (sources, secrets, alarms, log
 * schemas, the API key) and the system errors it has noticed, behind one interface so another backend
 * can stand in for SQLite later.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../logger.ts'
import { openDatabase } from '../runtime/sqlite.ts'
import { type ApiKeyGuard, setUpApiKey } from './api-key.ts'
import { migrate } from './migrations.ts'
import { createSchemaStore, type SchemaStore } from './schemas.ts'
import { createSecretBox, loadMasterKey, type SecretBox } from './secrets.ts'
import { createSourceStore, type SourceStore } from './sources.ts'
import { createSystemErrorStore, type SystemErrorStore } from './system-errors.ts'

export interface Registry {
  sources: SourceStore
  schemas: SchemaStore
  systemErrors: SystemErrorStore
  apiKey: ApiKeyGuard
  /** Checks presented secrets against the stored keyed hashes (the ingest path's verifiers use it). */
  secretBox: Pick<SecretBox, 'matches'>
  close(): void
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
    const systemErrors = createSystemErrorStore({ db, clock })
    resolveErrorsOfRemovedSources(sources, systemErrors)
    return {
      sources,
      schemas,
      systemErrors,
      apiKey: setUpApiKey({ db, box, dataDir: options.dataDir, envKey: options.envApiKey }),
      secretBox: box,
      close: () => db.close(),
    }
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * A removed source's open errors are resolved: nothing could clear them any more, and they would read as
 * problems of the present. Their history stays.
 */
function resolveErrorsOfRemovedSources(sources: SourceStore, systemErrors: SystemErrorStore): void {
  sources.onChange((id) => {
    const open = systemErrors.list({ state: 'open', sourceId: id })
    if (open.length === 0 || sources.list().some((source) => source.id === id)) return
    for (const error of open) systemErrors.resolve(error.type, id)
  })
}
