/**
 * System errors (`#/errors?state=open|resolved|all`, optionally `&source=<id>`): what the appliance noticed
 * on its own (`GET /system-errors`), each with its source linked. A source deleted since is shown by its
 * id, without a link. Messages come from the server but may quote what a sender wrote, so they are text.
 */
import './errors.css'
import { api, query, type Source, type SystemError } from '../api.ts'
import { href } from '../router.ts'
import { ErrorBanner, formatTime, html, Loading, plural, TimeAgo, useLoad } from '../ui.ts'

const STATES = [
  ['open', 'Open'],
  ['resolved', 'Resolved'],
  ['all', 'All'],
] as const
type StateFilter = (typeof STATES)[number][0]

/** What each type means, for a title and for people who do not know the codes yet. */
const TYPES: Record<string, string> = {
  SOURCE_NO_DATA: 'No data',
  SOURCE_CLASSIFICATION_FAILURES: 'Classification failures',
  LOG_WRITE_FAILURE: 'Log write failure',
  ALERT_DELIVERY_FAILURE: 'Alert delivery failure',
}

const LIMIT = 500

export function ErrorsPage({ params }: { params: URLSearchParams }) {
  const requested = params.get('state')
  const state: StateFilter = STATES.some(([key]) => key === requested) ? (requested as StateFilter) : 'open'
  const sourceId = params.get('source') ?? undefined
  const filter = query({ state: state === 'all' ? undefined : state, sourceId, limit: LIMIT })
  const loaded = useLoad(
    () =>
      api<{ results: SystemError[] }>('GET', `/system-errors${filter}`).then((body) => ({
        filter,
        results: body.results,
      })),
    [filter],
  )
  // While another tab loads, the list of the one before is not shown under its name.
  const errors = { ...loaded, data: loaded.data?.filter === filter ? loaded.data.results : undefined }
  const sources = useLoad(() =>
    api<{ results: Source[] }>('GET', '/log-sources/http').then((body) => body.results),
  )
  const labels = new Map(
    (sources.data ?? []).map((source) => [source.integrationId, source.integrationLabel]),
  )
  const filterLabel = sourceId ? (labels.get(sourceId) ?? sourceId) : undefined

  return html`<section aria-labelledby="errors-title">
    <div class="spread">
      <h1 id="errors-title">System errors</h1>
      <button type="button" onClick=${() => {
        errors.reload()
        sources.reload()
      }} disabled=${errors.loading}>${errors.loading ? 'Refreshing…' : 'Refresh'}</button>
    </div>
    <p class="muted">What Inlet noticed on its own: sources gone quiet, events no log type reads, a log that
      cannot write, alerts that cannot be delivered. Each resolves when its cause goes away.</p>
    <div class="tabs" role="navigation" aria-label="Which errors">
      ${STATES.map(
        ([key, label]) =>
          html`<a key=${key} href=${href('errors', { state: key === 'open' ? undefined : key, source: sourceId })}
            aria-current=${key === state ? 'page' : undefined}>${label}</a>`,
      )}
    </div>
    ${
      filterLabel
        ? html`<p class="row">Of source <strong>${filterLabel}</strong>
            <a href=${href('errors', { state: state === 'open' ? undefined : state })}>Show every source</a></p>`
        : null
    }
    <${ErrorBanner} error=${errors.error} />
    ${
      errors.data === undefined
        ? errors.loading
          ? html`<${Loading} what="Loading system errors" />`
          : null
        : errors.data.length === 0
          ? html`<p class="panel muted">${
              state === 'open'
                ? 'No open system errors: all is well.'
                : state === 'resolved'
                  ? 'No resolved system errors.'
                  : 'No system errors yet.'
            }</p>`
          : html`<${ErrorTable} errors=${errors.data} labels=${labels} sourcesLoaded=${sources.data !== undefined} />
            ${errors.data.length >= LIMIT ? html`<p class="muted">The newest ${LIMIT} shown.</p>` : null}`
    }
  </section>`
}

function SourceCell({
  id,
  labels,
  loaded,
}: {
  id: string | null
  labels: Map<string, string>
  loaded: boolean
}) {
  if (id === null) return html`<span class="muted">appliance</span>`
  const label = labels.get(id)
  if (label !== undefined) return html`<a href=${href(`sources/${id}`)}>${label}</a>`
  if (!loaded) return html`<a href=${href(`sources/${id}`)}><code>${id}</code></a>`
  return html`<span><code>${id}</code> <span class="muted">(deleted)</span></span>`
}

function ErrorTable({
  errors,
  labels,
  sourcesLoaded,
}: {
  errors: SystemError[]
  labels: Map<string, string>
  sourcesLoaded: boolean
}) {
  return html`<table class="errors-table">
    <caption class="muted">${plural(errors.length, 'system error')}</caption>
    <thead>
      <tr>
        <th scope="col">Type</th><th scope="col">Message</th><th scope="col">Source</th>
        <th scope="col" class="errors-num">Count</th><th scope="col">First seen</th><th scope="col">Last seen</th>
        <th scope="col">Resolved</th>
      </tr>
    </thead>
    <tbody>
      ${errors.map(
        (error) => html`<tr key=${error.id}>
          <td>
            <span class=${`badge ${error.state === 'open' ? 'bad' : 'neutral'}`}>${error.state}</span>
            <div class="errors-type">${TYPES[error.type] ?? error.type}</div>
            <code class="errors-code">${breakable(error.type)}</code>
          </td>
          <td class="wrap">${error.message}</td>
          <td class="wrap"><${SourceCell} id=${error.sourceId} labels=${labels} loaded=${sourcesLoaded} /></td>
          <td class="errors-num">${error.count.toLocaleString()}</td>
          <td><${When} iso=${error.firstSeenAt} /></td>
          <td><${When} iso=${error.lastSeenAt} /></td>
          <td>${error.resolvedAt ? html`<${When} iso=${error.resolvedAt} />` : html`<span class="muted">open</span>`}</td>
        </tr>`,
      )}
    </tbody>
  </table>`
}

/** `SOURCE_NO_DATA` with a line break allowed after each underscore, not inside a word. */
const breakable = (code: string) =>
  code.split('_').map((part, i, parts) => (i < parts.length - 1 ? html`${part}_<wbr />` : part))

/** The time in full with how long ago under it. */
function When({ iso }: { iso: string }) {
  return html`<div class="errors-when"><span>${formatTime(iso)}</span><small class="muted"><${TimeAgo} iso=${iso} /></small></div>`
}
