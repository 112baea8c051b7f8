/**
 * The recent events tab of a source: its newest events (of the last 24 hours, the search's default
 * window), 50 at a time, each a row with its time, log type and a one-line preview that opens into the
 * whole event as JSON. Events are what senders wrote, so every part of them is rendered as text.
 */
import { useCallback, useEffect, useState } from 'preact/hooks'
import { api, query, type Source } from '../api.ts'
import { href } from '../router.ts'
import { ErrorBanner, formatTime, html, JsonView, Loading, plural } from '../ui.ts'

const PAGE_SIZE = 50
const PREVIEW_CHARS = 400

type StoredEvent = Record<string, unknown>

interface EventsPage {
  results: StoredEvent[]
  nextCursor: string | null
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

/** The event as the sender wrote it, on one line: the `p_` fields Inlet added are left out. */
export function preview(event: StoredEvent): string {
  const own = Object.fromEntries(Object.entries(event).filter(([key]) => !key.startsWith('p_')))
  const line = JSON.stringify(own)
  return line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS)}…` : line
}

export function SourceEvents({ source }: { source: Source }) {
  const id = source.integrationId
  const [events, setEvents] = useState<StoredEvent[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<Error>()
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set())

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true)
      setError(undefined)
      try {
        const page = await api<EventsPage>(
          'GET',
          `/events${query({ sourceId: id, limit: PAGE_SIZE, cursor: after ?? undefined })}`,
        )
        setEvents((previous) => (after === null ? page.results : [...previous, ...page.results]))
        setCursor(page.nextCursor)
        if (after === null) setOpen(new Set())
      } catch (caught) {
        setError(caught as Error)
      } finally {
        setLoading(false)
      }
    },
    [id],
  )
  useEffect(() => {
    load(null)
  }, [load])

  const toggle = (index: number) =>
    setOpen((previous) => {
      const next = new Set(previous)
      if (!next.delete(index)) next.add(index)
      return next
    })

  return html`<section aria-labelledby="events-title">
    <div class="spread">
      <h2 id="events-title">Recent events</h2>
      <div class="row">
        <a href=${href('search', { source: id })}>Search this source's events</a>
        <button type="button" class="small" onClick=${() => load(null)} disabled=${loading}>Refresh</button>
      </div>
    </div>
    <p class="muted">The newest events of the last 24 hours, newest first.
      ${events.length > 0 ? ` Showing ${plural(events.length, 'event')}.` : ''}</p>
    <${ErrorBanner} error=${error} />
    ${
      events.length === 0 && !loading && !error
        ? html`<p class="panel">No events from this source in the last 24 hours.</p>`
        : null
    }
    ${
      events.length > 0
        ? html`<ol class="source-events" aria-label="Recent events">
            ${events.map(
              (event, index) => html`<${EventRow} key=${index} event=${event} index=${index}
              expanded=${open.has(index)} onToggle=${toggle} />`,
            )}
          </ol>`
        : null
    }
    ${loading ? html`<${Loading} what="Loading events" />` : null}
    ${
      cursor !== null && !loading
        ? html`<p><button type="button" onClick=${() => load(cursor)}>Load more</button></p>`
        : null
    }
  </section>`
}

function EventRow({
  event,
  index,
  expanded,
  onToggle,
}: {
  event: StoredEvent
  index: number
  expanded: boolean
  onToggle: (index: number) => void
}) {
  const time = text(event.p_event_time)
  const logType = text(event.p_log_type)
  const failure = text(event.p_classification_error)
  const detail = `source-event-${index}`
  return html`<li class=${`source-event${expanded ? ' open' : ''}`}>
    <button type="button" class="source-event-row" aria-expanded=${expanded ? 'true' : 'false'} aria-controls=${detail}
      onClick=${() => onToggle(index)}>
      <span class="source-event-caret" aria-hidden="true">${expanded ? '▾' : '▸'}</span>
      <time datetime=${time} class="source-event-time">${time ? formatTime(time) : 'no time'}</time>
      <span class="source-event-type">
        ${
          logType
            ? html`<code>${logType}</code>`
            : failure
              ? html`<span class="badge warn">unclassified</span>`
              : html`<span class="muted">no log type</span>`
        }
      </span>
      <span class="source-event-preview mono">${preview(event)}</span>
    </button>
    <div id=${detail} class="source-event-detail" hidden=${!expanded}>
      ${
        expanded
          ? html`${failure ? html`<p class="warning">Not classified: ${failure}</p>` : null}
              <${JsonView} value=${event} />`
          : null
      }
    </div>
  </li>`
}
