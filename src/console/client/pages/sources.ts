/**
 * The sources list, `#/sources`: every source with its auth, log types, status, last event and how many
 * events it stored in the last 24 hours, sortable by any column; and, with no source yet, how to start.
 * The list is one `GET /log-sources/http`; the 24-hour counts are one `GET /events/count` per source, a
 * few at a time, filled in as they arrive.
 */
import './sources.css'
import { useEffect, useState } from 'preact/hooks'
import { api, query, type Source } from '../api.ts'
import { href } from '../router.ts'
import {
  ErrorBanner,
  html,
  Loading,
  plural,
  type SourceStatus,
  StatusBadge,
  sourceStatus,
  TimeAgo,
  useLoad,
} from '../ui.ts'

/** Counts asked for at once: each is a scan of the log, so a long list does not start them all together. */
const COUNT_CONCURRENCY = 4

type Column = 'name' | 'auth' | 'logTypes' | 'status' | 'lastEvent' | 'events'
type Direction = 'ascending' | 'descending'
/** A source's 24-hour count: a number, `undefined` while loading, `null` when it could not be read. */
type Counts = Record<string, number | null | undefined>

const COLUMNS: { key: Column; label: string; numeric?: boolean }[] = [
  { key: 'name', label: 'Name' },
  { key: 'auth', label: 'Auth' },
  { key: 'logTypes', label: 'Log types' },
  { key: 'status', label: 'Status' },
  { key: 'lastEvent', label: 'Last event' },
  { key: 'events', label: 'Events (24 h)', numeric: true },
]

/** Most in need of attention first when sorted ascending. */
const STATUS_ORDER: Record<SourceStatus, number> = {
  'no data': 0,
  'never received': 1,
  'alarm off': 2,
  healthy: 3,
}

const authText = (source: Source) =>
  source.authMethod === 'HMAC' ? `HMAC (${source.authHmacScheme ?? 'raw'})` : source.authMethod

function sortKey(source: Source, column: Column, counts: Counts): string | number {
  switch (column) {
    case 'name':
      return source.integrationLabel.toLowerCase()
    case 'auth':
      return authText(source).toLowerCase()
    case 'logTypes':
      return source.logTypes.join(', ').toLowerCase()
    case 'status':
      return STATUS_ORDER[sourceStatus(source)]
    case 'lastEvent':
      return source.health?.lastEventReceivedAtTime ? Date.parse(source.health.lastEventReceivedAtTime) : 0
    case 'events':
      return counts[source.integrationId] ?? -1
  }
}

export function sortSources(
  sources: readonly Source[],
  column: Column,
  direction: Direction,
  counts: Counts,
) {
  const sign = direction === 'ascending' ? 1 : -1
  return [...sources].sort((a, b) => {
    const x = sortKey(a, column, counts)
    const y = sortKey(b, column, counts)
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
    return order * sign || a.integrationLabel.localeCompare(b.integrationLabel)
  })
}

/**
 * Each source's event count over the last 24 hours (the server's default window, so the server's clock
 * decides it), `COUNT_CONCURRENCY` at a time; read again whenever the list is. The previous counts stay
 * on show until the new ones arrive.
 */
function useCounts(sources: readonly Source[] | undefined): Counts {
  const [counts, setCounts] = useState<Counts>({})
  useEffect(() => {
    let live = true
    const queue = (sources ?? []).map((source) => source.integrationId)
    const next = async (): Promise<void> => {
      const id = queue.shift()
      if (id === undefined || !live) return
      let count: number | null
      try {
        const answer = await api<{ count: number }>(
          'GET',
          `/events/count${query({ sourceId: id, interval: '1d' })}`,
        )
        count = answer.count
      } catch {
        count = null
      }
      if (live) setCounts((previous) => ({ ...previous, [id]: count }))
      return next()
    }
    for (let i = 0; i < COUNT_CONCURRENCY; i++) void next()
    return () => {
      live = false
    }
  }, [sources])
  return counts
}

