/**
 * `inlet source …`: the management API from the command line. It talks to a running server over HTTP
 * with the admin key, so it works the same against a local appliance and a remote one.
 */
import type { SourceHealth } from '../health/index.ts'
import { SECRET_FIELD } from '../registry/model.ts'
import { type ApiSource, apiClient, CLIENT_OPTIONS, textTable, type Values } from './client.ts'
import { parseFlags, UsageError } from './flags.ts'
import { SOURCE_HELP } from './help.ts'

const OPTIONS = {
  ...CLIENT_OPTIONS,
  label: { type: 'string' },
  auth: { type: 'string' },
  'header-key': { type: 'string' },
  secret: { type: 'string' },
  'hmac-alg': { type: 'string' },
  'hmac-scheme': { type: 'string' },
  username: { type: 'string' },
  'stream-type': { type: 'string' },
  'envelope-field': { type: 'string' },
  'log-type': { type: 'string', multiple: true },
  'allowed-cidr': { type: 'string', multiple: true },
  'http-header': { type: 'string', multiple: true },
  'no-data-minutes': { type: 'string' },
  grace: { type: 'string' },
} as const

export async function runSource(
  argv: string[],
  env: Record<string, string | undefined>,
  out: (line: string) => void,
) {
  const { values, positionals } = parseFlags(argv, OPTIONS, 'source')
  const [command, target, ...extra] = positionals
  if (values.help || command === undefined || command === 'help') return out(SOURCE_HELP)
  if (extra.length > 0)
    throw new UsageError(`inlet source ${command}: unexpected argument ${JSON.stringify(extra[0])}`)
  const client = apiClient(values, env)
  const print = (value: unknown, text: () => string) =>
    out(values.json ? JSON.stringify(value, null, 2) : text())

  switch (command) {
    case 'create': {
      const created = (await client.call('POST', '/log-sources/http', createBody(values))) as ApiSource
      return print(created, () => describe(created, true))
    }
    case 'list': {
      const { results } = (await client.call('GET', '/log-sources/http')) as { results: ApiSource[] }
      return print({ results }, () => table(results))
    }
    case 'show': {
      const source = await client.resolve(need(target, command))
      return print(source, () => describe(source, false))
    }
    case 'delete': {
      const { integrationId: id, integrationLabel: label } = await client.resolve(need(target, command))
      await client.call('DELETE', `/log-sources/http/${id}`)
      return print({ deleted: id }, () => `deleted ${label} (${id})`)
    }
    case 'rotate': {
      const source = await client.resolve(need(target, command))
      const path = `/log-sources/http/${source.integrationId}/rotate-secret`
      const rotated = (await client.call('POST', path, rotateBody(values, source))) as ApiSource
      return print(rotated, () => describe(rotated, true))
    }
    default:
      throw new UsageError(
        `inlet source: unknown command ${JSON.stringify(command)} (see inlet source --help)`,
      )
  }
}

function need(target: string | undefined, command: string): string {
  if (target === undefined) throw new UsageError(`inlet source ${command}: give the source's id or label`)
  return target
}

/** The request field `--secret` fills for an auth method; an unknown method is left to the server to refuse. */
const secretFieldOf = (method: string): string =>
  (SECRET_FIELD as Record<string, string | null>)[method] ?? 'authSecretValue'

function createBody(values: Values): Record<string, unknown> {
  if (values.label === undefined) throw new UsageError('inlet source create: --label is required')
  if (values.auth === undefined)
    throw new UsageError(
      'inlet source create: --auth is required (SharedSecret, HMAC, Bearer, Basic or None)',
    )
  const auth = String(values.auth)
  const body: Record<string, unknown> = {
    integrationLabel: values.label,
    authMethod: auth,
    logTypes: values['log-type'] ?? [],
    logStreamType: values['stream-type'],
    authHeaderKey: values['header-key'],
    authHmacAlg: values['hmac-alg'],
    authHmacScheme: values['hmac-scheme'],
    authUsername: values.username,
    allowedCidrs: values['allowed-cidr'],
    httpHeaders: values['http-header'],
  }
  if (values.secret !== undefined) body[secretFieldOf(auth)] = values.secret
  if (values['envelope-field'] !== undefined)
    body.logStreamTypeOptions = { jsonArrayEnvelopeField: values['envelope-field'] }
  const minutes = values['no-data-minutes']
  if (minutes !== undefined)
    body.noDataAlarm =
      minutes === 'off' ? null : { minutesThreshold: wholeNumber(String(minutes), '--no-data-minutes') }
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined))
}

