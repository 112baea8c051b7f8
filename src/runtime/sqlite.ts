/**
 * SQLite behind one small interface: `bun:sqlite` in the Bun binary, `node:sqlite` elsewhere (Deno).
 * Only positional `?` parameters are used so both drivers bind the same way. Nothing is opened at
 * import time; `openDatabase` picks the driver when it is called.
 */
export type SqlValue = string | number | bigint | null | Uint8Array

export interface Statement<Row> {
  run(...params: SqlValue[]): { changes: number }
  get(...params: SqlValue[]): Row | undefined
  all(...params: SqlValue[]): Row[]
}

export interface Database {
  exec(sql: string): void
  /** Prepares once; callers keep the statement and reuse it. */
  prepare<Row = Record<string, SqlValue>>(sql: string): Statement<Row>
  /** Runs `fn` inside BEGIN IMMEDIATE … COMMIT, rolling back if it throws. Not reentrant. */
  transaction<T>(fn: () => T): T
  close(): void
}

/** `driver` defaults to the runtime's own; tests pick `node` to check the Deno path under Bun. */
export async function openDatabase(
  path: string,
  driver: 'bun' | 'node' = typeof Bun !== 'undefined' ? 'bun' : 'node',
): Promise<Database> {
  const db = driver === 'bun' ? await openBun(path) : await openNode(path)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  db.exec('PRAGMA foreign_keys = ON')
  db.exec('PRAGMA busy_timeout = 5000')
  return db
}

async function openBun(path: string): Promise<Database> {
  const { Database: BunDatabase } = await import('bun:sqlite')
  const db = new BunDatabase(path, { create: true, readwrite: true })
  return wrap(
    (sql) => db.exec(sql),
    (sql) => {
      const statement = db.prepare(sql)
      return {
        run: (...params) => ({ changes: statement.run(...params).changes }),
        get: (...params) => (statement.get(...params) ?? undefined) as never,
        all: (...params) => statement.all(...params) as never,
      }
    },
    () => db.close(),
  )
}

async function openNode(path: string): Promise<Database> {
  const { DatabaseSync } = (await import('node:sqlite')) as unknown as {
    DatabaseSync: new (
      path: string,
    ) => {
      exec(sql: string): void
      prepare(sql: string): {
        run(...p: SqlValue[]): { changes: number | bigint }
        get(...p: SqlValue[]): unknown
        all(...p: SqlValue[]): unknown[]
      }
      close(): void
    }
  }
  const db = new DatabaseSync(path)
  return wrap(
    (sql) => db.exec(sql),
    (sql) => {
      const statement = db.prepare(sql)
      return {
        run: (...params) => ({ changes: Number(statement.run(...params).changes) }),
        get: (...params) => statement.get(...params) as never,
        all: (...params) => statement.all(...params) as never,
      }
    },
    () => db.close(),
  )
}

function wrap(
  exec: (sql: string) => void,
  prepare: (sql: string) => Statement<never>,
  close: () => void,
): Database {
  return {
    exec,
    prepare: prepare as Database['prepare'],
    transaction(fn) {
      exec('BEGIN IMMEDIATE')
      try {
        const result = fn()
        exec('COMMIT')
        return result
      } catch (error) {
        exec('ROLLBACK')
        throw error
      }
    },
    close,
  }
}
