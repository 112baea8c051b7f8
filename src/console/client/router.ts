/**
 * Routes live in the URL's hash (`#/sources/<id>`, `#/search?q=…`), so the server serves one page at `/`
 * and any view, a search included, can be shared and reloaded.
 */
import { useEffect, useState } from 'preact/hooks'

export interface Route {
  path: string[]
  params: URLSearchParams
}

export function parseHash(hash = location.hash): Route {
  const text = hash.replace(/^#\/?/, '')
  const [path = '', search = ''] = text.split('?', 2)
  return {
    path: path.split('/').filter(Boolean).map(decodeURIComponent),
    params: new URLSearchParams(search),
  }
}

export function href(path: string, params?: Record<string, string | undefined>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params ?? {})) if (value) search.set(name, value)
  const text = search.toString()
  return `#/${path.replace(/^\//, '')}${text ? `?${text}` : ''}`
}

export function navigate(path: string, params?: Record<string, string | undefined>, replace = false): void {
  const target = href(path, params)
  if (replace) history.replaceState(null, '', target)
  else history.pushState(null, '', target)
  window.dispatchEvent(new HashChangeEvent('hashchange'))
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parseHash)
  useEffect(() => {
    const update = () => setRoute(parseHash())
    window.addEventListener('hashchange', update)
    return () => window.removeEventListener('hashchange', update)
  }, [])
  return route
}
