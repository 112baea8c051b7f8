/**
 * Search (`#/search?q=…&range=24h&source=…&logType=…`, or `from`/`to` instead of `range`): the query box
 * with its syntax help, the time window, source and log type filters, a histogram and count of matches
 * (`GET /events/count`), and the matching events newest first (`GET /events`), a page at a time. The URL
 * is the search: the page reads its state from it, and applying the form replaces it, so a search can be
 * shared, bookmarked and reloaded.
 */
import './search.css'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiError, api, type LogSchema, query, type Source } from '../api.ts'
import { type Bucket, EventsChart } from '../chart.ts'
import { navigate } from '../router.ts'
import { ErrorBanner, html, Loading, plural, useLoad } from '../ui.ts'
import { ResultsTable, type StoredEvent } from './search-results.ts'
import { SyntaxHelp } from './search-syntax.ts'
import {
  DEFAULT_RANGE,
  describeChoice,
  fromLocalInput,
  intervalFor,
  PRESETS,
  presetOf,
  type TimeChoice,
  toLocalInput,
  type Window,
  windowOf,
} from './search-time.ts'

/** Events per page; "Load more" fetches the next. */
export const PAGE_SIZE = 50

interface SearchState {
  q: string
  time: TimeChoice
  source: string
  logType: string
}

function stateOf(params: URLSearchParams): SearchState {
  const from = params.get('from') ?? undefined
  const to = params.get('to') ?? undefined
  const preset = presetOf(params.get('range'))
  return {
    q: params.get('q') ?? '',
    time: from || to ? { kind: 'custom', from, to } : { kind: 'preset', key: preset?.key ?? DEFAULT_RANGE },
    source: params.get('source') ?? '',
    logType: params.get('logType') ?? '',
  }
}

function paramsOf(state: SearchState): Record<string, string | undefined> {
  const time = state.time
  return {
    q: state.q.trim() || undefined,
    ...(time.kind === 'preset'
      ? { range: time.key === DEFAULT_RANGE ? undefined : time.key }
      : { from: time.from, to: time.to }),
    source: state.source || undefined,
    logType: state.logType || undefined,
  }
}

interface Results {
  /** The window as chosen, for saying what the results cover while the next search runs. */
  time: TimeChoice
  window: Window
  events: StoredEvent[]
  nextCursor: string | null
  count?: { count: number; buckets: Bucket[]; partial: boolean; interval: string }
  countError?: Error
}

/** `q: position 7: unexpected ')'` → 7 and the rest; null for other messages. */
function queryProblem(error: unknown): { position: number; detail: string } | null {
  if (!(error instanceof ApiError) || error.code !== 'INVALID_QUERY') return null
  const match = /position (\d+): (.*)$/s.exec(error.message)
  return match ? { position: Number(match[1]), detail: match[2]! } : { position: -1, detail: error.message }
}

const filtersOf = (state: SearchState, window: Window) => ({
  q: state.q.trim() || undefined,
  from: window.from,
  to: window.to,
  sourceId: state.source || undefined,
  logType: state.logType || undefined,
})

