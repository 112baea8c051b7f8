/**
 * Finds a source by its Splunk HEC token, which is the source's Bearer token: HEC requests name no source.
 * The index maps each valid token's keyed hash (the registry keeps only those) to its source. A lookup
 * hashes the presented token under the server's secret key and looks the hash up: how long that takes
 * depends on the hash, which a sender cannot choose or predict without the key, so the time says nothing
 * about how close a guess came to a real token, and every guess costs the same one HMAC.
 */
import { Buffer } from 'node:buffer'
import type { Registry } from '../../registry/index.ts'

interface Entry {
  sourceId: string
  /** When the token stops being valid (a previous token during a rotation's grace); Infinity if never. */
  validUntilMs: number
}

export class TokenIndex {
  #entries: Map<string, Entry> | null = null
  /** The earliest validUntilMs in the index: past it, the index is rebuilt. */
  #rebuildAtMs = Number.POSITIVE_INFINITY

  constructor(
    private readonly registry: Pick<Registry, 'sources' | 'secretBox'>,
    private readonly clock: () => number,
  ) {
    registry.sources.onChange(() => {
      this.#entries = null
    })
  }

  /** The id of the source whose token this is, or null. */
  find(token: Uint8Array): string | null {
    const now = this.clock()
    if (this.#entries === null || now >= this.#rebuildAtMs) this.#build()
    const entry = this.#entries?.get(this.#key(token))
    return entry && entry.validUntilMs > now ? entry.sourceId : null
  }

  #key(token: Uint8Array): string {
    return Buffer.from(this.registry.secretBox.hash(token)).toString('base64')
  }

  #build(): void {
    const entries = new Map<string, Entry>()
    /** Hashes two sources share: such a token finds neither (the registry refuses to make one). */
    const shared = new Set<string>()
    let rebuildAt = Number.POSITIVE_INFINITY
    for (const token of this.registry.sources.bearerTokens()) {
      const key = Buffer.from(token.hash).toString('base64')
      const validUntilMs = token.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(token.expiresAt)
      rebuildAt = Math.min(rebuildAt, validUntilMs)
      const other = entries.get(key)
      if (other && other.sourceId !== token.sourceId) shared.add(key)
      entries.set(key, { sourceId: token.sourceId, validUntilMs })
    }
    for (const key of shared) entries.delete(key)
    this.#entries = entries
    this.#rebuildAtMs = rebuildAt
  }
}
