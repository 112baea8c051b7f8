/**
 * The ready-to-paste `curl` example shown when a source is created: a short bash (POSIX sh) script that
 * sends one event to the source exactly as its auth method wants it, signing the body with `openssl` for
 * the HMAC schemes the way src/ingest/auth/ verifies them. Pure: a source in, the script's text out.
 *
 * Values the server or the user chose (URL, secret, user name, header names) are written as single-quoted
 * shell words, an embedded `'` as `'\''`, so no character of a secret is ever read by the shell; they are
 * used afterwards only as `"$VAR"` expansions, which the shell does not read again either.
 */
import type { Source } from './api.ts'

/** What the example needs of a source: its configuration, and the secret from the response that set it. */
export type CurlSource = Pick<
  Source,
  | 'url'
  | 'authMethod'
  | 'authHeaderKey'
  | 'authHmacAlg'
  | 'authHmacScheme'
  | 'authUsername'
  | 'authSecretValue'
  | 'authPassword'
  | 'authBearerToken'
> &
  Partial<Pick<Source, 'logStreamType' | 'logStreamTypeOptions'>>

/** Written in place of a secret the caller does not have (it is shown only once). */
export const SECRET_PLACEHOLDER = 'PASTE-THE-SECRET-HERE'

const MESSAGE = { message: 'hello from curl' }

/** `text` as one single-quoted shell word: `it's` → `'it'\''s'`. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/** Characters a double-quoted word can hold as themselves (no `$`, backquote, `"`, `\`, or `!`). */
const DOUBLE_QUOTE_SAFE = /^[^$`"\\!]*$/

/**
 * A header argument `Name: <literal><$VAR>`: double-quoted when the literal parts are plain, as people
 * write it; otherwise the literal parts single-quoted and glued to the `"$VAR"` expansions.
 */
function headerWord(name: string, ...value: (string | { variable: string })[]): string {
  const parts = [`${name}: `, ...value]
  const literals = parts.filter((part): part is string => typeof part === 'string')
  if (literals.every((text) => DOUBLE_QUOTE_SAFE.test(text))) {
    return `"${parts.map((part) => (typeof part === 'string' ? part : `$${part.variable}`)).join('')}"`
  }
  return parts.map((part) => (typeof part === 'string' ? shellQuote(part) : `"$${part.variable}"`)).join('')
}

/** An event the source's stream type reads as one event. */
export function exampleBody(source: Pick<CurlSource, 'logStreamType' | 'logStreamTypeOptions'>): string {
  switch (source.logStreamType) {
    case 'JsonArray': {
      const path = source.logStreamTypeOptions?.jsonArrayEnvelopeField
      let value: unknown = [MESSAGE]
      for (const key of (path ? path.split('.') : []).reverse()) value = { [key]: value }
      return JSON.stringify(value)
    }
    case 'CloudWatchLogs':
      return JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: '123456789012',
        logGroup: 'example',
        logStream: 'example',
        subscriptionFilters: ['example'],
        logEvents: [{ id: '1', message: MESSAGE.message }],
      })
    default:
      return JSON.stringify(MESSAGE)
  }
}

/** The hex HMAC of `signed` (a double-quoted shell string) under "$SECRET" as UTF-8 bytes. */
const hexHmac = (alg: string, signed: string) =>
  `SIG=$(printf '%s' "${signed}" | openssl dgst -${alg} -hmac "$SECRET" -hex | sed 's/^.* //')`

/** The bash script that sends one event to `source`. */
export function curlExample(source: CurlSource): string {
  const secret = (value: string | undefined) => shellQuote(value ?? SECRET_PLACEHOLDER)
  const lines = [`URL=${shellQuote(source.url)}`]
  const headers = [`'Content-Type: application/json'`]
  const auth: string[] = []
  switch (source.authMethod) {
    case 'None':
      break
    case 'SharedSecret':
      lines.push(`SECRET=${secret(source.authSecretValue)}`)
      headers.push(headerWord(source.authHeaderKey ?? 'X-Secret', { variable: 'SECRET' }))
      break
    case 'Bearer':
      lines.push(`TOKEN=${secret(source.authBearerToken)}`)
      headers.push(headerWord('Authorization', 'Bearer ', { variable: 'TOKEN' }))
      break
    case 'Basic':
      lines.push(
        `USERNAME=${shellQuote(source.authUsername ?? '')}`,
        `PASSWORD=${secret(source.authPassword)}`,
      )
      auth.push(`-u "$USERNAME:$PASSWORD"`)
      break
    case 'HMAC':
      lines.push(`SECRET=${secret(source.authSecretValue)}`)
      break
  }
  lines.push(`BODY=${shellQuote(exampleBody(source))}`)
  if (source.authMethod === 'HMAC') headers.push(...hmacLines(source, lines))
  const curl = [
    `curl -sS -w '\\n' -X POST "$URL"`,
    ...headers.map((header) => `-H ${header}`),
    ...auth,
    `--data-binary "$BODY"`,
  ]
  lines.push(curl.join(' \\\n  '))
  return `${lines.join('\n')}\n`
}

/** Adds the signing lines of the source's HMAC scheme to `lines`; returns the signature headers. */
function hmacLines(source: CurlSource, lines: string[]): string[] {
  const alg = source.authHmacAlg ?? 'sha256'
  const scheme = source.authHmacScheme ?? 'raw'
  const header = source.authHeaderKey ?? DEFAULT_HEADER[scheme] ?? 'X-Signature'
  switch (scheme) {
    case 'raw':
      lines.push(hexHmac(alg, '$BODY'))
      return [headerWord(header, { variable: 'SIG' })]
    case 'github':
      lines.push(hexHmac(alg, '$BODY'))
      return [headerWord(header, `${alg}=`, { variable: 'SIG' })]
    case 'stripe':
      lines.push('TS=$(date +%s)', hexHmac('sha256', '$TS.$BODY'))
      return [headerWord(header, 't=', { variable: 'TS' }, ',v1=', { variable: 'SIG' })]
    case 'slack':
      lines.push('TS=$(date +%s)', hexHmac('sha256', 'v0:$TS:$BODY'))
      return [
        headerWord('X-Slack-Request-Timestamp', { variable: 'TS' }),
        headerWord(header, 'v0=', { variable: 'SIG' }),
      ]
    case 'standard-webhooks':
      // The key is the base64 after `whsec_`, decoded; openssl takes it as hex.
      lines.push(
        'MSG_ID="msg_$(openssl rand -hex 12)"',
        'TS=$(date +%s)',
        `KEY=$(printf '%s' "\${SECRET#whsec_}" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \\n')`,
        `SIG=$(printf '%s' "$MSG_ID.$TS.$BODY" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$KEY" -binary | openssl base64 -A)`,
      )
      return [
        headerWord('webhook-id', { variable: 'MSG_ID' }),
        headerWord('webhook-timestamp', { variable: 'TS' }),
        headerWord(header, 'v1,', { variable: 'SIG' }),
      ]
    default:
      return []
  }
}

/** Each scheme's signature header when the source names none (as src/registry/rules.ts fills it in). */
const DEFAULT_HEADER: Record<string, string> = {
  raw: 'X-Signature',
  github: 'X-Hub-Signature-256',
  'standard-webhooks': 'webhook-signature',
  stripe: 'Stripe-Signature',
  slack: 'X-Slack-Signature',
}
