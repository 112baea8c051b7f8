/**
 * Log schemas: the list (`#/schemas`), one schema (`#/schemas/<name>`), the form to create one
 * (`#/schemas/new`) and to edit one (`#/schemas/<name>/edit`). The server validates a spec; its message
 * names a line (YAML syntax) or a path (`fields[1].type`), which the form turns into a line of the editor
 * (schemas-lines.ts) and selects. Which sources read events with a schema comes from their `logTypes`.
 */
import './schemas.css'
import { useEffect, useRef, useState } from 'preact/hooks'
import { type SpecProblem, specProblem } from '../../../schemas/spec-lines.ts'
import { ApiError, api, type LogSchema, type Source } from '../api.ts'
import { href, navigate, useRoute } from '../router.ts'
import {
  CopyButton,
  Dialog,
  ErrorBanner,
  Field,
  formatTime,
  html,
  Loading,
  plural,
  TimeAgo,
  useLoad,
} from '../ui.ts'
import { SpecEditor, selectLine } from './schemas-editor.ts'

const loadSchemas = () => api<{ results: LogSchema[] }>('GET', '/schemas').then((body) => body.results)
const loadSources = () => api<{ results: Source[] }>('GET', '/log-sources/http').then((body) => body.results)
const schemaPath = (name: string) => `/schemas/${encodeURIComponent(name)}`

export function SchemasPage({ name }: { name?: string }) {
  const route = useRoute()
  if (name === 'new') return html`<${SchemaForm} />`
  if (name && route.path[2] === 'edit') return html`<${EditSchema} name=${name} />`
  if (name) return html`<${SchemaView} name=${name} />`
  return html`<${SchemaList} />`
}

/** The sources whose log types name `schema`, as links. */
function UsedBy({ schema, sources }: { schema: string; sources: Source[] | undefined }) {
  if (!sources) return html`<span class="muted">…</span>`
  const using = sources.filter((source) => source.logTypes.includes(schema))
  if (using.length === 0) return html`<span class="muted">no source</span>`
  return html`<span class="schema-used">
    ${using.map(
      (source) =>
        html`<a key=${source.integrationId} href=${href(`sources/${source.integrationId}`)}>${source.integrationLabel}</a>`,
    )}
  </span>`
}

function SchemaList() {
  const schemas = useLoad(loadSchemas)
  const sources = useLoad(loadSources)
  return html`<section aria-labelledby="schemas-title">
    <div class="spread">
      <h1 id="schemas-title">Log schemas</h1>
      <a class="button primary" href=${href('schemas/new')}>New schema</a>
    </div>
    <p class="muted">
      A source with log types reads each event as the first of its schemas that fits: required fields
      present, values of their types. Events no schema reads are stored as received and reported as a system
      error.
    </p>
    <${ErrorBanner} error=${schemas.error} />
    <${ErrorBanner} error=${sources.error && `Sources could not be loaded: ${sources.error.message}`} />
    ${
      schemas.loading && !schemas.data
        ? html`<${Loading} what="Loading schemas" />`
        : schemas.data?.length === 0
          ? html`<div class="panel"><p>No schemas yet.</p>
              <p class="muted">Create one from a Panther custom log schema, or infer a draft from a source's events
              on its page.</p></div>`
          : schemas.data
            ? html`<table class="schema-list">
                <caption class="muted">${plural(schemas.data.length, 'schema')}</caption>
                <thead><tr>
                  <th scope="col">Name</th><th scope="col">Description</th><th scope="col">Revision</th>
                  <th scope="col">Updated</th><th scope="col">Used by</th>
                </tr></thead>
                <tbody>
                  ${schemas.data.map(
                    (schema) => html`<tr key=${schema.name}>
                      <td><a href=${href(`schemas/${schema.name}`)}>${schema.name}</a></td>
                      <td class="wrap schema-description">${schema.description ?? html`<span class="muted">—</span>`}</td>
                      <td>${schema.revision}</td>
                      <td><${TimeAgo} iso=${schema.updatedAt} /></td>
                      <td><${UsedBy} schema=${schema.name} sources=${sources.data} /></td>
                    </tr>`,
                  )}
                </tbody>
              </table>`
            : null
    }
  </section>`
}

/** A reference URL as a link only when it is a web address (the server checks it, the page checks again). */
function WebLink({ url }: { url: string }) {
  let safe = false
  try {
    const protocol = new URL(url).protocol
    safe = protocol === 'http:' || protocol === 'https:'
  } catch {
    safe = false
  }
  return safe
    ? html`<a href=${url} rel="noreferrer noopener" target="_blank">${url}</a>`
    : html`<code>${url}</code>`
}

