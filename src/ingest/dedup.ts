/**
 * Duplicate deliveries of Standard Webhooks senders. The spec has senders retry a delivery with the same
 * `webhook-id` until they see a 2xx, and asks receivers to use the id for idempotency
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md). A retry
 * of a delivery already stored is answered 200 and stored nothing. Ids are kept for the signature
 * tolerance window: an older retry fails the timestamp check anyway, so the memory stays bounded by the
 * deliveries of one window (and by a hard cap, oldest first).
 */

const DELIVERIES_MAX = 1_000_000

export class DeliveryMemory {
  /** `source id + webhook-id` → when it was stored (ms); insertion order is age order. */
  readonly #stored = new Map<string, number>()
  /** Deliveries being stored right now: a concurrent retry waits for the first one's outcome. */
  readonly #pending = new Map<string, Promise<boolean>>()

  constructor(
    private readonly windowMs: number,
    private readonly clock: () => number,
  ) {}

  /**
   * Runs `store` unless this delivery was stored within the window; resolves to whether it was a
   * duplicate. A concurrent retry of a delivery in progress waits for it: if that one is stored, the
   * retry is a duplicate; if it failed, the retry stores.
   */
  async once<T>(sourceId: string, deliveryId: string, store: () => Promise<T>): Promise<T | null> {
    const key = `${sourceId}\u0000${deliveryId}`
    this.#expire()
    if (this.#stored.has(key)) return null
    const earlier = this.#pending.get(key)
    if (earlier && (await earlier)) return null
    let settle!: (stored: boolean) => void
    this.#pending.set(key, new Promise<boolean>((resolve) => (settle = resolve)))
    try {
      const result = await store()
      this.#remember(key)
      settle(true)
      return result
    } catch (error) {
      settle(false)
      throw error
    } finally {
      this.#pending.delete(key)
    }
  }

  #remember(key: string): void {
    this.#stored.delete(key)
    this.#stored.set(key, this.clock())
    if (this.#stored.size > DELIVERIES_MAX) {
      const oldest = this.#stored.keys().next().value
      if (oldest !== undefined) this.#stored.delete(oldest)
    }
  }

  #expire(): void {
    const oldest = this.clock() - this.windowMs
    for (const [key, at] of this.#stored) {
      if (at >= oldest) break
      this.#stored.delete(key)
    }
  }
}
