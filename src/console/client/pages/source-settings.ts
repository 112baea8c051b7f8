/**
 * The settings tab of a source: edit what it is called, how bodies are split into events, the details of
 * its auth and who may send (a PUT of the source as read, with the changes); rotate its secret, with a
 * grace period for the old one, showing the new secret once; and delete it after typing its name.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, api, type Source } from '../api.ts'
import { navigate } from '../router.ts'
import { Copyable, Dialog, Field, formatTime, html } from '../ui.ts'
import { inputValue, type SourceBody, sourceBody, sourcePath } from './source-shared.ts'

const STREAM_TYPES = {
  Auto: 'Auto: recognise JSON, JSON arrays, lines and CloudWatch Logs payloads',
  JSON: 'JSON: one or more JSON objects (NDJSON, concatenated, pretty-printed)',
  JsonArray: 'JsonArray: a JSON array of events, or one inside an envelope field',
  Lines: 'Lines: each line is an event',
  CloudWatchLogs: 'CloudWatchLogs: subscription filter payloads',
} as const

type HmacScheme = 'raw' | 'github' | 'standard-webhooks' | 'stripe' | 'slack'
type HmacAlg = 'sha256' | 'sha1' | 'sha512'

/** As the server's rules: the header each scheme signs into, and the hashes it uses (first = default). */
const HMAC_SCHEMES: Record<HmacScheme, { header: (alg: HmacAlg) => string; algs: HmacAlg[]; label: string }> =
  {
    raw: {
      header: () => '',
      algs: ['sha256', 'sha1', 'sha512'],
      label: 'raw: hex or base64 digest of the body',
    },
    github: {
      header: (alg) => (alg === 'sha1' ? 'X-Hub-Signature' : 'X-Hub-Signature-256'),
      algs: ['sha256', 'sha1'],
      label: 'GitHub',
    },
    'standard-webhooks': { header: () => 'webhook-signature', algs: ['sha256'], label: 'Standard Webhooks' },
    stripe: { header: () => 'Stripe-Signature', algs: ['sha256'], label: 'Stripe' },
    slack: { header: () => 'X-Slack-Signature', algs: ['sha256'], label: 'Slack' },
  }

/** The request field that carries each method's secret, and what to call it. */
const SECRET_OF = {
  SharedSecret: ['authSecretValue', 'shared secret'],
  HMAC: ['authSecretValue', 'signing key'],
  Bearer: ['authBearerToken', 'bearer token'],
  Basic: ['authPassword', 'password'],
  None: null,
} as const

/** Form inputs by the API field a server error names. */
const INPUT_OF: Record<string, string> = {
  integrationLabel: 'set-label',
  logStreamType: 'set-stream',
  'logStreamTypeOptions.jsonArrayEnvelopeField': 'set-envelope',
  authHeaderKey: 'set-header',
  authHmacAlg: 'set-alg',
  authHmacScheme: 'set-scheme',
  authUsername: 'set-username',
}
const inputOf = (field: string | undefined) =>
  field === undefined ? undefined : field.startsWith('allowedCidrs') ? 'set-cidrs' : INPUT_OF[field]

export function SourceSettings({ source, reload }: { source: Source; reload: () => void }) {
  return html`<div class="source-settings">
    <h2 class="source-sr-only">Settings</h2>
    <${SettingsForm} key=${source.lastModified} source=${source} reload=${reload} />
    <${RotatePanel} source=${source} reload=${reload} />
    <${DeletePanel} source=${source} />
  </div>`
}

