/**
 * What the tabs of the source page share: reading the source, describing its auth, formatting counters,
 * and the input handlers every form on the page uses.
 */
import { useEffect } from 'preact/hooks'
import { api, type Source } from '../api.ts'
import { type Loaded, useLoad } from '../ui.ts'

export const sourcePath = (id: string) => `/log-sources/http/${encodeURIComponent(id)}`

export function useLoadedSource(id: string): Loaded<Source> {
  return useLoad(() => api<Source>('GET', sourcePath(id)), [id])
}

/** Calls `tick` every `ms` while the tab is visible (a hidden tab asks nothing of the server). */
export function useEvery(ms: number, tick: () => void): void {
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') tick()
    }, ms)
    return () => clearInterval(timer)
  }, [ms, tick])
}

/** How senders authenticate, in a few words. */
export function authDescription(source: Source): string {
  switch (source.authMethod) {
    case 'None':
      return 'none: anyone who knows the URL can send'
    case 'Bearer':
      return 'Bearer token in the Authorization header'
    case 'Basic':
      return `Basic auth as ${source.authUsername ?? '(no user)'}`
    case 'SharedSecret':
      return `shared secret in the ${source.authHeaderKey ?? '(unset)'} header`
    case 'HMAC':
      return `HMAC-${(source.authHmacAlg ?? 'sha256').toUpperCase()} signature (${source.authHmacScheme ?? 'raw'}) in the ${source.authHeaderKey ?? '(unset)'} header`
  }
}

const BYTE_UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0
    ? `${bytes.toLocaleString()} bytes`
    : `${value.toFixed(value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`
}

/** `90` → `1 h 30 min`, `1440` → `1 day`. */
export function formatMinutes(minutes: number): string {
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  const rest = minutes % 60
  const parts = [
    days && `${days} ${days === 1 ? 'day' : 'days'}`,
    hours && `${hours} h`,
    rest && `${rest} min`,
  ].filter(Boolean)
  return parts.length === 0 ? '0 min' : parts.join(' ')
}

/** The value of the input or select an event came from. */
export const inputValue = (event: Event) => (event.target as HTMLInputElement | HTMLSelectElement).value

/** Fields of a GET answer the server sets itself, left out of a PUT body; the alarm has its own endpoint. */
const SET_BY_SERVER = [
  'integrationId',
  'url',
  'health',
  'createdAt',
  'lastModified',
  'previousSecretExpiresAt',
  'noDataAlarm',
] as const

export type SourceBody = Omit<Source, (typeof SET_BY_SERVER)[number]>

/** The body of `PUT /log-sources/http/{id}`: the source as read, with `changes`, and nothing the server sets. */
export function sourceBody(source: Source, changes: Partial<SourceBody> = {}): Partial<SourceBody> {
  const body: Record<string, unknown> = { ...source, ...changes }
  for (const field of SET_BY_SERVER) delete body[field]
  for (const [field, value] of Object.entries(body)) if (value === undefined) delete body[field]
  return body as Partial<SourceBody>
}

/** Reads the source afresh and replaces it with `change` applied, so a change made elsewhere is kept. */
export async function updateSource(
  id: string,
  change: (source: Source) => Partial<SourceBody>,
): Promise<Source> {
  const current = await api<Source>('GET', sourcePath(id))
  return api<Source>('PUT', sourcePath(id), sourceBody(current, change(current)))
}
