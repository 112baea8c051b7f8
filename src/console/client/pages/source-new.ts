/**
 * Creating a source, `#/sources/new`: one form (name, log types, stream type, auth, secret, no-data alarm)
 * posted to `POST /log-sources/http`. The server is the one judge of the input: its 400s and 409s are
 * shown at the top and beside the field they name. On success the page shows, once, the ingest URL, the
 * secret from the response and a `curl` example (../curl.ts) that sends a first event as shown.
 */
import './sources.css'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, api, type LogSchema, type Source } from '../api.ts'
import { type CurlSource, curlExample } from '../curl.ts'
import { href } from '../router.ts'
import { Copyable, CopyButton, ErrorBanner, html, Loading, plural, useLoad } from '../ui.ts'

type AuthMethod = Source['authMethod']
type Scheme = 'raw' | 'github' | 'standard-webhooks' | 'stripe' | 'slack'
type Created = Source & Pick<CurlSource, 'authSecretValue' | 'authPassword' | 'authBearerToken'>

const STREAM_TYPES: { value: string; label: string; hint: string }[] = [
  {
    value: 'Auto',
    label: 'Auto',
    hint: "Decided by each body's first character: [ a JSON array, { JSON objects, anything else lines.",
  },
  {
    value: 'JSON',
    label: 'JSON',
    hint: 'JSON objects: one, one per line (NDJSON), concatenated or pretty printed.',
  },
  {
    value: 'JsonArray',
    label: 'JSON array',
    hint: 'An array of objects, at the top or inside an envelope field.',
  },
  { value: 'Lines', label: 'Lines', hint: 'One event per line: a JSON object, or else {"message": line}.' },
  {
    value: 'CloudWatchLogs',
    label: 'CloudWatch Logs',
    hint: 'AWS CloudWatch Logs subscription payloads: one event per logEvents entry.',
  },
]

const AUTH_METHODS: { value: AuthMethod; label: string; hint: string }[] = [
  { value: 'SharedSecret', label: 'Shared secret', hint: 'The secret itself, in a header you name' },
  { value: 'HMAC', label: 'HMAC signature', hint: 'A keyed signature of the body (GitHub, Stripe, Slack…)' },
  { value: 'Bearer', label: 'Bearer token', hint: 'Authorization: Bearer <token>' },
  { value: 'Basic', label: 'Basic auth', hint: 'A user name and password' },
  { value: 'None', label: 'None', hint: 'Anyone who can reach the URL can send' },
]

const SCHEMES: {
  value: Scheme
  label: string
  hint: string
  algs: string[]
  header: (alg: string) => string
}[] = [
  {
    value: 'raw',
    label: 'Raw',
    hint: 'The HMAC of the body, hex or base64 (optionally "sha256=…"), in a header you name.',
    algs: ['sha256', 'sha1', 'sha512'],
    header: () => '',
  },
  {
    value: 'github',
    label: 'GitHub',
    hint: 'X-Hub-Signature-256: sha256=<hex of the HMAC of the body>, as GitHub webhooks send it.',
    algs: ['sha256', 'sha1'],
    header: (alg) => (alg === 'sha1' ? 'X-Hub-Signature' : 'X-Hub-Signature-256'),
  },
  {
    value: 'standard-webhooks',
    label: 'Standard Webhooks',
    hint: 'webhook-id, webhook-timestamp and webhook-signature: v1,<base64>; the secret is whsec_….',
    algs: ['sha256'],
    header: () => 'webhook-signature',
  },
  {
    value: 'stripe',
    label: 'Stripe',
    hint: 'Stripe-Signature: t=<time>,v1=<hex of the HMAC of "time.body">.',
    algs: ['sha256'],
    header: () => 'Stripe-Signature',
  },
  {
    value: 'slack',
    label: 'Slack',
    hint: 'X-Slack-Request-Timestamp and X-Slack-Signature: v0=<hex of the HMAC of "v0:time:body">.',
    algs: ['sha256'],
    header: () => 'X-Slack-Signature',
  },
]

const RAW_HEADER = 'X-Signature'
const ALARM_MINUTES = { default: '1440', min: 15, max: 43_200 }

