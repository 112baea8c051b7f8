/**
 * The console's only way to the server: the public management API, with the API key the user signed in
 * with, kept in session storage (gone when the tab closes). A 401 signs the user out.
 */
import type { Static } from '@sinclair/typebox'
import type { SystemError as SystemErrorSchema } from '../../registry/model.ts'

const KEY = 'inlet.apiKey'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly code?: string,
  ) {
    super(message)
  }
}

export const apiKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
}

let onUnauthorized: () => void = () => {}
export const whenUnauthorized = (handler: () => void) => {
  onUnauthorized = handler
}

export async function api<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  options: { key?: string; text?: boolean } = {},
): Promise<T> {
  const key = options.key ?? apiKey.get() ?? ''
  const headers: Record<string, string> = { 'x-api-key': key }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (response.status === 204) return undefined as T
  if (!response.ok) {
    const error = (await response.json().catch(() => ({}))) as {
      message?: string
      error?: { code?: string; field?: string }
    }
    if (response.status === 401 && options.key === undefined) onUnauthorized()
    throw new ApiError(
      response.status,
      error.message ?? `${method} ${path}: HTTP ${response.status}`,
      error.error?.field,
      error.error?.code,
    )
  }
  return (options.text ? await response.text() : await response.json()) as T
}

/** Query string from the defined values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value))
  }
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

// The API's own shapes (registry/model.ts), as types only: nothing of the server is bundled.
export type { SourceHealth } from '../../health/index.ts'
export type { LogSchema, Source } from '../../registry/model.ts'
export type SystemError = Static<typeof SystemErrorSchema>
