/**
 * The rules a source must follow beyond its shape: which fields each auth method needs and allows, the
 * defaults of each HMAC scheme, and the form of a Standard Webhooks secret. Pure: input in, a normalised
 * configuration (or a 400 naming the field) out.
 */
import { parseCidr } from '../cidr.ts'
import { badRequest } from '../errors.ts'
import {
  type AuthMethod,
  type HmacAlg,
  type HmacScheme,
  type RotateInput,
  SECRET_FIELD,
  type SourceInput,
  type StreamType,
} from './model.ts'
import { generateSecret, generateWebhookSecret } from './secrets.ts'

export interface SourceConfig {
  label: string
  logTypes: string[]
  streamType: StreamType
  streamOptions: { jsonArrayEnvelopeField?: string }
  authMethod: AuthMethod
  authHeaderKey: string | null
  authHmacAlg: HmacAlg | null
  authHmacScheme: HmacScheme | null
  authUsername: string | null
  /** Ranges senders may connect from, as given (each one valid); empty: any address. */
  allowedCidrs: string[]
  /** Request headers kept on each event as `p_http_headers`, lower case; empty: none. */
  httpHeaders: string[]
}

/**
 * The headers kept when a source names none: those that carry a signed sender's event type and delivery
 * id, which its body does not repeat (GitHub's event type is only in X-GitHub-Event).
 */
export const DEFAULT_HTTP_HEADERS: Record<HmacScheme, readonly string[]> = {
  raw: [],
  github: ['x-github-event', 'x-github-delivery', 'x-github-hook-id'],
  'standard-webhooks': ['webhook-id', 'webhook-timestamp'],
  // Stripe names the event type in the body; its only header is the signature.
  stripe: [],
  slack: ['x-slack-retry-num', 'x-slack-retry-reason'],
}

/**
 * The auth fields other than the secret, and which method takes which. The secret fields
 * (`SECRET_FIELD`) are checked by `chooseSecret`, the one place that create, replace and rotate share.
 */
const AUTH_FIELDS = ['authHeaderKey', 'authHmacAlg', 'authHmacScheme', 'authUsername'] as const
type AuthField = (typeof AUTH_FIELDS)[number]

const ALLOWED: Record<AuthMethod, readonly AuthField[]> = {
  SharedSecret: ['authHeaderKey'],
  HMAC: ['authHeaderKey', 'authHmacAlg', 'authHmacScheme'],
  Bearer: [],
  Basic: ['authUsername'],
  None: [],
}

/** The header each sender signs into, and the hashes it can use (first = default). */
const SCHEME: Record<HmacScheme, { header: (alg: HmacAlg) => string | null; algs: readonly HmacAlg[] }> = {
  raw: { header: () => null, algs: ['sha256', 'sha1', 'sha512'] },
  // GitHub signs into X-Hub-Signature-256 (SHA-256) and, for old integrations, X-Hub-Signature (SHA-1).
  github: {
    header: (alg) => (alg === 'sha1' ? 'X-Hub-Signature' : 'X-Hub-Signature-256'),
    algs: ['sha256', 'sha1'],
  },
  'standard-webhooks': { header: () => 'webhook-signature', algs: ['sha256'] },
  stripe: { header: () => 'Stripe-Signature', algs: ['sha256'] },
  slack: { header: () => 'X-Slack-Signature', algs: ['sha256'] },
}

export function normalizeSource(input: SourceInput): SourceConfig {
  const label = input.integrationLabel.trim()
  if (label === '') throw badRequest('integrationLabel must not be blank', 'integrationLabel')
  const streamType = input.logStreamType ?? 'Auto'
  const streamOptions = { ...input.logStreamTypeOptions }
  if (streamOptions.jsonArrayEnvelopeField !== undefined && streamType !== 'JsonArray') {
    throw badRequest(
      `logStreamTypeOptions.jsonArrayEnvelopeField applies only to logStreamType JsonArray, not ${streamType}`,
      'logStreamTypeOptions.jsonArrayEnvelopeField',
    )
  }
  const method = input.authMethod
  for (const field of AUTH_FIELDS) {
    if (input[field] !== undefined && !ALLOWED[method].includes(field)) {
      throw badRequest(`${field} does not apply to authMethod ${method}`, field)
    }
  }
  const config: SourceConfig = {
    label,
    logTypes: input.logTypes ?? [],
    streamType,
    streamOptions,
    authMethod: method,
    authHeaderKey: input.authHeaderKey ?? null,
    authHmacAlg: null,
    authHmacScheme: null,
    authUsername: input.authUsername ?? null,
    allowedCidrs: allowedCidrsOf(input.allowedCidrs ?? []),
    httpHeaders: [],
  }
  if (method === 'SharedSecret' && config.authHeaderKey === null) {
    throw badRequest('authHeaderKey is required for authMethod SharedSecret', 'authHeaderKey')
  }
  if (method === 'HMAC') applyHmacDefaults(config, input)
  config.httpHeaders = httpHeadersOf(input.httpHeaders, config.authHmacScheme)
  if (method === 'Basic') {
    if (config.authUsername === null)
      throw badRequest('authUsername is required for authMethod Basic', 'authUsername')
    // RFC 7617 section 2: the user-id cannot contain a colon, the password can.
    if (config.authUsername.includes(':'))
      throw badRequest('authUsername must not contain ":" (RFC 7617)', 'authUsername')
  }
  return config
}

