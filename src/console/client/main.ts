/**
 * The console's entry: sign-in, the frame (navigation, sign-out) and the page of the current route.
 * Bundled by runtime/console-bundle.ts; see ../index.ts for how it is served.
 */
import './style.css'
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ApiError, api, apiKey, whenUnauthorized } from './api.ts'
import { ErrorsPage } from './pages/errors.ts'
import { SchemasPage } from './pages/schemas.ts'
import { SearchPage } from './pages/search.ts'
import { SourcePage } from './pages/source.ts'
import { NewSourcePage } from './pages/source-new.ts'
import { SourcesPage } from './pages/sources.ts'
import { href, type Route, useRoute } from './router.ts'
import { html } from './ui.ts'

const NAV = [
  ['sources', 'Sources'],
  ['schemas', 'Schemas'],
  ['search', 'Search'],
  ['errors', 'System errors'],
] as const

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      await api('GET', '/log-sources/http', undefined, { key })
      apiKey.set(key)
      onSignedIn()
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? 'That API key is not valid.'
          : `Could not reach Inlet: ${(caught as Error).message}`,
      )
    } finally {
      setBusy(false)
    }
  }
  return html`<main class="sign-in">
    <h1>Inlet</h1>
    <form onSubmit=${submit}>
      <label for="api-key">API key</label>
      <input id="api-key" type="password" autocomplete="current-password" required value=${key}
        onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} aria-describedby="api-key-hint" />
      <small id="api-key-hint" class="muted">The admin key: printed on first start and kept in
        <code>${'<data-dir>/api-key'}</code>. It stays in this tab only.</small>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`
}

function Page({ route }: { route: Route }) {
  const [section = 'sources', id, sub] = route.path
  switch (section) {
    case 'sources':
      if (id === 'new') return html`<${NewSourcePage} />`
      if (id) return html`<${SourcePage} id=${id} tab=${sub} />`
      return html`<${SourcesPage} />`
    case 'schemas':
      return html`<${SchemasPage} name=${id} />`
    case 'search':
      return html`<${SearchPage} params=${route.params} />`
    case 'errors':
      return html`<${ErrorsPage} params=${route.params} />`
    default:
      return html`<p>No such page. <a href="#/sources">Go to the sources</a>.</p>`
  }
}

function App() {
  const [signedIn, setSignedIn] = useState(apiKey.get() !== null)
  const route = useRoute()
  useEffect(() => whenUnauthorized(() => setSignedIn(false)), [])
  if (!signedIn) return html`<${SignIn} onSignedIn=${() => setSignedIn(true)} />`
  const section = route.path[0] ?? 'sources'
  const signOut = () => {
    apiKey.clear()
    setSignedIn(false)
  }
  return html`<div class="frame">
    <a class="skip" href="#main">Skip to content</a>
    <header>
      <a class="brand" href="#/sources">Inlet</a>
      <nav aria-label="Main">
        ${NAV.map(
          ([path, label]) =>
            html`<a href=${href(path)} aria-current=${section === path ? 'page' : undefined}>${label}</a>`,
        )}
      </nav>
      <a href="/openapi">API reference</a>
      <button type="button" class="link" onClick=${signOut}>Sign out</button>
    </header>
    <main id="main" tabindex="-1"><${Page} route=${route} /></main>
  </div>`
}

const root = document.getElementById('app')
if (root) render(html`<${App} />`, root)
