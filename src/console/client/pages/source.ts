/**
 * One source's page, `#/sources/<id>[/<tab>]`: its name, status, ingest URL and auth in a header, and four
 * tabs: the overview (health, the no-data alarm, counters, a chart, open system errors), the recent
 * events, the schemas it classifies with (and a draft inferred from what it received), and its settings
 * (edit, rotate the secret, delete). The source is read once here and handed to the tab shown; a tab that
 * changes it asks for it to be read again.
 */
import './source.css'
import { useRef } from 'preact/hooks'
import { ApiError, type Source } from '../api.ts'
import { href } from '../router.ts'
import { Copyable, ErrorBanner, html, Loading, StatusBadge, sourceStatus } from '../ui.ts'
import { SourceEvents } from './source-events.ts'
import { SourceOverview } from './source-overview.ts'
import { SourceSchemas } from './source-schemas.ts'
import { SourceSettings } from './source-settings.ts'
import { authDescription, useLoadedSource } from './source-shared.ts'

const TABS = [
  ['', 'Overview'],
  ['events', 'Recent events'],
  ['schema', 'Schemas'],
  ['settings', 'Settings'],
] as const

type Tab = (typeof TABS)[number][0]

const tabOf = (tab: string | undefined): Tab | undefined => TABS.find(([path]) => path === (tab ?? ''))?.[0]

export function SourcePage({ id, tab }: { id: string; tab?: string }) {
  const loaded = useLoadedSource(id)
  const current = tabOf(tab)
  const missing = loaded.error instanceof ApiError && loaded.error.status === 404
  // The last good read stays on screen when a refresh fails (but not once the source is gone), and is
  // not shown for another source while that one loads.
  const lastGood = useRef<Source>(undefined)
  if (loaded.data) lastGood.current = loaded.data
  const kept = lastGood.current?.integrationId === id.toLowerCase() && !missing ? lastGood.current : undefined
  const source =
    loaded.data?.integrationId === id.toLowerCase() ? loaded.data : loaded.error ? kept : undefined
  if (!source) {
    if (loaded.error) {
      return html`<p><a href=${href('sources')}>← Sources</a></p>
        <h1>${missing ? 'No such source' : 'Source'}</h1>
        ${
          missing
            ? html`<p>There is no source with the id <code>${id}</code>; it may have been deleted.</p>`
            : html`<${ErrorBanner} error=${loaded.error} />`
        }`
    }
    return html`<${Loading} what="Loading the source" />`
  }
  const base = `sources/${encodeURIComponent(source.integrationId)}`
  return html`<div class="source-page">
    <p class="source-back"><a href=${href('sources')}>← Sources</a></p>
    <${SourceHeader} source=${source} />
    <nav class="tabs" aria-label="Source sections">
      ${TABS.map(
        ([path, label]) =>
          html`<a href=${href(path ? `${base}/${path}` : base)}
            aria-current=${current === path ? 'page' : undefined}>${label}</a>`,
      )}
    </nav>
    ${loaded.error ? html`<${ErrorBanner} error=${`Could not refresh the source: ${loaded.error.message}`} />` : null}
    ${tabContent(current, source, loaded.reload)}
  </div>`
}

function tabContent(tab: Tab | undefined, source: Source, reload: () => void) {
  switch (tab) {
    case '':
      return html`<${SourceOverview} source=${source} reload=${reload} />`
    case 'events':
      return html`<${SourceEvents} source=${source} />`
    case 'schema':
      return html`<${SourceSchemas} source=${source} reload=${reload} />`
    case 'settings':
      return html`<${SourceSettings} source=${source} reload=${reload} />`
    default:
      return html`<p>This source has no such tab. <a href=${href(`sources/${source.integrationId}`)}>See its overview</a>.</p>`
  }
}

function SourceHeader({ source }: { source: Source }) {
  const cidrs = source.allowedCidrs
  return html`<header class="source-header">
    <div class="row">
      <h1>${source.integrationLabel}</h1>
      <${StatusBadge} status=${sourceStatus(source)} />
    </div>
    <dl class="source-facts">
      <div class="source-url">
        <dt>Ingest URL</dt>
        <dd><${Copyable} text=${source.url} label="ingest URL" /></dd>
      </div>
      <div>
        <dt>Auth</dt>
        <dd>${authDescription(source)}</dd>
      </div>
      <div>
        <dt>Senders</dt>
        <dd>
          ${
            cidrs.length === 0
              ? 'any address'
              : cidrs.length <= 2
                ? cidrs.join(', ')
                : `${cidrs.slice(0, 2).join(', ')} and ${cidrs.length - 2} more`
          }
        </dd>
      </div>
    </dl>
  </header>`
}