interface Form {
  label: string
  logTypes: string[]
  streamType: string
  envelope: string
  authMethod: AuthMethod
  sharedHeader: string
  hmacScheme: Scheme
  hmacAlg: string
  hmacHeader: string
  username: string
  secret: string
  /** The secret came from the Generate button, so it is made again in a new scheme's format. */
  secretGenerated: boolean
  alarmOn: boolean
  minutes: string
}

const INITIAL: Form = {
  label: '',
  logTypes: [],
  streamType: 'Auto',
  envelope: '',
  authMethod: 'SharedSecret',
  sharedHeader: 'X-Webhook-Secret',
  hmacScheme: 'raw',
  hmacAlg: 'sha256',
  hmacHeader: RAW_HEADER,
  username: '',
  secret: '',
  secretGenerated: false,
  alarmOn: true,
  minutes: ALARM_MINUTES.default,
}

/** The form's inputs that a server error can be about (each is an element id without the `new-` prefix). */
type FieldKey =
  | 'label'
  | 'logTypes'
  | 'streamType'
  | 'envelope'
  | 'authMethod'
  | 'header'
  | 'scheme'
  | 'alg'
  | 'username'
  | 'secret'
  | 'minutes'

/** The input a server error's `field` names (`noDataAlarm.minutesThreshold`, `logTypes.2`…). */
export function fieldOf(apiField: string | undefined): FieldKey | undefined {
  if (!apiField) return undefined
  const [head = ''] = apiField.split('.')
  const map: Record<string, FieldKey> = {
    integrationLabel: 'label',
    logTypes: 'logTypes',
    logStreamType: 'streamType',
    logStreamTypeOptions: 'envelope',
    authMethod: 'authMethod',
    authHeaderKey: 'header',
    authHmacScheme: 'scheme',
    authHmacAlg: 'alg',
    authUsername: 'username',
    authSecretValue: 'secret',
    authPassword: 'secret',
    authBearerToken: 'secret',
    noDataAlarm: 'minutes',
  }
  return map[head]
}

const secretField = (method: AuthMethod) =>
  ({
    SharedSecret: 'authSecretValue',
    HMAC: 'authSecretValue',
    Bearer: 'authBearerToken',
    Basic: 'authPassword',
  })[method as Exclude<AuthMethod, 'None'>]

/** What the form asks the server to create. Empty optional inputs are left out, so its defaults apply. */
export function requestBody(form: Form): Record<string, unknown> {
  const given = (text: string) => (text.trim() === '' ? undefined : text.trim())
  const body: Record<string, unknown> = {
    integrationLabel: form.label,
    logStreamType: form.streamType,
    authMethod: form.authMethod,
    noDataAlarm: form.alarmOn ? { minutesThreshold: Number(form.minutes.trim()) } : null,
  }
  if (form.logTypes.length > 0) body.logTypes = form.logTypes
  if (form.streamType === 'JsonArray' && given(form.envelope)) {
    body.logStreamTypeOptions = { jsonArrayEnvelopeField: given(form.envelope) }
  }
  if (form.authMethod === 'SharedSecret') body.authHeaderKey = given(form.sharedHeader)
  if (form.authMethod === 'HMAC') {
    body.authHmacScheme = form.hmacScheme
    body.authHmacAlg = form.hmacAlg
    body.authHeaderKey = given(form.hmacHeader)
  }
  if (form.authMethod === 'Basic' && form.username !== '') body.authUsername = form.username
  if (form.authMethod !== 'None' && form.secret !== '') body[secretField(form.authMethod)] = form.secret
  return body
}

/** 32 random bytes as base64url; for Standard Webhooks, `whsec_` and base64, the form its senders use. */
export function generateSecret(scheme?: Scheme): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  const base64 = btoa(String.fromCharCode(...bytes))
  if (scheme === 'standard-webhooks') return `whsec_${base64}`
  return base64.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

const inputValue = (event: Event) => (event.target as HTMLInputElement | HTMLSelectElement).value

export function NewSourcePage(_props: Record<string, unknown>) {
  const [created, setCreated] = useState<Created>()
  if (created) return html`<${CreatedSource} source=${created} onAnother=${() => setCreated(undefined)} />`
  return html`<${NewSourceForm} onCreated=${setCreated} />`
}