function SchemaView({ name }: { name: string }) {
  const schema = useLoad(() => api<LogSchema>('GET', schemaPath(name)), [name])
  const sources = useLoad(loadSources)
  const [deleting, setDeleting] = useState(false)
  if (schema.error) {
    return html`<p><a href=${href('schemas')}>← Log schemas</a></p>
      <h1>${name}</h1>
      <${ErrorBanner} error=${schema.error} />`
  }
  if (!schema.data) return html`<${Loading} what="Loading the schema" />`
  const data = schema.data
  return html`<section aria-labelledby="schema-title">
    <p><a href=${href('schemas')}>← Log schemas</a></p>
    <div class="spread">
      <h1 id="schema-title">${data.name}</h1>
      <div class="row">
        <a class="button" href=${href('search', { logType: data.name })}>Search its events</a>
        <a class="button primary" href=${href(`schemas/${data.name}/edit`)}>Edit</a>
        <button type="button" class="danger" onClick=${() => setDeleting(true)}>Delete</button>
      </div>
    </div>
    <dl class="schema-meta">
      <dt>Description</dt><dd>${data.description ?? html`<span class="muted">none</span>`}</dd>
      <dt>Reference</dt><dd>${data.referenceURL ? html`<${WebLink} url=${data.referenceURL} />` : html`<span class="muted">none</span>`}</dd>
      <dt>Revision</dt><dd>${data.revision}</dd>
      <dt>Field discovery</dt><dd>${data.isFieldDiscoveryEnabled ? 'on: fields the schema does not name are kept' : 'off'}</dd>
      <dt>Created</dt><dd>${formatTime(data.createdAt)}</dd>
      <dt>Updated</dt><dd>${formatTime(data.updatedAt)} (<${TimeAgo} iso=${data.updatedAt} />)</dd>
      <dt>Used by</dt><dd><${UsedBy} schema=${data.name} sources=${sources.data} /></dd>
    </dl>
    <div class="schema-spec">
      <div class="spread"><h2>Spec</h2><${CopyButton} text=${data.spec} label="Copy spec" /></div>
      <pre aria-label="Spec (YAML)">${data.spec}</pre>
    </div>
    ${deleting ? html`<${DeleteSchema} name=${data.name} onClose=${() => setDeleting(false)} />` : null}
  </section>`
}