function rotateBody(values: Values, source: ApiSource): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  if (values.grace !== undefined) body.graceSeconds = wholeNumber(String(values.grace), '--grace')
  if (values.secret !== undefined) body[secretFieldOf(String(source.authMethod))] = values.secret
  return body
}

function wholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} expects a whole number, got ${JSON.stringify(text)}`)
  return Number(text)
}

const SHOWN_FIELDS = [
  'integrationId',
  'integrationLabel',
  'url',
  'authMethod',
  'authHeaderKey',
  'authHmacAlg',
  'authHmacScheme',
  'authUsername',
  'logStreamType',
  'logTypes',
  'noDataAlarm',
  'allowedCidrs',
  'httpHeaders',
  'previousSecretExpiresAt',
  'createdAt',
  'lastModified',
]

/** One `field: value` line each; a secret set by this request is shown last, with a warning. */
function describe(source: ApiSource, withSecret: boolean): string {
  const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))
  const lines = SHOWN_FIELDS.filter((field) => source[field] !== undefined && source[field] !== null).map(
    (field) => `${field.padEnd(24)} ${show(source[field])}`,
  )
  if (!withSecret)
    lines.push(...healthLines(healthOf(source)).map(([name, value]) => `${name.padEnd(24)} ${value}`))
  const secretField = Object.values(SECRET_FIELD).find(
    (field) => field !== null && typeof source[field] === 'string',
  )
  if (withSecret && secretField) {
    lines.push(
      `${secretField.padEnd(24)} ${source[secretField]}`,
      '',
      'The secret is shown once: store it now.',
    )
  }
  return lines.join('\n')
}

const healthOf = (source: ApiSource) => source.health as SourceHealth | undefined

/** `ok`, or the alarm that makes the source unhealthy; `-` when the server sent no health. */
function healthWord(health: SourceHealth | undefined): string {
  if (!health) return '-'
  const alarmed = health.alarms.find((alarm) => alarm.state === 'ALARM')
  return alarmed ? `${alarmed.type}` : 'ok'
}

/** The health lines of `source show`: the alarm with its state, then the totals. */
function healthLines(health: SourceHealth | undefined): [string, string][] {
  if (!health) return []
  const alarm = health.alarms.find((a) => a.type === 'SOURCE_NO_DATA')
  return [
    ['health', healthWord(health)],
    [
      'noDataAlarmState',
      alarm
        ? `${alarm.state} since ${alarm.stateChangedAt} (threshold ${alarm.minutesThreshold} minutes)`
        : 'off',
    ],
    ['lastEventReceivedAt', health.lastEventReceivedAtTime ?? 'never'],
    ['eventsTotal', String(health.eventsTotal)],
    ['bytesTotal', String(health.bytesTotal)],
    ['requestsTotal', String(health.requestsTotal)],
    ['authFailuresTotal', String(health.authFailuresTotal)],
    ['classificationFailures', String(health.classificationFailuresTotal)],
  ]
}

function table(sources: ApiSource[]): string {
  if (sources.length === 0) return 'no sources'
  const rows = sources.map((s) => [
    s.integrationId,
    s.integrationLabel,
    String(s.authMethod),
    String(s.logStreamType),
    healthWord(healthOf(s)),
    healthOf(s)?.lastEventReceivedAtTime ?? 'never',
    String(healthOf(s)?.eventsTotal ?? '-'),
  ])
  return textTable(['ID', 'LABEL', 'AUTH', 'STREAM', 'HEALTH', 'LAST EVENT', 'EVENTS'], rows)
}