export function SearchPage({ params }: { params: URLSearchParams }) {
  const key = params.toString()
  const applied = useMemo(() => stateOf(new URLSearchParams(key)), [key])
  const [draft, setDraft] = useState<SearchState>(applied)
  const [run, setRun] = useState(0)
  const [results, setResults] = useState<Results>()
  const [error, setError] = useState<unknown>()
  const [loading, setLoading] = useState(true)
  const [loadingMore, setLoadingMore] = useState(false)
  const [showSyntax, setShowSyntax] = useState(false)
  const [formError, setFormError] = useState<string>()
  const box = useRef<HTMLInputElement>(null)
  const generation = useRef(0)
  const sources = useLoad(() => api<{ results: Source[] }>('GET', '/log-sources/http').then((b) => b.results))
  const schemas = useLoad(() => api<{ results: LogSchema[] }>('GET', '/schemas').then((b) => b.results))

  // The URL changed (a shared link, back, a new search): the form shows what it says.
  useEffect(() => setDraft(applied), [applied])

  useEffect(() => {
    const mine = ++generation.current
    const window = windowOf(applied.time)
    const filters = filtersOf(applied, window)
    const interval = intervalFor(window.ms)
    setLoading(true)
    setError(undefined)
    const page = api<{ results: StoredEvent[]; nextCursor: string | null }>(
      'GET',
      `/events${query({ ...filters, limit: PAGE_SIZE })}`,
    )
    const count = api<{ count: number; buckets: Bucket[]; partial: boolean; interval: string }>(
      'GET',
      `/events/count${query({ ...filters, interval })}`,
    )
    Promise.allSettled([page, count]).then(([events, counted]) => {
      if (mine !== generation.current) return
      setLoading(false)
      if (events.status === 'rejected') {
        setResults(undefined)
        setError(events.reason)
        return
      }
      setResults({
        time: applied.time,
        window,
        events: events.value.results,
        nextCursor: events.value.nextCursor,
        count: counted.status === 'fulfilled' ? counted.value : undefined,
        countError: counted.status === 'rejected' ? (counted.reason as Error) : undefined,
      })
    })
  }, [applied, run])

  const problem = queryProblem(error)
  // A refused query: the caret goes to where the server found the mistake.
  useEffect(() => {
    const input = box.current
    if (!problem || !input) return
    const at = Math.min(Math.max(problem.position, 0), input.value.length)
    input.focus()
    input.setSelectionRange(at, Math.min(at + 1, input.value.length))
  }, [error])

  const apply = (next: SearchState) => {
    const time = next.time
    if (time.kind === 'custom' && time.from && time.to && Date.parse(time.from) > Date.parse(time.to)) {
      setFormError('The start of the range is after its end.')
      return
    }
    setFormError(undefined)
    setDraft(next)
    navigate('search', paramsOf(next), true)
    setRun((n) => n + 1)
  }

  const loadMore = async () => {
    if (!results?.nextCursor) return
    const mine = generation.current
    setLoadingMore(true)
    try {
      const page = await api<{ results: StoredEvent[]; nextCursor: string | null }>(
        'GET',
        `/events${query({ ...filtersOf(applied, results.window), limit: PAGE_SIZE, cursor: results.nextCursor })}`,
      )
      if (mine !== generation.current) return
      setResults({ ...results, events: [...results.events, ...page.results], nextCursor: page.nextCursor })
    } catch (caught) {
      if (mine === generation.current) setError(caught)
    } finally {
      setLoadingMore(false)
    }
  }

  const sourceLabels = useMemo(
    () => new Map((sources.data ?? []).map((source) => [source.integrationId, source.integrationLabel])),
    [sources.data],
  )
  const useExample = (example: string) => {
    setDraft({ ...draft, q: example })
    box.current?.focus()
  }
  const custom = draft.time.kind === 'custom' ? draft.time : undefined

  return html`<section aria-labelledby="search-title" class="search">
    <h1 id="search-title">Search</h1>
    <form class="search-form" role="search" aria-label="Events" onSubmit=${(event: Event) => {
      event.preventDefault()
      apply(draft)
    }}>
      <label for="search-q" class="search-label">Query</label>
      <div class="search-bar">
        <input id="search-q" ref=${box} class="mono search-q" type="search" spellcheck=${false} autocomplete="off"
          placeholder=${'status >= 500 AND NOT path CONTAINS "/health"'} value=${draft.q}
          aria-invalid=${problem ? 'true' : undefined} aria-describedby=${problem ? 'search-q-error' : undefined}
          onInput=${(e: Event) => setDraft({ ...draft, q: (e.target as HTMLInputElement).value })} />
        <button type="submit" class="primary">Search</button>
        <button type="button" aria-expanded=${showSyntax ? 'true' : 'false'} aria-controls="search-syntax"
          onClick=${() => setShowSyntax(!showSyntax)}>Syntax</button>
      </div>
      ${problem ? html`<${QueryError} id="search-q-error" q=${applied.q} problem=${problem} />` : null}
      ${showSyntax ? html`<${SyntaxHelp} id="search-syntax" onUse=${useExample} />` : null}
      <div class="search-filters">
        <div role="group" aria-label="Time range" class="segmented">
          ${PRESETS.map(
            (preset) => html`<button key=${preset.key} type="button" title=${preset.long}
              aria-pressed=${draft.time.kind === 'preset' && draft.time.key === preset.key ? 'true' : 'false'}
              onClick=${() => apply({ ...draft, time: { kind: 'preset', key: preset.key } })}>${preset.label}</button>`,
          )}
          <button type="button" aria-pressed=${custom ? 'true' : 'false'} onClick=${() => {
            if (custom) return
            // The window in force, to the minute as the inputs show it, with the browser's offset.
            const now = windowOf(draft.time)
            const from = fromLocalInput(toLocalInput(now.from))
            const to = fromLocalInput(toLocalInput(now.to))
            setDraft({ ...draft, time: { kind: 'custom', from, to } })
          }}>Custom</button>
        </div>
        ${
          custom
            ? html`<div class="search-custom">
                <label for="search-from">From</label>
                <input id="search-from" type="datetime-local" value=${toLocalInput(custom.from)}
                  onChange=${(e: Event) =>
                    setDraft({
                      ...draft,
                      time: { ...custom, from: fromLocalInput((e.target as HTMLInputElement).value) },
                    })} />
                <label for="search-to">To</label>
                <input id="search-to" type="datetime-local" value=${toLocalInput(custom.to)}
                  onChange=${(e: Event) =>
                    setDraft({
                      ...draft,
                      time: { ...custom, to: fromLocalInput((e.target as HTMLInputElement).value) },
                    })} />
                <small class="muted">${Intl.DateTimeFormat().resolvedOptions().timeZone}; empty To means now</small>
              </div>`
            : null
        }
        <div class="search-select">
          <label for="search-source">Source</label>
          <select id="search-source" value=${draft.source}
            onChange=${(e: Event) => apply({ ...draft, source: (e.target as HTMLSelectElement).value })}>
            <option value="">All sources</option>
            ${(sources.data ?? []).map(
              (source) =>
                html`<option key=${source.integrationId} value=${source.integrationId}>${source.integrationLabel}</option>`,
            )}
            ${
              draft.source && !sourceLabels.has(draft.source)
                ? html`<option value=${draft.source}>${sources.data ? `${draft.source} (deleted)` : draft.source}</option>`
                : null
            }
          </select>
        </div>
        <div class="search-select">
          <label for="search-logtype">Log type</label>
          <select id="search-logtype" value=${draft.logType}
            onChange=${(e: Event) => apply({ ...draft, logType: (e.target as HTMLSelectElement).value })}>
            <option value="">All log types</option>
            ${(schemas.data ?? []).map((schema) => html`<option key=${schema.name} value=${schema.name}>${schema.name}</option>`)}
            ${
              draft.logType && !(schemas.data ?? []).some((schema) => schema.name === draft.logType)
                ? html`<option value=${draft.logType}>${draft.logType}</option>`
                : null
            }
          </select>
        </div>
      </div>
      <${ErrorBanner} error=${formError} />
    </form>
    <${ErrorBanner} error=${sources.error && `Sources could not be loaded: ${sources.error.message}`} />
    ${error && !problem ? html`<${ErrorBanner} error=${error as Error} />` : null}
    <${Summary} results=${results} loading=${loading} />
    ${
      results
        ? html`${
            results.events.length > 0
              ? html`<${ResultsTable} key=${`${key}#${run}`} events=${results.events} sourceLabels=${sourceLabels} />`
              : html`<p class="panel muted">No events match in ${describeChoice(results.time)}.</p>`
          }
          ${
            results.nextCursor
              ? html`<div class="search-more">
                  <button type="button" onClick=${loadMore} disabled=${loadingMore}>
                    ${loadingMore ? 'Loading…' : 'Load more'}</button>
                  <span class="muted">${plural(results.events.length, 'event')} shown</span>
                </div>`
              : results.events.length > 0
                ? html`<p class="muted search-more">${plural(results.events.length, 'event')} shown; that is all.</p>`
                : null
          }`
        : null
    }
  </section>`
}

