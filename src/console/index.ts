/**
 * The web console (docs/reference.md), served at `/`: one HTML page, one script and one style sheet,
 * bundled from `client/` at build time (runtime/console-bundle.ts) and embedded in the binary, so the
 * console works offline and loads nothing from anywhere but this server. The page talks to the public
 * management API only, with the key the user signs in with; it has no endpoints of its own.
 *
 * Event data shown in it is untrusted, so the page is sent with a Content-Security-Policy that allows
 * scripts and styles from this origin only (no inline script, no eval) and requests to this origin only.
 */
import { gzipSync } from 'node:zlib'
import { Elysia } from 'elysia'
import { notFound } from '../errors.ts'
import { CONSOLE_ASSETS } from './assets.gen.ts'

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f6feb"/><path d="M8 10h16M8 16h11M8 22h7" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>`

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Inlet</title>
<link rel="icon" href="/console/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/app.css">
<script type="module" src="/console/app.js"></script>
</head>
<body>
<noscript>The Inlet console needs JavaScript. The management API and the inlet command work without it.</noscript>
<div id="app"></div>
</body>
</html>
`

interface Asset {
  type: string
  body: string
  etag: string
  gzipped?: Uint8Array<ArrayBuffer>
}

const ASSETS: Record<string, Asset> = {
  ...CONSOLE_ASSETS,
  'icon.svg': { type: 'image/svg+xml', body: ICON, etag: '"icon-1"' },
}

export const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

export function consoleRoutes() {
  return new Elysia({ name: 'console' })
    .get(
      '/',
      () =>
        new Response(PAGE, {
          headers: {
            ...SECURITY_HEADERS,
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-cache',
          },
        }),
      { detail: { hide: true } },
    )
    .get('/console/:file', ({ params: { file }, request }) => serveAsset(file, request), {
      detail: { hide: true },
    })
}

/** An embedded asset, gzipped when the browser takes it, revalidated by ETag (the page is small). */
function serveAsset(name: string, request: Request): Response {
  const asset = ASSETS[name]
  if (!asset) throw notFound(`no console asset ${name}`)
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'content-type': asset.type,
    etag: asset.etag,
    'cache-control': 'no-cache',
    vary: 'accept-encoding',
  }
  if (request.headers.get('if-none-match') === asset.etag) return new Response(null, { status: 304, headers })
  if (/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) {
    asset.gzipped ??= new Uint8Array(gzipSync(asset.body, { level: 9 }))
    return new Response(asset.gzipped, { headers: { ...headers, 'content-encoding': 'gzip' } })
  }
  return new Response(asset.body, { headers })
}