function NewSourceForm({ onCreated }: { onCreated: (source: Created) => void }) {
  const [form, setForm] = useState<Form>(INITIAL)
  const [errors, setErrors] = useState<Partial<Record<FieldKey, string>>>({})
  const [problem, setProblem] = useState<string>()
  const [busy, setBusy] = useState(false)
  const formRef = useRef<HTMLFormElement>(null)
  const schemas = useLoad(() => api<{ results: LogSchema[] }>('GET', '/schemas'))
  const scheme = SCHEMES.find((s) => s.value === form.hmacScheme) ?? SCHEMES[0]!

  const update = (changes: Partial<Form>, field?: FieldKey) => {
    setForm((previous) => ({ ...previous, ...changes }))
    if (field && errors[field]) setErrors(({ [field]: _, ...rest }) => rest)
  }

  const chooseScheme = (value: Scheme) => {
    const next = SCHEMES.find((s) => s.value === value) ?? SCHEMES[0]!
    const previousDefault = form.hmacScheme === 'raw' ? RAW_HEADER : ''
    update(
      {
        hmacScheme: value,
        hmacAlg: next.algs.includes(form.hmacAlg) ? form.hmacAlg : next.algs[0]!,
        // The raw scheme's suggested header is not carried over to a scheme with a header of its own.
        hmacHeader:
          form.hmacHeader === previousDefault ? (value === 'raw' ? RAW_HEADER : '') : form.hmacHeader,
        secret: form.secretGenerated ? generateSecret(value) : form.secret,
      },
      'scheme',
    )
  }

  const chooseMethod = (value: AuthMethod) =>
    update(
      {
        authMethod: value,
        secret: form.secretGenerated
          ? generateSecret(value === 'HMAC' ? form.hmacScheme : undefined)
          : form.secret,
      },
      'authMethod',
    )

  const submit = async (event: Event) => {
    event.preventDefault()
    setProblem(undefined)
    if (form.alarmOn && !/^\d+$/.test(form.minutes.trim())) {
      const message = `Enter the minutes as a whole number from ${ALARM_MINUTES.min} to ${ALARM_MINUTES.max.toLocaleString()}.`
      setErrors({ minutes: message })
      setProblem(message)
      focusField('minutes')
      return
    }
    setErrors({})
    setBusy(true)
    try {
      onCreated(await api<Created>('POST', '/log-sources/http', requestBody(form)))
    } catch (caught) {
      const error = caught as Error
      const field = caught instanceof ApiError ? fieldOf(caught.field) : undefined
      setProblem(`The source was not created: ${error.message}`)
      if (field) setErrors({ [field]: error.message })
      focusField(field)
    } finally {
      setBusy(false)
    }
  }

  /** Moves focus to the input an error is about (after it renders), else to the message at the top. */
  const focusField = (field: FieldKey | undefined) =>
    requestAnimationFrame(() => {
      const root = formRef.current?.parentElement
      const target =
        (field && root?.querySelector<HTMLElement>(`#new-${field}, [data-field="${field}"] input`)) ||
        root?.querySelector<HTMLElement>('.error')
      target?.focus()
    })

  /** The id list for aria-describedby: the hint, and the error when there is one. */
  const described = (field: FieldKey, hint = true) =>
    [hint ? `new-${field}-hint` : '', errors[field] ? `new-${field}-error` : ''].filter(Boolean).join(' ') ||
    undefined
  const fieldError = (field: FieldKey) =>
    errors[field] ? html`<p class="field-error" id=${`new-${field}-error`}>${errors[field]}</p>` : null
  const invalid = (field: FieldKey) => (errors[field] ? 'true' : undefined)

  const secretHint =
    form.authMethod === 'HMAC' && form.hmacScheme === 'standard-webhooks'
      ? 'Leave empty and Inlet generates one. Given: whsec_ followed by base64 of 24 to 64 bytes.'
      : 'Leave empty and Inlet generates one. Given: 8 to 1,024 characters. It is shown once, after creating.'
  const secretLabel = SECRET_NAMES[form.authMethod]

  return html`<div class="source-new">
    <p><a href=${href('sources')}>← Sources</a></p>
    <h1>New source</h1>
    ${problem ? html`<${ErrorBanner} error=${problem} />` : null}
    <form ref=${formRef} onSubmit=${submit} noValidate aria-label="New source">
      <fieldset>
        <legend>Name</legend>
        <div class="field">
          <label for="new-label">Source name</label>
          <input id="new-label" type="text" required maxlength="128" autocomplete="off" value=${form.label}
            aria-invalid=${invalid('label')} aria-describedby=${described('label')}
            onInput=${(e: Event) => update({ label: inputValue(e) }, 'label')} />
          <small id="new-label-hint" class="muted">Unique; shown in lists and stamped on every event as p_source_label.</small>
          ${fieldError('label')}
        </div>
      </fieldset>

      <fieldset data-field="logTypes" aria-describedby=${described('logTypes')}>
        <legend>Log types <span class="muted">(optional)</span></legend>
        <p id="new-logTypes-hint" class="muted">
          Events are classified against the schemas chosen here; with none, they are stored as received.
        </p>
        ${
          schemas.data
            ? schemas.data.results.length === 0
              ? html`<p>No log schemas yet. <a href=${href('schemas')}>Create one</a>, or attach schemas to the source later.</p>`
              : html`<div class="choices log-types">
                  ${schemas.data.results.map(
                    (schema) => html`<label class="choice" key=${schema.name}>
                      <input type="checkbox" checked=${form.logTypes.includes(schema.name)} aria-invalid=${invalid('logTypes')}
                        onChange=${(e: Event) => {
                          const on = (e.target as HTMLInputElement).checked
                          update(
                            {
                              logTypes: on
                                ? [...form.logTypes, schema.name]
                                : form.logTypes.filter((name) => name !== schema.name),
                            },
                            'logTypes',
                          )
                        }} />
                      <span>${schema.name}${schema.description ? html`<small>${schema.description}</small>` : null}</span>
                    </label>`,
                  )}
                </div>
                <p class="muted">${plural(form.logTypes.length, 'log type')} chosen.</p>`
            : schemas.error
              ? html`<p class="error">The schemas could not be read (${schemas.error.message}); attach them later.</p>`
              : html`<${Loading} what="Loading the schemas" />`
        }
        ${fieldError('logTypes')}
      </fieldset>

      <fieldset>
        <legend>Stream type</legend>
        <div class="field">
          <label for="new-streamType">How a request body is split into events</label>
          <select id="new-streamType" value=${form.streamType} aria-describedby=${described('streamType')}
            aria-invalid=${invalid('streamType')}
            onChange=${(e: Event) => update({ streamType: inputValue(e) }, 'streamType')}>
            ${STREAM_TYPES.map((type) => html`<option value=${type.value}>${type.label}</option>`)}
          </select>
          <small id="new-streamType-hint" class="muted">${STREAM_TYPES.find((t) => t.value === form.streamType)?.hint}</small>
          ${fieldError('streamType')}
        </div>
        ${
          form.streamType === 'JsonArray'
            ? html`<div class="field">
                <label for="new-envelope">Envelope field <span class="muted">(optional)</span></label>
                <input id="new-envelope" type="text" autocomplete="off" spellcheck=${false} placeholder="Records"
                  value=${form.envelope} aria-invalid=${invalid('envelope')} aria-describedby=${described('envelope')}
                  onInput=${(e: Event) => update({ envelope: inputValue(e) }, 'envelope')} />
                <small id="new-envelope-hint" class="muted">
                  Dotted path of the array inside the body, such as Records or data.items. Empty: the body is the array.
                </small>
                ${fieldError('envelope')}
              </div>`
            : null
        }
      </fieldset>

      <fieldset data-field="authMethod">
        <legend>Authentication</legend>
        <div class="choices" role="radiogroup" aria-label="Auth method">
          ${AUTH_METHODS.map(
            (method) => html`<label class="choice" key=${method.value}>
              <input type="radio" name="auth-method" value=${method.value} checked=${form.authMethod === method.value}
                onChange=${() => chooseMethod(method.value)} />
              <span>${method.label}<small>${method.hint}</small></span>
            </label>`,
          )}
        </div>
        ${fieldError('authMethod')}

        ${
          form.authMethod === 'SharedSecret'
            ? html`<div class="field">
                <label for="new-header">Header name</label>
                <input id="new-header" type="text" required autocomplete="off" spellcheck=${false} value=${form.sharedHeader}
                  aria-invalid=${invalid('header')} aria-describedby=${described('header')}
                  onInput=${(e: Event) => update({ sharedHeader: inputValue(e) }, 'header')} />
                <small id="new-header-hint" class="muted">The header senders put the secret in.</small>
                ${fieldError('header')}
              </div>`
            : null
        }
        ${
          form.authMethod === 'HMAC'
            ? html`<div class="field">
                <label for="new-scheme">Signature scheme</label>
                <select id="new-scheme" value=${form.hmacScheme} aria-describedby=${described('scheme')}
                  aria-invalid=${invalid('scheme')} onChange=${(e: Event) => chooseScheme(inputValue(e) as Scheme)}>
                  ${SCHEMES.map((s) => html`<option value=${s.value}>${s.label}</option>`)}
                </select>
                <small id="new-scheme-hint" class="muted">${scheme.hint}</small>
                ${fieldError('scheme')}
              </div>
              <div class="field">
                <label for="new-alg">Algorithm</label>
                <select id="new-alg" value=${form.hmacAlg} disabled=${scheme.algs.length === 1}
                  aria-describedby=${described('alg')} aria-invalid=${invalid('alg')}
                  onChange=${(e: Event) => update({ hmacAlg: inputValue(e) }, 'alg')}>
                  ${scheme.algs.map((alg) => html`<option value=${alg}>HMAC-${alg.toUpperCase()}</option>`)}
                </select>
                <small id="new-alg-hint" class="muted">
                  ${scheme.algs.length === 1 ? `${scheme.label} signs with SHA-256 only.` : 'The hash the sender signs with.'}
                </small>
                ${fieldError('alg')}
              </div>
              <div class="field">
                <label for="new-header">Signature header${form.hmacScheme === 'raw' ? '' : html` <span class="muted">(optional)</span>`}</label>
                <input id="new-header" type="text" autocomplete="off" spellcheck=${false} required=${form.hmacScheme === 'raw'}
                  value=${form.hmacHeader} placeholder=${scheme.header(form.hmacAlg)}
                  aria-invalid=${invalid('header')} aria-describedby=${described('header')}
                  onInput=${(e: Event) => update({ hmacHeader: inputValue(e) }, 'header')} />
                <small id="new-header-hint" class="muted">
                  ${
                    form.hmacScheme === 'raw'
                      ? 'The header senders put the signature in.'
                      : `Empty: ${scheme.header(form.hmacAlg)}, the header ${scheme.label} signs into.`
                  }
                </small>
                ${fieldError('header')}
              </div>`
            : null
        }
        ${
          form.authMethod === 'Basic'
            ? html`<div class="field">
                <label for="new-username">User name</label>
                <input id="new-username" type="text" required autocomplete="off" spellcheck=${false} value=${form.username}
                  aria-invalid=${invalid('username')} aria-describedby=${described('username')}
                  onInput=${(e: Event) => update({ username: inputValue(e) }, 'username')} />
                <small id="new-username-hint" class="muted">Without a colon (RFC 7617).</small>
                ${fieldError('username')}
              </div>`
            : null
        }
        ${
          form.authMethod === 'None'
            ? html`<p class="warning">
                Without auth, anyone who can reach the ingest URL can send events to this source. Limit it to the
                senders' addresses with <code>allowedCidrs</code> (the source's settings, or${' '}
                <code>inlet source create --allowed-cidr</code>).
              </p>`
            : html`<div class="field">
                <label for="new-secret">${secretLabel} <span class="muted">(optional)</span></label>
                <div class="secret-row">
                  <input id="new-secret" type="text" autocomplete="off" spellcheck=${false} autocapitalize="off"
                    value=${form.secret} aria-invalid=${invalid('secret')} aria-describedby=${described('secret')}
                    onInput=${(e: Event) => update({ secret: inputValue(e), secretGenerated: false }, 'secret')} />
                  <button type="button" onClick=${() =>
                    update(
                      {
                        secret: generateSecret(form.authMethod === 'HMAC' ? form.hmacScheme : undefined),
                        secretGenerated: true,
                      },
                      'secret',
                    )}>Generate</button>
                </div>
                <small id="new-secret-hint" class="muted">${secretHint}</small>
                ${fieldError('secret')}
              </div>`
        }
      </fieldset>

      <fieldset>
        <legend>No-data alarm</legend>
        <label class="check">
          <input type="checkbox" checked=${form.alarmOn}
            onChange=${(e: Event) => update({ alarmOn: (e.target as HTMLInputElement).checked }, 'minutes')} />
          Raise an alarm when no events arrive for a while
        </label>
        <div class="field">
          <label for="new-minutes">Minutes without events</label>
          <input id="new-minutes" type="number" inputmode="numeric" min=${ALARM_MINUTES.min} max=${ALARM_MINUTES.max} step="1"
            value=${form.minutes} disabled=${!form.alarmOn} aria-invalid=${invalid('minutes')}
            aria-describedby=${described('minutes')}
            onInput=${(e: Event) => update({ minutes: inputValue(e) }, 'minutes')} />
          <small id="new-minutes-hint" class="muted">
            ${ALARM_MINUTES.min} to ${ALARM_MINUTES.max.toLocaleString()} (30 days); 1,440 is one day. It shows in the
            sources list and as a system error.
          </small>
          ${fieldError('minutes')}
        </div>
      </fieldset>

      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${busy ? 'Creating…' : 'Create source'}</button>
        <a href=${href('sources')}>Cancel</a>
      </div>
    </form>
  </div>`
}

