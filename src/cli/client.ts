/**
 * The management API client that the CLI's commands share: which server to talk to, the admin key to
 * present, and sources named by id or label. Commands that talk to a running server (`source`,
 * `search`) go through it, so `--server`, `--data-dir` and `--insecure` mean the same everywhere.
 */
import { ConfigSchema } from '../config/schema.ts'
import { readApiKey } from '../registry/api-key.ts'
import { cliFetch } from '../runtime/serve.ts'
import { type parseFlags, UsageError } from './flags.ts'

const DEFAULT_SERVER = 'http://127.0.0.1:8080'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Whether `text` is shaped like an integrationId rather than a label. */
export const isSourceId = (text: string): boolean => UUID.test(text)

export type Values = ReturnType<typeof parseFlags>['values']

/** The flags every client command takes (how to reach the server, and how to print). */
export const CLIENT_OPTIONS = {
  server: { type: 'string' },
  'data-dir': { type: 'string' },
  insecure: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Rows under a header, each column as wide as its widest cell, two spaces apart. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  )
  const format = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd()
  return [format(header), ...rows.map(format)].join('\n')
}
export type ApiSource = Record<string, unknown> & { integrationId: string; integrationLabel: string }
export type ApiClient = ReturnType<typeof apiClient>

export function apiClient(values: Values, env: Record<string, string | undefined>) {
  const server = String(values.server ?? env.INLET_SERVER ?? DEFAULT_SERVER).replace(/\/+$/, '')
  const dataDir = String(values['data-dir'] ?? env.INLET_DATA_DIR ?? ConfigSchema.properties.data_dir.default)
  const key = readApiKey(dataDir, env)
  if (key === null)
    throw new UsageError(`no API key: set INLET_API_KEY or point --data-dir at the server's data directory`)
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let response: Response
    try {
      response = await cliFetch(
        `${server}${path}`,
        {
          method,
          headers: {
            'x-api-key': key,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
        { insecure: Boolean(values.insecure) },
      )
    } catch (error) {
      // Whichever way the address came, the message says where it came from and how to change it.
      const origin =
        values.server !== undefined
          ? '--server'
          : env.INLET_SERVER !== undefined
            ? 'INLET_SERVER'
            : 'the default'
      throw new Error(
        `cannot reach ${server} (from ${origin}; set --server or INLET_SERVER to the server's address): ` +
          (error as Error).message,
      )
    }
    if (response.status === 204) return null
    const text = await response.text()
    // The query string is left out of the message: it repeats what the user typed and buries the reason.
    const route = path.split('?')[0]
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${errorMessage(text)}`)
    return text ? JSON.parse(text) : null
  }
  return {
    call,
    /** Accepts an id or a label, as people remember labels. */
    async resolve(target: string): Promise<ApiSource> {
      if (isSourceId(target)) return (await call('GET', `/log-sources/http/${target}`)) as ApiSource
      const { results } = (await call('GET', '/log-sources/http')) as { results: ApiSource[] }
      const match = results.find((source) => source.integrationLabel.toLowerCase() === target.toLowerCase())
      if (!match) throw new Error(`no source with label ${JSON.stringify(target)}`)
      return match
    },
  }
}

/** The API's `message`; a body that is not the API's JSON (a proxy's page, say) is shown as it is. */
function errorMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown } | null)?.message
    return typeof message === 'string' ? message : text
  } catch {
    return text
  }
}
