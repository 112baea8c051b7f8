/**
 * The state of the simulated disk of power-loss-fs.ts: for each file its durable bytes and the changes
 * made since they were synced, for each directory its durable entries and the changes made since it was
 * synced; and what of the unsynced changes a power cut keeps, in each mode.
 */

export type CutMode = 'drop-all' | 'keep-prefix' | 'keep-subset'

export const CUT_MODES: readonly CutMode[] = ['drop-all', 'keep-prefix', 'keep-subset']

/**
 * A seeded generator (mulberry32), so a failing case replays from its seed. Kept apart from
 * test/helpers.ts so this test loads nothing but the event log.
 */
export class Random {
  constructor(private state: number) {}

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  chance(p: number): boolean {
    return this.next() < p
  }
}

/** A file's bytes, growing in place: most changes are appends, and copying on each would be quadratic. */
export class Content {
  private bytes = new Uint8Array(0)
  length = 0

  write(position: number, data: Uint8Array): void {
    if (position + data.length > this.length) this.resize(position + data.length)
    this.bytes.set(data, position)
  }

  /** Sets the length; bytes exposed by growing read as zeros, as after ftruncate(2). */
  resize(length: number): void {
    if (length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(length, this.bytes.length * 2))
      grown.set(this.bytes.subarray(0, this.length))
      this.bytes = grown
    } else if (length > this.length) {
      this.bytes.fill(0, this.length, length)
    }
    this.length = length
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length)
  }

  clone(): Content {
    const copy = new Content()
    copy.write(0, this.view())
    return copy
  }
}

/** An unsynced change; `id` orders them, so a sync covers exactly those made before it was issued. */
export type FileChange =
  | { id: number; kind: 'write'; position: number; bytes: Uint8Array }
  | { id: number; kind: 'truncate'; length: number }
export type DirChange =
  | { id: number; kind: 'link'; name: string; node: Node }
  | { id: number; kind: 'unlink'; name: string; node: Node }
  | { id: number; kind: 'rename'; from: string; to: string; node: Node }

export class FileNode {
  readonly kind = 'file'
  durable = new Content()
  pending: FileChange[] = []
  /** The size a running machine sees, to notice changes made outside the layer. */
  size = 0
}

export class DirNode {
  readonly kind = 'dir'
  current = new Map<string, Node>()
  durable = new Map<string, Node>()
  pending: DirChange[] = []
}

export type Node = FileNode | DirNode

/** What the cuts did with unsynced changes, for the test's summary. */
export interface DiskStats {
  cuts: number
  /** Armed cuts by the operation they struck (`fdatasync done` and `syncDir done`: while the disk confirmed). */
  cutsDuring: Record<string, number>
  failures: number
  writesKept: number
  writesDropped: number
  writesTorn: number
  dirChangesKept: number
  dirChangesDropped: number
}

export const emptyDiskStats = (): DiskStats => ({
  cuts: 0,
  cutsDuring: {},
  failures: 0,
  writesKept: 0,
  writesDropped: 0,
  writesTorn: 0,
  dirChangesKept: 0,
  dirChangesDropped: 0,
})

/** A completed fdatasync: the changes made before it was issued are now on the disk. */
export function settle(node: FileNode, covers: number): void {
  let count = 0
  for (const change of node.pending) {
    if (change.id > covers) break
    if (change.kind === 'write') node.durable.write(change.position, change.bytes)
    else node.durable.resize(change.length)
    count++
  }
  node.pending.splice(0, count)
}

/** A completed directory fsync: the entries changed before it was issued are now on the disk. */
export function settleDir(dir: DirNode, covers: number): void {
  let count = 0
  for (const change of dir.pending) {
    if (change.id > covers) break
    if (change.kind === 'link') dir.durable.set(change.name, change.node)
    else if (change.kind === 'unlink') dir.durable.delete(change.name)
    else {
      dir.durable.delete(change.from)
      dir.durable.set(change.to, change.node)
    }
    count++
  }
  dir.pending.splice(0, count)
}

/** Picks the unsynced changes a cut keeps: none, a prefix (in the order they were made), or any subset. */
function choose<T>(changes: readonly T[], mode: CutMode, random: Random): T[] {
  if (mode === 'drop-all') return []
  if (mode === 'keep-prefix') return changes.slice(0, random.int(changes.length + 1))
  return changes.filter(() => random.chance(0.5))
}

/** A directory's entries after a cut: the durable ones, with the unsynced changes the mode keeps. */
export function survivingEntries(dir: DirNode, mode: CutMode, random: Random, stats: DiskStats) {
  const kept = choose(dir.pending, mode, random)
  stats.dirChangesKept += kept.length
  stats.dirChangesDropped += dir.pending.length - kept.length
  const entries = new Map(dir.durable)
  for (const change of kept) {
    if (change.kind === 'link') entries.set(change.name, change.node)
    else if (change.kind === 'unlink') {
      if (entries.get(change.name) === change.node) entries.delete(change.name)
    } else if (entries.get(change.from) === change.node) {
      // A rename is atomic; it can only have reached the disk if its source had.
      entries.delete(change.from)
      entries.set(change.to, change.node)
    }
  }
  return entries
}

/** A file's bytes after a cut: the durable ones, with the unsynced changes the mode keeps. */
export function survivingContent(node: FileNode, mode: CutMode, random: Random, stats: DiskStats): Content {
  const content = node.durable.clone()
  const kept = new Set(choose(node.pending, mode, random))
  const writes = node.pending.filter((change) => change.kind === 'write')
  // The write the power failed during, if any, of which only a prefix reached the disk.
  let torn: FileChange | undefined
  if (mode === 'keep-prefix') torn = node.pending[kept.size]
  else if (mode === 'keep-subset') torn = writes[random.int(writes.length)]
  if (torn?.kind !== 'write' || torn.bytes.length < 2 || !random.chance(0.5)) torn = undefined
  for (const change of node.pending) {
    if (change === torn && change.kind === 'write') {
      stats.writesTorn++
      content.write(change.position, change.bytes.subarray(0, 1 + random.int(change.bytes.length - 1)))
    } else if (!kept.has(change)) {
      if (change.kind === 'write') stats.writesDropped++
    } else if (change.kind === 'write') {
      stats.writesKept++
      content.write(change.position, change.bytes)
    } else content.resize(change.length)
  }
  return content
}
