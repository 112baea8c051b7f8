/**
 * The console's small kit: `html` (htm bound to Preact), data loading, and the pieces every page uses.
 * Everything a server or a sender wrote is rendered as text through Preact, never as HTML, so an event
 * holding `<script>` or `<img onerror>` shows as those characters.
 */

import htm from 'htm'
import { type ComponentChildren, h } from 'preact'
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import type { Source } from './api.ts'

export const html = htm.bind(h)

export interface Loaded<T> {
  data?: T
  error?: Error
  loading: boolean
  reload: () => void
}

/** Runs `load` on mount and whenever `deps` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    setState((previous) => ({ ...previous, loading: true }))
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    )
    return () => {
      live = false
    }
  }, [...deps, tick])
  return { ...state, reload: useCallback(() => setTick((n) => n + 1), []) }
}

export function ErrorBanner({ error }: { error: Error | string | undefined }) {
  if (!error) return null
  return html`<p class="error" role="alert">${typeof error === 'string' ? error : error.message}</p>`
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return html`<p class="muted" aria-live="polite">${what}…</p>`
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text)
    } catch {
      // Without clipboard access (plain http, a denied permission) the text is selected for Ctrl+C.
      const area = document.createElement('textarea')
      area.value = text
      document.body.append(area)
      area.select()
      document.execCommand('copy')
      area.remove()
    }
    setDone(true)
    setTimeout(() => setDone(false), 1500)
  }
  return html`<button type="button" class="small" onClick=${copy} aria-label=${`${label}: ${text.slice(0, 40)}`}>
    ${done ? 'Copied' : label}
  </button>`
}

/** A value with its copy button, in a monospace box. */
export function Copyable({ text, label }: { text: string; label: string }) {
  return html`<div class="copyable"><code>${text}</code><${CopyButton} text=${text} label=${`Copy ${label}`} /></div>`
}

export function Field({
  label,
  hint,
  children,
  id,
}: {
  label: string
  hint?: string
  children: ComponentChildren
  id: string
}) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${children}
    ${hint ? html`<small id=${`${id}-hint`} class="muted">${hint}</small>` : null}
  </div>`
}

/** A modal dialog on the native <dialog>: focus is trapped and Escape closes it. */
export function Dialog({
  title,
  onClose,
  children,
}: {
  title: string
  onClose: () => void
  children: ComponentChildren
}) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])
  return html`<dialog ref=${ref} onClose=${onClose} aria-label=${title}>
    <h2>${title}</h2>
    ${children}
  </dialog>`
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return 'never'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString()
}

/** `3 min ago`, `2 h ago`, `4 d ago`. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never'
  const seconds = Math.round((now - Date.parse(iso)) / 1000)
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`
  return `${Math.round(seconds / 86_400)} d ago`
}

export function TimeAgo({ iso }: { iso: string | null | undefined }) {
  return iso
    ? html`<time datetime=${iso} title=${formatTime(iso)}>${ago(iso)}</time>`
    : html`<span class="muted">never</span>`
}

export type SourceStatus = 'healthy' | 'no data' | 'never received' | 'alarm off'

/** The badge of the sources list: what the no-data alarm says, or why it cannot say it. */
export function sourceStatus(source: Source): SourceStatus {
  const alarm = source.health?.alarms.find((a) => a.type === 'SOURCE_NO_DATA')
  if (alarm?.state === 'ALARM') return 'no data'
  if (!source.health?.lastEventReceivedAtTime) return 'never received'
  if (!alarm) return 'alarm off'
  return 'healthy'
}

export function StatusBadge({ status }: { status: SourceStatus }) {
  const tone = { healthy: 'good', 'no data': 'bad', 'never received': 'neutral', 'alarm off': 'warn' }[status]
  return html`<span class=${`badge ${tone}`}>${status}</span>`
}

/** Pretty JSON as text (never as HTML). */
export function JsonView({ value }: { value: unknown }) {
  return html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`
}

export const plural = (count: number, word: string) =>
  `${count.toLocaleString()} ${word}${count === 1 ? '' : 's'}`
