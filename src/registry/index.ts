/**
 * The registry: everything Inlet knows about its configuration objects (sources, secrets, alarms, the
 * API key), behind one interface so another backend can stand in for SQLite later.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../logger.ts'
import { openDatabase } from '../runtime/sqlite.ts'
import { type ApiKeyGuard, setUpApiKey } from './api-key.ts'
import { migrate } from './migrations.ts'
import { createSecretBox, loadMasterKey, type SecretBox } from './secrets.ts'
import { createSourceStore, type SourceStore } from './sources.ts'

export interface Registry {
  sources: SourceStore
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
    return {
      sources: createSourceStore({ db, box, clock: options.clock ?? Date.now }),
      apiKey: setUpApiKey({ db, box, dataDir: options.dataDir, envKey: options.envApiKey }),
      secretBox: box,
      close: () => db.close(),
    }
  } catch (error) {
    db.close()
    throw error
  }
}
