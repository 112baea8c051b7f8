/**
 * The schema registry: Panther custom log schemas (docs/reference.md), kept as the YAML the user
 * submitted, beside the settings the API holds outside it. A spec is parsed and checked on every create
 * and update, and Panther's edit rule (`checkEvolution`) decides whether an update may replace it, since
 * events already stored under the old revision must still fit the schema that claims them. Parsed specs
 * are cached per revision, so listing and classifying do not parse YAML again. Statements are prepared
 * once, when the store is created.
 */
import { AppError, badRequest, conflict, notFound } from '../errors.ts'
import type { Database } from '../runtime/sqlite.ts'
import { checkEvolution } from '../schemas/evolve.ts'
import type { SchemaSpec } from '../schemas/model.ts'
import { parseSchemaSpec, SchemaSpecError } from '../schemas/spec.ts'

/**
 * How many schemas the registry holds at most. Every source may list up to 64 of them and each is kept
 * parsed in memory (a spec is at most SPEC_BYTES_MAX), so the number is bounded well above what any one
 * installation needs.
 */
export const SCHEMAS_MAX = 1000
export const SCHEMA_NAME_CHARS_MAX = 128
/** `Custom.` then dot-separated words that each start with a capital letter, as Panther names custom schemas. */
const SCHEMA_NAME = /^Custom\.[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)*$/

export interface SchemaRecord {
  name: string
  description: string | null
  referenceURL: string | null
  /** The YAML exactly as submitted. */
  spec: string
  /** The spec as read, with `fieldDiscoveryEnabled` set to the effective `isFieldDiscoveryEnabled`. */
  parsed: SchemaSpec
  /** The request's flag when it gave one, else the spec's own `fieldDiscoveryEnabled`. */
  isFieldDiscoveryEnabled: boolean
  /** 1 when created, one more on every update. */
  revision: number
  createdAt: string
  updatedAt: string
}

/** A create or update request; an absent description or reference URL falls back to the spec's own. */
export interface SchemaInput {
  name?: string
  description?: string
  referenceURL?: string
  spec: string
  isFieldDiscoveryEnabled?: boolean
}

export interface SchemaStore {
  /** Adds a schema; 409 if the name is taken (in any case), 400 naming the field at fault. */
  create(input: SchemaInput): SchemaRecord
  /** Every schema, sorted by name. */
  list(): SchemaRecord[]
  /** 404 when there is no schema of this exact name. */
  get(name: string): SchemaRecord
  find(name: string): SchemaRecord | null
  /** Replaces a schema's spec and settings under Panther's edit rule; the revision goes up by one. */
  update(name: string, input: SchemaInput): SchemaRecord
  /** Removes a schema; 404 if there is none, 409 naming the sources whose log types still name it. */
  remove(name: string): void
  /** Called after every create/update/remove with the schema's name; returns an unsubscribe function. */
  onChange(listener: (name: string) => void): () => void
  /** Tells the subscribers of a change another thread made (the ingest workers hear of it this way). */
  changedElsewhere(name: string): void
}

interface SchemaRow {
  name: string
  description: string | null
  reference_url: string | null
  spec: string
  field_discovery: number
  revision: number
  created_at: string
  updated_at: string
}

/** A request's settings, checked and resolved against its parsed spec. */
interface Prepared {
  description: string | null
  referenceURL: string | null
  spec: string
  parsed: SchemaSpec
  fieldDiscovery: boolean
}

