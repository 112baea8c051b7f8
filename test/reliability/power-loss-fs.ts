/**
 * A disk that can lose power, for the event log's power-loss test: a `FileOps` layer that performs every
 * operation on the real filesystem (so the log's own reads see what a running machine sees) and keeps, in
 * memory, what a disk would still hold if the power failed now.
 *
 * The model is the one POSIX gives: a file's bytes (including its size) are durable once an fdatasync
 * issued after they were written has returned; a directory entry (created, renamed or removed) is durable
 * once an fsync of the directory issued after the change has returned. An fdatasync still in flight
 * covers nothing yet. Everything else is unsynced, and a power cut may keep any of it or none:
 *
 * - `drop-all`: every unsynced write and directory change is lost;
 * - `keep-prefix`: the unsynced writes of each file reach the disk in the order they were made, up to a
 *   random point, the next one possibly torn (a prefix of its bytes kept); likewise directory changes;
 * - `keep-subset`: any subset of them reaches the disk, in any order, one write possibly torn; a write
 *   kept beyond a dropped one leaves zeros between, as an unwritten extent reads after a crash.
 *
 * A cut rewrites the real files to what survived, and every operation of the machine that was running
 * fails from then on, so the log that was writing cannot touch the disk again; `boot` gives the file
 * operations of the next one. Operations resolve on later turns of the event loop rather than at once,
 * as real ones do, so appends keep arriving while a write or an fdatasync is in flight and groups form;
 * nothing here waits on real I/O, so with the same seed a run takes the same steps.
 *
 * With `failureRate` set, operations also fail as a full or failing disk makes them: a write after
 * storing a prefix of its bytes, an fdatasync or directory sync having made nothing durable, an ftruncate,
 * a rename or the creation of a file having done nothing.
 *
 * Not simulated: data that changed after it was synced (media corruption), lying fsyncs, a failed
 * fdatasync that marks its pages clean so a later one skips them (Linux does; the log never relies on a
 * failed write, it cuts it off), and directories outside `root` (taken as durable, like the disk's own
 * root). Reads bypass the layer, which is why any change made outside it is reported as a problem.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { FileOps } from '../../src/eventlog/index.ts'
import {
  type CutMode,
  DirNode,
  type DiskStats,
  emptyDiskStats,
  FileNode,
  type Node,
  type Random,
  settle,
  settleDir,
  survivingContent,
  survivingEntries,
} from './power-loss-state.ts'

export { CUT_MODES, type CutMode, type DiskStats, emptyDiskStats, Random } from './power-loss-state.ts'

interface Handle {
  node: FileNode
  realFd: number
  generation: number
}

const powerLost = () => Object.assign(new Error('EIO: the power failed'), { code: 'EIO' })
const missing = (file: string) => Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' })
const failed = () => Object.assign(new Error('EIO: injected failure'), { code: 'EIO' })

export interface DiskOptions {
  /** Whether writes may store fewer bytes than asked, as a kernel may; the log writes the rest. */
  shortWrites: boolean
  /** An fdatasync or directory sync completes after 1 to this many turns of the event loop. */
  syncTurnsMax: number
  /** Chance that a write, sync, truncation, rename or file creation fails; may change between cases. */
  failureRate: number
}

export class PowerLossDisk {
  /** Increases at each cut; operations of an earlier generation fail. */
  generation = 0
  readonly stats: DiskStats = emptyDiskStats()
  /** Differences between the real files and the model, found at cuts: changes made around the layer. */
  readonly problems: string[] = []
  private readonly rootNode = new DirNode()
  private readonly handles = new Map<number, Handle>()
  /** Descriptors are never reused, so a dead machine's descriptor never names a live file. */
  private nextFd = 1_000_000
  private changeId = 0
  private events = 0
  private cutAtEvent = Number.POSITIVE_INFINITY
  private cutMode: CutMode = 'drop-all'

  /** `root` must exist and be empty; it stands for the disk's root, durable by definition. */
  constructor(
    private readonly root: string,
    private readonly random: Random,
    readonly options: DiskOptions,
  ) {
    if (fs.readdirSync(root).length > 0) throw new Error(`${root} is not empty`)
  }

  /**
   * Cuts the power at the `events`-th operation from now that changes something or completes a sync
   * (1 is the next one); the operation then fails without effect.
   */
  armCut(events: number, mode: CutMode): void {
    this.cutAtEvent = this.events + events
    this.cutMode = mode
  }