/** The headers named (lower case, once each), or the scheme's defaults when none are named. */
function httpHeadersOf(names: readonly string[] | undefined, scheme: HmacScheme | null): string[] {
  if (names === undefined) return scheme === null ? [] : [...DEFAULT_HTTP_HEADERS[scheme]]
  const lower = names.map((name) => name.toLowerCase())
  const twice = lower.find((name, index) => lower.indexOf(name) !== index)
  if (twice !== undefined) throw badRequest(`httpHeaders: '${twice}' is named twice`, 'httpHeaders')
  return lower
}

function allowedCidrsOf(texts: readonly string[]): string[] {
  return texts.map((text, index) => {
    const range = parseCidr(text.trim())
    if (typeof range === 'string')
      throw badRequest(`allowedCidrs[${index}]: ${range}`, `allowedCidrs.${index}`)
    return text.trim()
  })
}

function applyHmacDefaults(config: SourceConfig, input: SourceInput) {
  const scheme = input.authHmacScheme ?? 'raw'
  const rules = SCHEME[scheme]
  const alg = input.authHmacAlg ?? rules.algs[0]!
  if (!rules.algs.includes(alg)) {
    throw badRequest(
      `authHmacAlg ${alg} is not used by authHmacScheme ${scheme} (use ${rules.algs.join(' or ')})`,
      'authHmacAlg',
    )
  }
  config.authHmacScheme = scheme
  config.authHmacAlg = alg
  config.authHeaderKey ??= rules.header(alg)
  if (config.authHeaderKey === null) {
    throw badRequest('authHeaderKey is required for authMethod HMAC with authHmacScheme raw', 'authHeaderKey')
  }
}

/**
 * The secret a create, replace or rotate request sets: the one given (checked), or a generated one.
 * Returns null when the method has no secret, or when none was given and `generate` is off (the
 * stored secret then stays).
 */
export function chooseSecret(
  config: SourceConfig,
  input: SourceInput | RotateInput,
  options: { generate: boolean },
): { field: string; value: string } | null {
  const field = SECRET_FIELD[config.authMethod]
  for (const other of ['authSecretValue', 'authPassword', 'authBearerToken'] as const) {
    if (other !== field && input[other] !== undefined) {
      throw badRequest(`${other} does not apply to authMethod ${config.authMethod}`, other)
    }
  }
  if (field === null) return null
  const given = input[field]
  const webhook = config.authHmacScheme === 'standard-webhooks'
  if (given !== undefined) {
    if (webhook) checkWebhookSecret(given, field)
    return { field, value: given }
  }
  if (!options.generate) return null
  return { field, value: webhook ? generateWebhookSecret() : generateSecret() }
}

/** Standard Webhooks: `whsec_` followed by base64 of 24 to 64 key bytes. */
function checkWebhookSecret(secret: string, field: string) {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret)
  const bytes = match ? Buffer.from(match[1]!, 'base64').length : 0
  if (bytes < 24 || bytes > 64) {
    throw badRequest(
      `${field} must be a Standard Webhooks secret: whsec_ followed by base64 of 24 to 64 bytes`,
      field,
    )
  }
}

/** Whether a stored secret can serve a changed configuration, or a new one must be set. */
export function secretKind(config: SourceConfig): string {
  return `${config.authMethod}${config.authHmacScheme === 'standard-webhooks' ? '/whsec' : ''}`
}