function SettingsForm({ source, reload }: { source: Source; reload: () => void }) {
  const method = source.authMethod
  const [label, setLabel] = useState(source.integrationLabel)
  const [stream, setStream] = useState(source.logStreamType)
  const [envelope, setEnvelope] = useState(source.logStreamTypeOptions.jsonArrayEnvelopeField ?? '')
  const [headerKey, setHeaderKey] = useState(source.authHeaderKey ?? '')
  const [scheme, setScheme] = useState<HmacScheme>((source.authHmacScheme as HmacScheme | undefined) ?? 'raw')
  const [alg, setAlg] = useState<HmacAlg>((source.authHmacAlg as HmacAlg | undefined) ?? 'sha256')
  const [username, setUsername] = useState(source.authUsername ?? '')
  const [cidrs, setCidrs] = useState(source.allowedCidrs.join('\n'))
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<{ message: string; input?: string }>()
  const [done, setDone] = useState<string>()

  /** A new scheme or hash moves the header along when it was the old default (or empty). */
  const chooseHmac = (nextScheme: HmacScheme, nextAlg: HmacAlg) => {
    const rules = HMAC_SCHEMES[nextScheme]
    const fittingAlg = rules.algs.includes(nextAlg) ? nextAlg : rules.algs[0]!
    if (headerKey === '' || headerKey === HMAC_SCHEMES[scheme].header(alg))
      setHeaderKey(rules.header(fittingAlg))
    setScheme(nextScheme)
    setAlg(fittingAlg)
  }

  const changes: Partial<SourceBody> = {
    integrationLabel: label.trim(),
    logStreamType: stream,
    logStreamTypeOptions:
      stream === 'JsonArray' && envelope.trim() ? { jsonArrayEnvelopeField: envelope.trim() } : {},
    authHeaderKey: method === 'SharedSecret' || method === 'HMAC' ? headerKey.trim() || undefined : undefined,
    authHmacScheme: method === 'HMAC' ? scheme : undefined,
    authHmacAlg: method === 'HMAC' ? alg : undefined,
    authUsername: method === 'Basic' ? username.trim() || undefined : undefined,
    allowedCidrs: cidrs
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  }
  const body = sourceBody(source, changes)
  const dirty = JSON.stringify(body) !== JSON.stringify(sourceBody(source))

  const submit = async (event: Event) => {
    event.preventDefault()
    setProblem(undefined)
    setDone(undefined)
    if (changes.integrationLabel === '') {
      setProblem({ message: 'The name must not be empty.', input: 'set-label' })
      return
    }
    setBusy(true)
    try {
      await api('PUT', sourcePath(source.integrationId), body)
      setDone('Saved.')
      reload()
    } catch (caught) {
      const field = caught instanceof ApiError ? caught.field : undefined
      setProblem({ message: (caught as Error).message, input: inputOf(field) })
    } finally {
      setBusy(false)
    }
  }
  const invalid = (id: string) => (problem?.input === id ? 'true' : undefined)
  const describedBy = (id: string, hint = true) =>
    [hint ? `${id}-hint` : '', problem?.input === id ? 'settings-problem' : ''].filter(Boolean).join(' ') ||
    undefined

  return html`<section class="panel" aria-labelledby="settings-title">
    <h3 id="settings-title">Source settings</h3>
    <form onSubmit=${submit} novalidate>
      <${Field} id="set-label" label="Name" hint="Unique among the sources; shown in alerts.">
        <input id="set-label" value=${label} required maxlength="128" autocomplete="off"
          onInput=${(e: Event) => setLabel(inputValue(e))} aria-invalid=${invalid('set-label')}
          aria-describedby=${describedBy('set-label')} />
      <//>
      <${Field} id="set-stream" label="Stream type" hint="How a request body is split into events.">
        <select id="set-stream" value=${stream} onChange=${(e: Event) => setStream(inputValue(e) as Source['logStreamType'])}
          aria-invalid=${invalid('set-stream')} aria-describedby=${describedBy('set-stream')}>
          ${Object.entries(STREAM_TYPES).map(([value, text]) => html`<option value=${value}>${text}</option>`)}
        </select>
      <//>
      ${
        stream === 'JsonArray'
          ? html`<${Field} id="set-envelope" label="Envelope field (optional)"
              hint="Dotted path of the array inside the body, e.g. Records or data.items; empty when the body is the array.">
              <input id="set-envelope" class="mono" value=${envelope} autocomplete="off" spellcheck=${false}
                onInput=${(e: Event) => setEnvelope(inputValue(e))} aria-invalid=${invalid('set-envelope')}
                aria-describedby=${describedBy('set-envelope')} />
            <//>`
          : null
      }
      <fieldset class="source-fieldset">
        <legend>Auth: ${method}</legend>
        <p class="muted">The auth method is set when the source is created.
          ${method === 'None' ? ' Anyone who knows the ingest URL can send; limit the addresses below.' : ''}</p>
        ${
          method === 'HMAC'
            ? html`<div class="source-two">
                <${Field} id="set-scheme" label="Signature scheme">
                  <select id="set-scheme" value=${scheme} onChange=${(e: Event) => chooseHmac(inputValue(e) as HmacScheme, alg)}
                    aria-invalid=${invalid('set-scheme')} aria-describedby=${describedBy('set-scheme', false)}>
                    ${Object.entries(HMAC_SCHEMES).map(([value, rules]) => html`<option value=${value}>${rules.label}</option>`)}
                  </select>
                <//>
                <${Field} id="set-alg" label="Hash">
                  <select id="set-alg" value=${alg} onChange=${(e: Event) => chooseHmac(scheme, inputValue(e) as HmacAlg)}
                    aria-invalid=${invalid('set-alg')} aria-describedby=${describedBy('set-alg', false)}>
                    ${HMAC_SCHEMES[scheme].algs.map((value) => html`<option value=${value}>${value.toUpperCase()}</option>`)}
                  </select>
                <//>
              </div>`
            : null
        }
        ${
          method === 'SharedSecret' || method === 'HMAC'
            ? html`<${Field} id="set-header" label=${method === 'HMAC' ? 'Signature header' : 'Secret header'}
                hint=${
                  method === 'HMAC' && scheme !== 'raw'
                    ? `Empty: ${HMAC_SCHEMES[scheme].header(alg)}, what ${HMAC_SCHEMES[scheme].label} sends.`
                    : 'The request header that carries it.'
                }>
                <input id="set-header" class="mono" value=${headerKey} autocomplete="off" spellcheck=${false}
                  onInput=${(e: Event) => setHeaderKey(inputValue(e))} aria-invalid=${invalid('set-header')}
                  aria-describedby=${describedBy('set-header')} />
              <//>`
            : null
        }
        ${
          method === 'Basic'
            ? html`<${Field} id="set-username" label="User name" hint="The password stays as it is; rotate it below.">
                <input id="set-username" value=${username} autocomplete="off" spellcheck=${false}
                  onInput=${(e: Event) => setUsername(inputValue(e))} aria-invalid=${invalid('set-username')}
                  aria-describedby=${describedBy('set-username')} />
              <//>`
            : null
        }
      </fieldset>
      <${Field} id="set-cidrs" label="Allowed sender addresses"
        hint="One IPv4 or IPv6 address or CIDR range per line, e.g. 192.30.252.0/22. Empty: any address. Others get 403.">
        <textarea id="set-cidrs" class="code" rows="4" value=${cidrs} spellcheck=${false}
          onInput=${(e: Event) => setCidrs((e.target as HTMLTextAreaElement).value)}
          aria-invalid=${invalid('set-cidrs')} aria-describedby=${describedBy('set-cidrs')}></textarea>
      <//>
      ${problem ? html`<p id="settings-problem" class="error" role="alert">${problem.message}</p>` : null}
      <div class="row">
        <button type="submit" class="primary" disabled=${busy || !dirty}>${busy ? 'Saving…' : 'Save changes'}</button>
        <span class="muted source-status" aria-live="polite">${done ?? (dirty ? 'Unsaved changes' : '')}</span>
      </div>
    </form>
  </section>`
}

const GRACE_UNITS = { seconds: 1, minutes: 60, hours: 3600 } as const
type GraceUnit = keyof typeof GRACE_UNITS
const GRACE_MAX_SECONDS = 2_592_000

function RotatePanel({ source, reload }: { source: Source; reload: () => void }) {
  const secret = SECRET_OF[source.authMethod]
  const [amount, setAmount] = useState('0')
  const [unit, setUnit] = useState<GraceUnit>('minutes')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const [issued, setIssued] = useState<{ value: string; previousUntil: string | null }>()
  // The new secret replaces the form that had focus: focus moves to it, so it is read out and in view.
  const shown = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (issued) shown.current?.focus()
  }, [issued])
  if (!secret) {
    return html`<section class="panel" aria-labelledby="rotate-title">
      <h3 id="rotate-title">Secret</h3>
      <p class="muted">This source has no secret to rotate: its auth method is None.</p>
    </section>`
  }
  const [field, noun] = secret
  const graceSeconds = Number(amount) * GRACE_UNITS[unit]
  const rotate = async (event: Event) => {
    event.preventDefault()
    setError(undefined)
    if (!Number.isFinite(graceSeconds) || graceSeconds < 0 || !Number.isInteger(graceSeconds)) {
      setError('The grace period is a whole number of seconds, 0 or more.')
      return
    }
    if (graceSeconds > GRACE_MAX_SECONDS) {
      setError('The grace period is at most 30 days.')
      return
    }
    setBusy(true)
    try {
      const rotated = await api<Source>('POST', `${sourcePath(source.integrationId)}/rotate-secret`, {
        graceSeconds,
      })
      const value = rotated[field]
      if (!value) throw new Error('The server did not answer the new secret.')
      setIssued({ value, previousUntil: rotated.previousSecretExpiresAt })
      reload()
    } catch (caught) {
      setError((caught as Error).message)
    } finally {
      setBusy(false)
    }
  }
  const previousUntil = source.previousSecretExpiresAt
  const previousLive = previousUntil !== null && Date.parse(previousUntil) > Date.now()
  return html`<section class="panel" aria-labelledby="rotate-title">
    <h3 id="rotate-title">Rotate the ${noun}</h3>
    <p class="muted">A new ${noun} is issued at once. During the grace period the old one is accepted too, so the
      sender can switch without losing events; with 0 it stops working now.</p>
    ${
      previousLive && !issued
        ? html`<p>The previous ${noun} is accepted until ${formatTime(previousUntil)}.</p>`
        : null
    }
    ${
      issued
        ? html`<div class="warning source-secret" role="status" tabindex="-1" ref=${shown}>
            <p><strong>The new ${noun}</strong>: copy it now, it will not be shown again.</p>
            <${Copyable} text=${issued.value} label=${`new ${noun}`} />
            <p>${
              issued.previousUntil
                ? `The old ${noun} is accepted until ${formatTime(issued.previousUntil)}.`
                : `The old ${noun} no longer works.`
            }</p>
            <button type="button" onClick=${() => setIssued(undefined)}>I have copied it</button>
          </div>`
        : html`<form class="source-rotate" onSubmit=${rotate} novalidate>
            <div class="field">
              <label for="grace-amount">Grace period for the old ${noun}</label>
              <div class="row">
                <input id="grace-amount" type="number" inputmode="numeric" min="0" step="1" value=${amount}
                  onInput=${(e: Event) => setAmount(inputValue(e))} aria-describedby="grace-hint" />
                <select aria-label="Unit of the grace period" value=${unit}
                  onChange=${(e: Event) => setUnit(inputValue(e) as GraceUnit)}>
                  ${Object.keys(GRACE_UNITS).map((name) => html`<option value=${name}>${name}</option>`)}
                </select>
                <button type="submit" class="danger" disabled=${busy}>${busy ? 'Rotating…' : `Rotate the ${noun}`}</button>
              </div>
              <small id="grace-hint" class="muted">0 to 30 days.</small>
            </div>
            ${error ? html`<p class="error" role="alert">${error}</p>` : null}
          </form>`
    }
  </section>`
}

function DeletePanel({ source }: { source: Source }) {
  const [open, setOpen] = useState(false)
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const name = source.integrationLabel
  const matches = typed === name
  const close = () => {
    setOpen(false)
    setTyped('')
    setError(undefined)
  }
  const remove = async (event: Event) => {
    event.preventDefault()
    if (!matches) return
    setBusy(true)
    setError(undefined)
    try {
      await api('DELETE', sourcePath(source.integrationId))
      setOpen(false)
      navigate('sources')
    } catch (caught) {
      setError((caught as Error).message)
      setBusy(false)
    }
  }
  return html`<section class="panel source-danger" aria-labelledby="delete-title">
    <h3 id="delete-title">Delete this source</h3>
    <p class="muted">Its ingest URL stops accepting events at once and its alarm is resolved. Events it stored stay
      searchable until retention removes them.</p>
    <button type="button" class="danger" onClick=${() => setOpen(true)}>Delete source…</button>
    ${
      open
        ? html`<${Dialog} title=${`Delete ${name}?`} onClose=${close}>
            <form onSubmit=${remove} novalidate>
              <p>This cannot be undone. Senders using <code>${source.url}</code> will get 404.</p>
              <div class="field">
                <label for="delete-confirm">Type <strong class="source-name">${name}</strong> to confirm</label>
                <input id="delete-confirm" value=${typed} autocomplete="off" spellcheck=${false}
                  onInput=${(e: Event) => setTyped(inputValue(e))} />
              </div>
              ${error ? html`<p class="error" role="alert">${error}</p>` : null}
              <div class="row source-dialog-buttons">
                <button type="button" onClick=${close}>Cancel</button>
                <button type="submit" class="danger" disabled=${!matches || busy}>
                  ${busy ? 'Deleting…' : 'Delete'}</button>
              </div>
            </form>
          <//>`
        : null
    }
  </section>`
}