  /** Cuts the power now, whatever is in flight. */
  cutNow(mode: CutMode): void {
    this.cut(mode)
  }

  /** The file operations of a machine started now; they fail once the power is cut. */
  boot(): FileOps {
    const generation = this.generation
    const alive = () => {
      if (this.generation !== generation) throw powerLost()
    }
    /** Starts an operation that counts as an event: the power may fail just before it. */
    const begin = (operation: string) => {
      alive()
      if (++this.events >= this.cutAtEvent) {
        this.stats.cutsDuring[operation] = (this.stats.cutsDuring[operation] ?? 0) + 1
        this.cut(this.cutMode)
      }
      alive()
    }
    /** Ends an operation on a later turn; if the power failed meanwhile, its caller never learns the result. */
    const finish = async (turns = 1) => {
      for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve))
      alive()
    }
    /** Fails the operation as a failing disk would, at the chance `failureRate` sets. */
    const mayFail = () => {
      if (this.fails()) throw failed()
    }
    const handle = (fd: number) => {
      const found = this.handles.get(fd)
      if (!found || found.generation !== generation) throw powerLost()
      return found
    }
    return {
      open: async (file, flags) => {
        begin('open')
        if (flags !== 'r' && flags !== 'r+') mayFail()
        const node = this.openNode(file, flags)
        const realFd = fs.openSync(file, flags)
        const fd = this.nextFd++
        this.handles.set(fd, { node, realFd, generation })
        await finish()
        return fd
      },
      write: async (fd, bytes, offset, length, position) => {
        begin('write')
        const { node, realFd } = handle(fd)
        // A short write, as a kernel may return at any point: the rest comes as another write.
        const count =
          this.options.shortWrites && length > 1 && this.random.chance(0.3)
            ? 1 + this.random.int(length)
            : length
        const failing = this.fails()
        const data = bytes.slice(offset, offset + (failing ? this.random.int(count) : count))
        fs.writeSync(realFd, data, 0, data.length, position)
        node.pending.push({ id: ++this.changeId, kind: 'write', position, bytes: data })
        node.size = Math.max(node.size, position + data.length)
        await finish()
        if (failing) throw failed()
        return data.length
      },
      ftruncate: async (fd, length) => {
        begin('ftruncate')
        mayFail()
        const { node, realFd } = handle(fd)
        fs.ftruncateSync(realFd, length)
        node.pending.push({ id: ++this.changeId, kind: 'truncate', length })
        node.size = length
        await finish()
      },
      fdatasync: async (fd) => {
        begin('fdatasync')
        const { node } = handle(fd)
        const covers = this.changeId
        await finish(1 + this.random.int(this.options.syncTurnsMax))
        // The disk confirming is an event too: the power may fail before it does.
        begin('fdatasync done')
        mayFail()
        settle(node, covers)
      },
      close: async (fd) => {
        const { realFd } = handle(fd)
        fs.closeSync(realFd)
        this.handles.delete(fd)
        await finish()
      },
      rename: async (from, to) => {
        begin('rename')
        mayFail()
        const dir = this.dirAt(path.dirname(from))
        if (path.dirname(to) !== path.dirname(from)) throw new Error('rename across directories')
        const node = dir.current.get(path.basename(from))
        if (!node) throw missing(from)
        fs.renameSync(from, to)
        dir.current.delete(path.basename(from))
        dir.current.set(path.basename(to), node)
        dir.pending.push({
          id: ++this.changeId,
          kind: 'rename',
          from: path.basename(from),
          to: path.basename(to),
          node,
        })
        await finish()
      },
      remove: async (file) => {
        begin('remove')
        const dir = this.dirAt(path.dirname(file))
        const name = path.basename(file)
        const node = dir.current.get(name)
        fs.rmSync(file, { force: true })
        if (node) {
          dir.current.delete(name)
          dir.pending.push({ id: ++this.changeId, kind: 'unlink', name, node })
        }
        await finish()
      },
      mkdir: async (dir) => {
        begin('mkdir')
        const created = this.makeDirs(dir)
        await finish()
        return created
      },
      syncDir: async (dir) => {
        begin('syncDir')
        const node = this.dirAt(dir)
        const covers = this.changeId
        await finish(1 + this.random.int(this.options.syncTurnsMax))
        begin('syncDir done')
        mayFail()
        settleDir(node, covers)
      },
    }
  }

  private fails(): boolean {
    const fails = this.options.failureRate > 0 && this.random.chance(this.options.failureRate)
    if (fails) this.stats.failures++
    return fails
  }

  /** The model's side of open(2), for the flags the log uses. */
  private openNode(file: string, flags: string): FileNode {
    const dir = this.dirAt(path.dirname(file))
    const name = path.basename(file)
    const existing = dir.current.get(name)
    if (existing?.kind === 'dir') throw new Error(`${file} is a directory`)
    if (flags === 'r' || flags === 'r+') {
      if (!existing) throw missing(file)
      return existing
    }
    if (flags !== 'w') throw new Error(`open flags ${flags} are not simulated`)
    if (existing) {
      existing.pending.push({ id: ++this.changeId, kind: 'truncate', length: 0 })
      existing.size = 0
      return existing
    }
    const node = new FileNode()
    dir.current.set(name, node)
    dir.pending.push({ id: ++this.changeId, kind: 'link', name, node })
    return node
  }

  /** mkdir -p inside the root; returns the first directory created, as fs.mkdir does. */
  private makeDirs(dir: string): string | undefined {
    let node = this.rootNode
    let at = this.root
    let created: string | undefined
    for (const name of this.relative(dir)) {
      at = path.join(at, name)
      const next = node.current.get(name)
      if (next?.kind === 'file') throw new Error(`${at} is a file`)
      if (next) {
        node = next
        continue
      }
      fs.mkdirSync(at)
      const child = new DirNode()
      node.current.set(name, child)
      node.pending.push({ id: ++this.changeId, kind: 'link', name, node: child })
      created ??= at
      node = child
    }
    return created
  }

  private dirAt(dir: string): DirNode {
    let node: Node = this.rootNode
    for (const name of this.relative(dir)) {
      const next: Node | undefined = node.kind === 'dir' ? node.current.get(name) : undefined
      if (next?.kind !== 'dir') throw missing(dir)
      node = next
    }
    return node as DirNode
  }

  private relative(dir: string): string[] {
    const relative = path.relative(this.root, dir)
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`${dir} is outside the disk`)
    return relative === '' ? [] : relative.split(path.sep)
  }

  private cut(mode: CutMode): void {
    this.generation++
    this.stats.cuts++
    this.cutAtEvent = Number.POSITIVE_INFINITY
    for (const { realFd } of this.handles.values()) fs.closeSync(realFd)
    this.handles.clear()
    this.compare(this.rootNode, this.root)
    this.restore(this.rootNode, this.root, mode)
  }

  /** Records where the real files differ from the model: some change went around the layer. */
  private compare(dir: DirNode, at: string): void {
    const real = fs.readdirSync(at).sort()
    const modelled = [...dir.current.keys()].sort()
    if (real.join('/') !== modelled.join('/')) {
      this.problems.push(`${at} holds [${real.join(', ')}], the model [${modelled.join(', ')}]`)
    }
    for (const [name, node] of dir.current) {
      const file = path.join(at, name)
      if (node.kind === 'dir') this.compare(node, file)
      else if (fs.existsSync(file) && fs.statSync(file).size !== node.size) {
        this.problems.push(`${file} is ${fs.statSync(file).size} bytes, the model ${node.size}`)
      }
    }
  }

  /** Decides what of `dir`'s unsynced state survives, makes the real files match, and recurses. */
  private restore(dir: DirNode, at: string, mode: CutMode): void {
    const entries = survivingEntries(dir, mode, this.random, this.stats)
    for (const name of fs.readdirSync(at)) {
      if (!entries.has(name)) fs.rmSync(path.join(at, name), { recursive: true, force: true })
    }
    for (const [name, node] of entries) {
      const file = path.join(at, name)
      if (node.kind === 'dir') {
        fs.mkdirSync(file, { recursive: true })
        this.restore(node, file, mode)
        continue
      }
      const unchanged = node.pending.length === 0 && dir.current.get(name) === node
      if (node.pending.length > 0) node.durable = survivingContent(node, mode, this.random, this.stats)
      node.pending = []
      node.size = node.durable.length
      if (!unchanged) fs.writeFileSync(file, node.durable.view())
    }
    dir.durable = entries
    dir.current = new Map(entries)
    dir.pending = []
  }
}
