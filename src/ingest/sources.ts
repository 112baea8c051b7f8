/**
 * The sources as the ingest path needs them: each registry source compiled once into its verifier (as
 * Vector builds a source from its config), kept until the source changes. A rotation's grace period
 * ends by the clock, not by a change, so an entry holding a previous secret is rebuilt when that secret
 * expires.
 */
import { CidrSet } from '../cidr.ts'
import { AppError } from '../errors.ts'
import type { Registry } from '../registry/index.ts'
import { canonicalId, type SourceRecord } from '../registry/sources.ts'
import { compileVerifier, type Verifier } from './auth/index.ts'

export interface IngestSource {
  record: SourceRecord
  verifier: Verifier
  /** The ranges senders may connect from; null when any address may. */
  allowedFrom: CidrSet | null
}

interface Entry extends IngestSource {
  /** When a credential in the verifier stops being valid, forcing a rebuild; Infinity when never. */
  validUntilMs: number
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export class SourceCache {
  readonly #entries = new Map<string, Entry>()

  constructor(
    private readonly registry: Pick<Registry, 'sources' | 'secretBox'>,
    private readonly options: { timestampToleranceMs: number; clock: () => number },
  ) {
    registry.sources.onChange((id) => this.#entries.delete(id))
  }

  /** The compiled source, or null when no source has this id. */
  get(requestedId: string): IngestSource | null {
    // Keying the cache by the canonical form lets a change evict every spelling.
    const id = canonicalId(requestedId)
    const entry = this.#entries.get(id)
    if (entry && entry.validUntilMs > this.options.clock()) return entry
    if (!UUID.test(id)) return null
    const compiled = this.#compile(id)
    if (compiled) this.#entries.set(id, compiled)
    else this.#entries.delete(id)
    return compiled
  }

  #compile(id: string): Entry | null {
    let credentials: ReturnType<Registry['sources']['credentials']>
    try {
      credentials = this.registry.sources.credentials(id)
    } catch (error) {
      if (error instanceof AppError && error.status === 404) return null
      throw error
    }
    const expires = credentials.source.previousSecretExpiresAt
    return {
      record: credentials.source,
      verifier: compileVerifier(credentials, {
        box: this.registry.secretBox,
        timestampToleranceMs: this.options.timestampToleranceMs,
      }),
      allowedFrom:
        credentials.source.allowedCidrs.length > 0 ? new CidrSet(credentials.source.allowedCidrs) : null,
      validUntilMs: expires === null ? Number.POSITIVE_INFINITY : Date.parse(expires),
    }
  }
}