export function SourcesPage(_props: Record<string, unknown>) {
  const loaded = useLoad(() => api<{ results: Source[] }>('GET', '/log-sources/http'))
  const sources = loaded.data?.results
  const counts = useCounts(sources)
  const [sort, setSort] = useState<{ column: Column; direction: Direction }>({
    column: 'name',
    direction: 'ascending',
  })

  const header = html`<div class="spread sources-head">
    <h1>Sources</h1>
    <div class="row">
      ${sources && sources.length > 0 ? html`<button type="button" onClick=${loaded.reload}>Refresh</button>` : null}
      <a class="button primary" href=${href('sources/new')}>New source</a>
    </div>
  </div>`

  if (!sources) {
    return html`${header}${loaded.error ? html`<${ErrorBanner} error=${loaded.error} />` : html`<${Loading} what="Loading the sources" />`}`
  }
  if (sources.length === 0) return html`${header}<${EmptyState} />`

  const toggle = (column: Column) =>
    setSort((current) => ({
      column,
      direction:
        current.column === column
          ? current.direction === 'ascending'
            ? 'descending'
            : 'ascending'
          : column === 'events' || column === 'lastEvent'
            ? 'descending'
            : 'ascending',
    }))
  const rows = sortSources(sources, sort.column, sort.direction, counts)

  return html`${header}
    ${loaded.error ? html`<${ErrorBanner} error=${`Could not refresh the list: ${loaded.error.message}`} />` : null}
    <p class="muted">${plural(sources.length, 'source')}. Select a column heading to sort by it.</p>
    <div class="sources-table" role="region" aria-label="Sources table" tabindex="0">
      <table>
        <caption class="visually-hidden">
          Sources, sorted by ${COLUMNS.find((c) => c.key === sort.column)?.label} (${sort.direction})
        </caption>
        <thead>
          <tr>
            ${COLUMNS.map(
              ({ key, label, numeric }) => html`<th
                scope="col"
                class=${numeric ? 'numeric' : undefined}
                aria-sort=${sort.column === key ? sort.direction : undefined}
              >
                <button type="button" onClick=${() => toggle(key)}>
                  ${label}<span class="sort-mark" aria-hidden="true"
                    >${sort.column === key ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ' ↕'}</span
                  >
                </button>
              </th>`,
            )}
          </tr>
        </thead>
        <tbody>
          ${rows.map((source) => html`<${SourceRow} key=${source.integrationId} source=${source} count=${counts[source.integrationId]} />`)}
        </tbody>
      </table>
    </div>`
}

function SourceRow({ source, count }: { source: Source; count: number | null | undefined }) {
  return html`<tr>
    <th scope="row" class="wrap">
      <a href=${href(`sources/${encodeURIComponent(source.integrationId)}`)}>${source.integrationLabel}</a>
    </th>
    <td>${authText(source)}</td>
    <td class="wrap">
      ${source.logTypes.length === 0 ? html`<span class="muted">none</span>` : source.logTypes.join(', ')}
    </td>
    <td><${StatusBadge} status=${sourceStatus(source)} /></td>
    <td><${TimeAgo} iso=${source.health?.lastEventReceivedAtTime} /></td>
    <td class="numeric">
      ${
        count === undefined
          ? html`<span class="muted" aria-hidden="true">…</span><span class="visually-hidden">counting</span>`
          : count === null
            ? html`<span class="muted" title="The count could not be read">?</span>`
            : count.toLocaleString()
      }
    </td>
  </tr>`
}

function EmptyState() {
  return html`<section class="panel sources-empty" aria-labelledby="sources-empty-title">
    <h2 id="sources-empty-title">No sources yet</h2>
    <p>A source is an ingest URL that senders post their events to. To start:</p>
    <ol>
      <li><a href=${href('sources/new')}>Create a source</a>: pick how its senders authenticate.</li>
      <li>Point a sender (a webhook, a log shipper, <code>curl</code>) at the source's ingest URL, with its secret.</li>
      <li>Watch the events arrive here and search them.</li>
    </ol>
    <p class="muted">From a shell, the same with the command line:</p>
    <pre>inlet source create --label "My app" --auth Bearer</pre>
  </section>`
}
