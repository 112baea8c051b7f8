/**
 * The search results: one row per event (time, source, log type, a one-line preview of what the sender
 * wrote), each opening with its button to the whole event as pretty JSON. Events are untrusted: every
 * value is rendered as text by Preact, never as markup.
 */
import { useState } from 'preact/hooks'
import { CopyButton, formatTime, html, JsonView } from '../ui.ts'

export type StoredEvent = Record<string, unknown>

const PREVIEW_CHARS = 400

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

/** The sender's own fields as one line of JSON (the p_* fields the server adds are in the other columns). */
export function preview(event: StoredEvent): string {
  const own = Object.entries(event).filter(([key]) => !key.startsWith('p_'))
  const line = JSON.stringify(own.length > 0 ? Object.fromEntries(own) : event)
  return line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS)}…` : line
}

export function ResultsTable({
  events,
  sourceLabels,
}: {
  events: StoredEvent[]
  sourceLabels: Map<string, string>
}) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set())
  const toggle = (key: string) =>
    setOpen((previous) => {
      const next = new Set(previous)
      if (next.has(key)) next.delete(key)
      else next.add(key)
      return next
    })
  return html`<table class="search-results">
    <colgroup>
      <col class="search-col-time" /><col class="search-col-source" /><col class="search-col-type" /><col />
    </colgroup>
    <thead>
      <tr><th scope="col">Time</th><th scope="col">Source</th><th scope="col">Log type</th><th scope="col">Event</th></tr>
    </thead>
    <tbody>
      ${events.map((event, index) => {
        const key = text(event.p_row_id) ?? `row-${index}`
        const expanded = open.has(key)
        const detailId = `event-${index}`
        const time = text(event.p_event_time)
        const sourceId = text(event.p_source_id)
        const source =
          text(event.p_source_label) ?? (sourceId ? sourceLabels.get(sourceId) : undefined) ?? sourceId
        const logType = text(event.p_log_type)
        const failure = text(event.p_classification_error)
        const onRow = (click: MouseEvent) => {
          // A click that selects text, or lands on a button or link of the row, does not toggle it.
          if (window.getSelection()?.toString()) return
          if ((click.target as Element).closest('button, a')) return
          toggle(key)
        }
        return html`
          <tr key=${key} class=${`expandable${expanded ? ' search-open' : ''}`} onClick=${onRow}>
            <td>
              <button type="button" class="search-toggle" aria-expanded=${expanded ? 'true' : 'false'}
                aria-controls=${expanded ? detailId : undefined} onClick=${() => toggle(key)}>
                <span class="search-chevron" aria-hidden="true">${expanded ? '▾' : '▸'}</span>
                <span class="search-hidden">Event of </span>
                ${time ? html`<time datetime=${time}>${formatTime(time)}</time>` : html`<span class="muted">no time</span>`}
              </button>
            </td>
            <td class="search-cell">${source ?? html`<span class="muted">—</span>`}</td>
            <td class="search-cell">
              ${
                logType
                  ? logType
                  : failure
                    ? html`<span class="badge warn" title=${failure}>unclassified</span>`
                    : html`<span class="muted">—</span>`
              }
            </td>
            <td class="search-cell search-preview"><code>${preview(event)}</code></td>
          </tr>
          ${
            expanded
              ? html`<tr key=${`${key}-detail`} id=${detailId} class="search-detail">
                  <td colspan="4">
                    ${failure ? html`<p class="warning">Not classified: ${failure}</p>` : null}
                    <div class="row search-detail-actions">
                      <${CopyButton} text=${JSON.stringify(event, null, 2)} label="Copy JSON" />
                    </div>
                    <${JsonView} value=${event} />
                  </td>
                </tr>`
              : null
          }`
      })}
    </tbody>
  </table>`
}