const SECRET_NAMES: Record<AuthMethod, string> = {
  SharedSecret: 'Shared secret',
  HMAC: 'Signing secret',
  Bearer: 'Bearer token',
  Basic: 'Password',
  None: '',
}

/** The one time the secret is shown: URL, secret, and a curl example that sends an event with them. */
function CreatedSource({ source, onAnother }: { source: Created; onAnother: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [])
  const secret = source.authSecretValue ?? source.authPassword ?? source.authBearerToken
  const script = curlExample(source)
  const signs = source.authMethod === 'HMAC'
  return html`<section class="source-created" aria-labelledby="created-title">
    <h1 id="created-title" tabindex="-1" ref=${heading}>Source created: ${source.integrationLabel}</h1>
    ${
      secret === undefined
        ? html`<p class="warning">
            This source takes events without auth: anyone who can reach the URL can send to it.
          </p>`
        : html`<p class="warning">
            <strong>Copy the ${SECRET_NAMES[source.authMethod].toLowerCase()} now: it will not be shown again.</strong>${' '}
            Inlet keeps only ${signs ? 'an encrypted copy for checking signatures' : 'a hash of it'} and cannot show it
            later. If it is lost, rotate it in the source's settings and give the senders the new one.
          </p>`
    }
    <dl>
      <dt>Ingest URL</dt>
      <dd><${Copyable} text=${source.url} label="ingest URL" /></dd>
      ${
        source.authMethod === 'SharedSecret' || source.authMethod === 'HMAC'
          ? html`<dt>Header</dt><dd><code>${source.authHeaderKey}</code>${
              signs
                ? html` <span class="muted">(HMAC-${source.authHmacAlg?.toUpperCase()}, ${source.authHmacScheme})</span>`
                : null
            }</dd>`
          : null
      }
      ${source.authMethod === 'Basic' ? html`<dt>User name</dt><dd><${Copyable} text=${source.authUsername ?? ''} label="user name" /></dd>` : null}
      ${
        secret !== undefined
          ? html`<dt>${SECRET_NAMES[source.authMethod]}</dt><dd><${Copyable} text=${secret} label=${SECRET_NAMES[source.authMethod].toLowerCase()} /></dd>`
          : null
      }
    </dl>

    <h2 id="curl-title">Send a first event</h2>
    <p>
      Paste this into a shell (bash, zsh or sh; it needs <code>curl</code>${signs ? html` and <code>openssl</code>` : ''}).
      ${signs ? ' It signs the body as the sender would, at the time it runs.' : ''} It prints${' '}
      <code>${'{"accepted":1}'}</code> once the event is stored.
    </p>
    <div class="curl">
      <pre id="curl-example" aria-labelledby="curl-title" tabindex="0">${script}</pre>
      <${CopyButton} text=${script} label="Copy" />
    </div>

    <div class="actions">
      <a class="button primary" href=${href(`sources/${encodeURIComponent(source.integrationId)}`)}>Done</a>
      <button type="button" onClick=${onAnother}>Create another source</button>
    </div>
  </section>`
}