export function createSchemaStore(deps: { db: Database; clock: () => number }): SchemaStore {
  const { db, clock } = deps
  const now = () => new Date(clock()).toISOString()
  const sql = {
    one: db.prepare<SchemaRow>('SELECT * FROM schemas WHERE name = ?'),
    all: db.prepare<SchemaRow>('SELECT * FROM schemas ORDER BY name'),
    sameName: db.prepare<{ name: string }>('SELECT name FROM schemas WHERE name = ? COLLATE NOCASE'),
    count: db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM schemas'),
    remove: db.prepare('DELETE FROM schemas WHERE name = ?'),
    // Checked in the removal's transaction, so no source can take the schema up in between.
    usedBy: db.prepare<{ label: string }>(
      `SELECT label FROM sources WHERE EXISTS (SELECT 1 FROM json_each(sources.log_types) WHERE value = ?)
       ORDER BY label COLLATE NOCASE`,
    ),
    insert: db.prepare(
      `INSERT INTO schemas (name, description, reference_url, spec, field_discovery, revision, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
    ),
    update: db.prepare(
      `UPDATE schemas SET description = ?, reference_url = ?, spec = ?, field_discovery = ?,
         revision = revision + 1, updated_at = ?
       WHERE name = ?`,
    ),
  }

  /** Parsed specs by name, each valid for the revision it was parsed at. */
  const cache = new Map<string, { revision: number; parsed: SchemaSpec }>()
  const toRecord = (row: SchemaRow): SchemaRecord => {
    let entry = cache.get(row.name)
    if (entry?.revision !== row.revision) {
      entry = { revision: row.revision, parsed: parseStored(row) }
      cache.set(row.name, entry)
    }
    return {
      name: row.name,
      description: row.description,
      referenceURL: row.reference_url,
      spec: row.spec,
      parsed: entry.parsed,
      isFieldDiscoveryEnabled: row.field_discovery === 1,
      revision: row.revision,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }
  }
  const find = (name: string): SchemaRecord | null => {
    const row = sql.one.get(name)
    return row ? toRecord(row) : null
  }
  const get = (name: string): SchemaRecord => {
    const record = find(name)
    if (!record) throw notFound(`no schema named '${name}'`)
    return record
  }

  const listeners = new Set<(name: string) => void>()
  const changed = (name: string) => {
    for (const listener of listeners) listener(name)
  }

  return {
    create(input) {
      const name = checkName(input.name)
      const prepared = prepare(input)
      db.transaction(() => {
        const taken = sql.sameName.get(name)
        if (taken) throw conflict(`name: a schema named '${taken.name}' already exists`, 'name')
        if ((sql.count.get()?.n ?? 0) >= SCHEMAS_MAX) {
          throw new AppError('LIMIT_REACHED', `the registry holds at most ${SCHEMAS_MAX} schemas`)
        }
        const stamp = now()
        sql.insert.run(name, ...columns(prepared), stamp, stamp)
      })
      cache.set(name, { revision: 1, parsed: prepared.parsed })
      changed(name)
      return get(name)
    },

    list: () => sql.all.all().map(toRecord),
    get,
    find,

    update(name, input) {
      if (input.name !== undefined && input.name !== name) {
        throw badRequest(`name: '${input.name}' differs from the schema updated, '${name}'`, 'name')
      }
      const prepared = prepare(input)
      const revision = db.transaction(() => {
        const before = get(name)
        try {
          checkEvolution(before.parsed, prepared.parsed)
        } catch (error) {
          throw specError(error)
        }
        sql.update.run(...columns(prepared), now(), name)
        return before.revision + 1
      })
      cache.set(name, { revision, parsed: prepared.parsed })
      changed(name)
      return get(name)
    },

    remove(name) {
      db.transaction(() => {
        get(name)
        const users = sql.usedBy.all(name).map((row) => `'${row.label}'`)
        if (users.length > 0) {
          throw conflict(
            `schema '${name}' is a log type of source${users.length === 1 ? '' : 's'} ${users.join(', ')}; ` +
              `remove it from ${users.length === 1 ? 'its' : 'their'} logTypes first`,
          )
        }
        sql.remove.run(name)
      })
      cache.delete(name)
      changed(name)
    },

    changedElsewhere(name) {
      cache.delete(name)
      changed(name)
    },

    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/** The columns both `insert` and `update` set, in the order they name them. */
const columns = (p: Prepared) => [p.description, p.referenceURL, p.spec, p.fieldDiscovery ? 1 : 0] as const

function checkName(name: string | undefined): string {
  if (name === undefined) throw badRequest('name: required', 'name')
  if (name.length > SCHEMA_NAME_CHARS_MAX) {
    throw badRequest(`name: at most ${SCHEMA_NAME_CHARS_MAX} characters`, 'name')
  }
  if (!SCHEMA_NAME.test(name)) {
    throw badRequest(
      `name: '${name}' must be Custom. followed by dot-separated words of letters and digits, each ` +
        'starting with a capital letter (e.g. Custom.MyApp, Custom.Acme.Audit)',
      'name',
    )
  }
  return name
}

/** Parses the spec and settles the settings that fall back to it. */
function prepare(input: SchemaInput): Prepared {
  let parsed: SchemaSpec
  try {
    parsed = parseSchemaSpec(input.spec)
  } catch (error) {
    throw specError(error)
  }
  const referenceURL = input.referenceURL || parsed.referenceURL || null
  if (referenceURL !== null && !isWebUrl(referenceURL)) {
    const field = input.referenceURL ? 'referenceURL' : 'spec'
    throw badRequest(`${field}: referenceURL must be an http or https URL`, field)
  }
  const fieldDiscovery = input.isFieldDiscoveryEnabled ?? parsed.fieldDiscoveryEnabled ?? false
  return {
    description: input.description?.trim() || parsed.description || null,
    referenceURL,
    spec: input.spec,
    parsed: { ...parsed, fieldDiscoveryEnabled: fieldDiscovery },
    fieldDiscovery,
  }
}

function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

/** A spec's problem as a 400 naming `spec`, with the path inside it: `spec: fields[3].type: must be …`. */
function specError(error: unknown): unknown {
  if (!(error instanceof SchemaSpecError)) return error
  return badRequest(`spec: ${error.message}`, 'spec')
}

/**
 * A stored spec was valid when it was saved; one that no longer parses means this build reads schemas
 * more strictly than the one that stored it, which must be fixed in the code, not by the caller.
 */
function parseStored(row: SchemaRow): SchemaSpec {
  try {
    const parsed = parseSchemaSpec(row.spec)
    return { ...parsed, fieldDiscoveryEnabled: row.field_discovery === 1 }
  } catch (error) {
    throw new Error(`stored schema '${row.name}' (revision ${row.revision}) no longer parses: ${error}`)
  }
}