/** Asks first; the server refuses a schema a source still names, and its message says which. */
function DeleteSchema({ name, onClose }: { name: string; onClose: () => void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const remove = async () => {
    setBusy(true)
    setError(undefined)
    try {
      await api('DELETE', schemaPath(name))
      navigate('schemas')
    } catch (caught) {
      setError((caught as Error).message)
      setBusy(false)
    }
  }
  return html`<${Dialog} title=${`Delete ${name}?`} onClose=${onClose}>
    <p>The schema is removed. Events already stored keep their log type. A source that still names it
      must drop it from its log types first.</p>
    <${ErrorBanner} error=${error} />
    <div class="row">
      <button type="button" class="danger" onClick=${remove} disabled=${busy}>${busy ? 'Deleting…' : 'Delete schema'}</button>
      <button type="button" onClick=${onClose}>Cancel</button>
    </div>
  </${Dialog}>`
}

function EditSchema({ name }: { name: string }) {
  const schema = useLoad(() => api<LogSchema>('GET', schemaPath(name)), [name])
  if (schema.error) return html`<h1>${name}</h1><${ErrorBanner} error=${schema.error} />`
  if (!schema.data) return html`<${Loading} what="Loading the schema" />`
  return html`<${SchemaForm} key=${`${name}@${schema.data.revision}`} existing=${schema.data} />`
}

const STARTER = `fields:
  - name: time
    type: timestamp
    timeFormats: [rfc3339]
    isEventTime: true
  - name: message
    type: string
    required: true
`

interface FormError {
  message: string
  field?: string
  problem?: SpecProblem
}

function SchemaForm({ existing }: { existing?: LogSchema }) {
  const [name, setName] = useState(existing?.name ?? 'Custom.')
  const [description, setDescription] = useState(existing?.description ?? '')
  const [referenceURL, setReferenceURL] = useState(existing?.referenceURL ?? '')
  const [spec, setSpec] = useState(existing?.spec ?? STARTER)
  const [discovery, setDiscovery] = useState<boolean | undefined>(existing?.isFieldDiscoveryEnabled)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<FormError>()
  const area = useRef<HTMLTextAreaElement>(null)
  const line = error?.problem?.line ?? null

  // After a refused save, the caret goes to the line the server named.
  useEffect(() => {
    if (area.current && line !== null) selectLine(area.current, line)
  }, [error, line])

  useEffect(() => {
    if (error?.field && error.field !== 'spec') document.getElementById(`schema-${error.field}`)?.focus()
  }, [error])

  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    const body = {
      ...(existing ? {} : { name: name.trim() }),
      description,
      referenceURL,
      spec,
      ...(discovery === undefined ? {} : { isFieldDiscoveryEnabled: discovery }),
    }
    try {
      const saved = existing
        ? await api<LogSchema>('PUT', schemaPath(existing.name), body)
        : await api<LogSchema>('POST', '/schemas', body)
      navigate(`schemas/${saved.name}`)
    } catch (caught) {
      const apiError = caught instanceof ApiError ? caught : undefined
      const message = (caught as Error).message
      const isSpec = apiError?.field === 'spec' || message.startsWith('spec:')
      setError({
        message,
        field: isSpec ? 'spec' : apiError?.field,
        problem: isSpec ? specProblem(message, spec) : undefined,
      })
      setBusy(false)
    }
  }

  const fieldError = (field: string) =>
    error?.field === field
      ? html`<p class="error" role="alert" id=${`schema-${field}-error`}>${error.message}</p>`
      : null
  const describedBy = (field: string, hint = true) =>
    [hint ? `schema-${field}-hint` : '', error?.field === field ? `schema-${field}-error` : '']
      .filter(Boolean)
      .join(' ') || undefined
  const problem = error?.problem
  const shown = existing
    ? ['description', 'referenceURL', 'spec']
    : ['name', 'description', 'referenceURL', 'spec']
  const back = existing ? href(`schemas/${existing.name}`) : href('schemas')

  return html`<section aria-labelledby="schema-form-title">
    <p><a href=${back}>← ${existing ? existing.name : 'Log schemas'}</a></p>
    <h1 id="schema-form-title">${existing ? `Edit ${existing.name}` : 'New log schema'}</h1>
    <form class="schema-form" onSubmit=${submit} novalidate>
      ${
        existing
          ? html`<p class="muted">Revision ${existing.revision}. Fields may be added and descriptions changed;
              nothing may be removed, renamed or retyped, so events stored before still read the same.</p>`
          : html`<${Field} id="schema-name" label="Name"
              hint="Custom. then capitalised words of letters and digits, e.g. Custom.MyApp or Custom.Acme.Audit">
              <input id="schema-name" required autocomplete="off" spellcheck=${false} value=${name}
                aria-invalid=${error?.field === 'name' ? 'true' : undefined} aria-describedby=${describedBy('name')}
                onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} />
              ${fieldError('name')}
            </${Field}>`
      }
      <${Field} id="schema-description" label="Description" hint="Optional; the spec's own description when empty.">
        <input id="schema-description" value=${description} aria-describedby=${describedBy('description')}
          aria-invalid=${error?.field === 'description' ? 'true' : undefined}
          onInput=${(e: Event) => setDescription((e.target as HTMLInputElement).value)} />
        ${fieldError('description')}
      </${Field}>
      <${Field} id="schema-referenceURL" label="Reference URL" hint="Optional: the documentation of this log type (http or https).">
        <input id="schema-referenceURL" type="url" value=${referenceURL} aria-describedby=${describedBy('referenceURL')}
          aria-invalid=${error?.field === 'referenceURL' ? 'true' : undefined}
          onInput=${(e: Event) => setReferenceURL((e.target as HTMLInputElement).value)} />
        ${fieldError('referenceURL')}
      </${Field}>
      <div class="field schema-spec-field">
        <label for="schema-spec">Spec (YAML)</label>
        <small id="schema-spec-hint" class="muted">A Panther custom log schema: <code>fields</code> with
          <code>name</code> and <code>type</code>, and <code>required</code>, <code>timeFormats</code>,
          <code>isEventTime</code>, <code>indicators</code>; <code>parser</code> for text lines.</small>
        ${
          problem
            ? html`<div class="error schema-problem" role="alert" id="schema-spec-error">
                <p>${problem.line !== null ? html`<strong>Line ${problem.line}: </strong>` : null}${problem.text}${
                  problem.column !== null ? ` (column ${problem.column})` : ''
                }</p>
                ${
                  problem.line !== null
                    ? html`<button type="button" class="small"
                        onClick=${() => area.current && selectLine(area.current, problem.line ?? 1)}>
                        Go to line ${problem.line}</button>`
                    : null
                }
              </div>`
            : null
        }
        <${SpecEditor} id="schema-spec" value=${spec} onInput=${setSpec} errorLine=${line} areaRef=${area}
          describedBy=${describedBy('spec')} />
      </div>
      <div class="schema-check">
        <input id="schema-discovery" type="checkbox" checked=${discovery ?? false} aria-describedby="schema-discovery-hint"
          onChange=${(e: Event) => setDiscovery((e.target as HTMLInputElement).checked)} />
        <label for="schema-discovery">Field discovery</label>
        <small id="schema-discovery-hint" class="muted">Keep fields the schema does not name.${
          discovery === undefined ? " Left alone, the spec's fieldDiscoveryEnabled decides." : ''
        }</small>
      </div>
      ${error && !shown.includes(error.field ?? '') ? html`<${ErrorBanner} error=${error.message} />` : null}
      <div class="row">
        <button type="submit" class="primary" disabled=${busy}>${
          busy ? 'Saving…' : existing ? 'Save changes' : 'Create schema'
        }</button>
        <a class="button" href=${back}>Cancel</a>
      </div>
    </form>
  </section>`
}