function QueryError({
  id,
  q,
  problem,
}: {
  id: string
  q: string
  problem: { position: number; detail: string }
}) {
  const at = problem.position
  return html`<div class="error search-q-error" role="alert" id=${id}>
    <span>${at >= 0 ? `At character ${at + 1}: ` : ''}${problem.detail}</span>
    ${
      at >= 0 && q.length < 300
        ? html`<pre class="search-q-pointer" aria-hidden="true">${q}${'\n'}${' '.repeat(at)}^</pre>`
        : null
    }
  </div>`
}

const INTERVAL_MS: Record<string, number> = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 }
const paddedCache = new WeakMap<Bucket[], Bucket[]>()

/**
 * The buckets with an empty one before and after, so the first and last bars are drawn whole (a bar is
 * centred on its time, and the chart's x axis ends at the first and last times). The same array for the
 * same buckets, so the chart is not redrawn on every render.
 */
function padded(buckets: Bucket[], interval: string): Bucket[] {
  const step = INTERVAL_MS[interval]
  const first = buckets[0]
  const last = buckets.at(-1)
  if (!step || !first || !last) return buckets
  let result = paddedCache.get(buckets)
  if (!result) {
    result = [
      { time: new Date(Date.parse(first.time) - step).toISOString(), count: 0 },
      ...buckets,
      { time: new Date(Date.parse(last.time) + step).toISOString(), count: 0 },
    ]
    paddedCache.set(buckets, result)
  }
  return result
}

function Summary({ results, loading }: { results: Results | undefined; loading: boolean }) {
  if (!results) return loading ? html`<${Loading} what="Searching" />` : null
  const count = results.count
  return html`<div class="panel search-summary" aria-busy=${loading ? 'true' : 'false'}>
    <div class="spread">
      <p class="search-count" aria-live="polite">
        ${
          count
            ? html`<strong>${count.count.toLocaleString()} ${count.count === 1 ? 'match' : 'matches'}</strong>`
            : html`<strong>${plural(results.events.length, 'event')}</strong>`
        }
        <span class="muted"> in ${describeChoice(results.time)}${count ? ` · per ${{ '1m': 'minute', '1h': 'hour', '1d': 'day' }[count.interval] ?? count.interval}` : ''}</span>
      </p>
      ${loading ? html`<span class="muted">Updating…</span>` : null}
    </div>
    ${count?.partial ? html`<p class="warning">The count stopped early (the scan ran out of time); it is a lower bound.</p>` : null}
    ${results.countError ? html`<${ErrorBanner} error=${`The histogram could not be drawn: ${results.countError.message}`} />` : null}
    ${count ? html`<${EventsChart} buckets=${padded(count.buckets, count.interval)} label="Matching events" />` : null}
  </div>`
}
