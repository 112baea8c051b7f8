/**
 * Finding an object's field by the bytes of an event's key, without making a string of the key: the
 * transcoder (compile.ts) looks up every key of every event, and most keys are plain ASCII.
 */

/**
 * Finds a field by an ASCII key's bytes without making a string: a hash of the key's bytes, and a hash of
 * them folded to lower case, each checked byte for byte against the field it names.
 */
export class KeyTable {
  readonly #exact = new Map<number, number>()
  readonly #folded = new Map<number, number>()

  constructor(private readonly names: Uint8Array[]) {
    names.forEach((name, index) => {
      if (!this.#exact.has(hash(name, 0, name.length, false)))
        this.#exact.set(hash(name, 0, name.length, false), index)
      if (!this.#folded.has(hash(name, 0, name.length, true)))
        this.#folded.set(hash(name, 0, name.length, true), index)
    })
  }

  find(bytes: Uint8Array, start: number, end: number): number | undefined {
    const exact = this.#exact.get(hash(bytes, start, end, false))
    if (exact !== undefined && sameBytes(this.names[exact]!, bytes, start, end)) return exact
    const folded = this.#folded.get(hash(bytes, start, end, true))
    if (folded !== undefined && sameFolded(this.names[folded]!, bytes, start, end)) return folded
    return undefined
  }
}

/** FNV-1a over the bytes, optionally with ASCII letters folded to lower case. */
function hash(bytes: Uint8Array, start: number, end: number, fold: boolean): number {
  let h = 0x811c9dc5
  for (let i = start; i < end; i++) {
    let byte = bytes[i]!
    if (fold && byte >= 0x41 && byte <= 0x5a) byte |= 0x20
    h = Math.imul(h ^ byte, 0x01000193)
  }
  return h >>> 0
}

function sameFolded(name: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== name.length) return false
  for (let i = 0; i < name.length; i++) {
    const a = name[i]!
    const b = bytes[start + i]!
    if (a !== b && ((a | 0x20) !== (b | 0x20) || (a | 0x20) < 0x61 || (a | 0x20) > 0x7a)) return false
  }
  return true
}

export function sameBytes(name: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== name.length) return false
  for (let i = 0; i < name.length; i++) if (name[i] !== bytes[start + i]) return false
  return true
}
