/**
 * The schemas tab of a source: the log types its events are classified against (tried in order), with
 * Detach and Attach, and a draft schema inferred from the events it has received, which the user may
 * edit, name and save as a new schema attached to the source.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, api, type LogSchema, type Source } from '../api.ts'
import { href } from '../router.ts'
import { ErrorBanner, Field, html, Loading, plural, useLoad } from '../ui.ts'
import { inputValue, sourcePath, updateSource } from './source-shared.ts'

/** As the server checks schema names: `Custom.` then dot-separated words starting with a capital letter. */
const SCHEMA_NAME = /^Custom\.[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)*$/
const NAME_RULE =
  'Custom. followed by words of letters and digits, each starting with a capital (Custom.MyApp).'

/** `my app-logs` → `Custom.MyAppLogs`, made unique among `taken`. */
export function schemaNameFor(label: string, taken: ReadonlySet<string> = new Set()): string {
  const words = label.match(/[A-Za-z0-9]+/g) ?? []
  let word = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')
  if (!/^[A-Z]/.test(word)) word = `Source${word}`
  const base = `Custom.${word.slice(0, 100)}`
  let name = base
  for (let n = 2; taken.has(name); n++) name = `${base}${n}`
  return name
}

/** The line a YAML error names (`… at line 5, column 1`), if it names one. */
export function lineOf(message: string): number | undefined {
  const match = /\bline (\d+)/i.exec(message)
  return match ? Number(match[1]) : undefined
}

export function SourceSchemas({ source, reload }: { source: Source; reload: () => void }) {
  const schemas = useLoad(() => api<{ results: LogSchema[] }>('GET', '/schemas').then((r) => r.results), [])
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()
  const id = source.integrationId

  const change = async (what: (logTypes: string[]) => string[], message: string) => {
    setBusy(true)
    setError(undefined)
    setDone(undefined)
    try {
      await updateSource(id, (current) => ({ logTypes: what(current.logTypes) }))
      setDone(message)
      reload()
    } catch (caught) {
      setError((caught as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return html`<div class="source-schemas">
    <h2 class="source-sr-only">Schemas</h2>
    <section class="panel" aria-labelledby="attached-title">
      <h3 id="attached-title">Attached log types</h3>
      <p class="muted">Each event is stored as the first of these that reads it; an event none reads is stored
        as received and counted as unclassified.</p>
      ${
        source.logTypes.length === 0
          ? html`<p>None yet: events are stored as received, without a log type.</p>`
          : html`<ol class="source-logtypes" aria-label="Attached log types">
              ${source.logTypes.map(
                (name) => html`<li key=${name} class="spread">
                  <a href=${href(`schemas/${encodeURIComponent(name)}`)}><code>${name}</code></a>
                  <button type="button" class="small danger" disabled=${busy} aria-label=${`Detach ${name}`}
                    onClick=${() => change((types) => types.filter((t) => t !== name), `${name} was detached.`)}>
                    Detach</button>
                </li>`,
              )}
            </ol>`
      }
      <${AttachForm} schemas=${schemas.data} loadError=${schemas.error} attached=${source.logTypes} busy=${busy}
        onAttach=${(name: string) => change((types) => [...types, name], `${name} was attached.`)} />
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <p class="muted source-status" aria-live="polite">${done ?? ''}</p>
    </section>
    <${InferPanel} source=${source} schemas=${schemas.data} onSaved=${() => {
      reload()
      schemas.reload()
    }} />
  </div>`
}

function AttachForm({
  schemas,
  loadError,
  attached,
  busy,
  onAttach,
}: {
  schemas: LogSchema[] | undefined
  loadError: Error | undefined
  attached: string[]
  busy: boolean
  onAttach: (name: string) => void
}) {
  const [choice, setChoice] = useState('')
  if (loadError) return html`<${ErrorBanner} error=${`Could not list the schemas: ${loadError.message}`} />`
  if (!schemas) return html`<${Loading} what="Loading schemas" />`
  const free = schemas.filter((schema) => !attached.includes(schema.name))
  if (free.length === 0) {
    return html`<p class="muted">${
      schemas.length === 0 ? 'There are no schemas yet: infer one below, or ' : 'Every schema is attached. '
    }<a href=${href('schemas')}>Go to the schemas</a>.</p>`
  }
  const selected = free.some((schema) => schema.name === choice) ? choice : ''
  const submit = (event: Event) => {
    event.preventDefault()
    if (selected) onAttach(selected)
  }
  return html`<form class="row source-attach" onSubmit=${submit}>
    <label for="attach-schema">Attach a schema</label>
    <select id="attach-schema" value=${selected} onChange=${(e: Event) => setChoice(inputValue(e))}>
      <option value="">Choose a schema…</option>
      ${free.map((schema) => html`<option key=${schema.name} value=${schema.name}>${schema.name}</option>`)}
    </select>
    <button type="submit" disabled=${busy || !selected}>Attach</button>
  </form>`
}

interface Draft {
  spec: string
  eventsSampled: number
}

interface SaveProblem {
  message: string
  field?: 'name' | 'spec'
  line?: number
}

function InferPanel({
  source,
  schemas,
  onSaved,
}: {
  source: Source
  schemas: LogSchema[] | undefined
  onSaved: () => void
}) {
  const id = source.integrationId
  const [draft, setDraft] = useState<Draft>()
  const [spec, setSpec] = useState('')
  const [name, setName] = useState('')
  const [inferring, setInferring] = useState(false)
  const [saving, setSaving] = useState(false)
  const [inferError, setInferError] = useState<string>()
  const [problem, setProblem] = useState<SaveProblem>()
  const [saved, setSaved] = useState<string>()
  const specRef = useRef<HTMLTextAreaElement>(null)
  const nameTouched = useRef(false)

  // The suggested name follows the schema list (to stay unique) until the user types one.
  const taken = new Set(schemas?.map((schema) => schema.name))
  const suggested = schemaNameFor(source.integrationLabel, taken)
  useEffect(() => {
    if (!nameTouched.current) setName(suggested)
  }, [suggested])

  const infer = async () => {
    setInferring(true)
    setInferError(undefined)
    setProblem(undefined)
    setSaved(undefined)
    try {
      const result = await api<Draft>('POST', `${sourcePath(id)}/infer-schema`, {})
      setDraft(result)
      setSpec(result.spec)
    } catch (caught) {
      setInferError(
        caught instanceof ApiError && caught.code === 'NO_EVENTS'
          ? 'This source has stored no events yet: send some, then infer a schema from them.'
          : (caught as Error).message,
      )
    } finally {
      setInferring(false)
    }
  }

  const edited = draft !== undefined && spec !== draft.spec
  const save = async (event: Event) => {
    event.preventDefault()
    setProblem(undefined)
    setSaved(undefined)
    if (!SCHEMA_NAME.test(name)) {
      setProblem({ field: 'name', message: `The name must be ${NAME_RULE}` })
      return
    }
    setSaving(true)
    let created = false
    try {
      if (edited) {
        await api('POST', '/schemas', { name, spec })
        created = true
        await updateSource(id, (current) => ({
          logTypes: current.logTypes.includes(name) ? current.logTypes : [name, ...current.logTypes],
        }))
      } else {
        await api('POST', `${sourcePath(id)}/infer-schema`, { saveAs: { name } })
      }
      setSaved(`${name} was created and attached to this source.`)
      setDraft(undefined)
      nameTouched.current = false
      onSaved()
    } catch (caught) {
      const message = (caught as Error).message
      const field = caught instanceof ApiError ? caught.field : undefined
      setProblem(
        created
          ? { message: `${name} was created, but attaching it failed: ${message}` }
          : {
              message,
              field:
                field === 'name' || field === 'saveAs.name' ? 'name' : field === 'spec' ? 'spec' : undefined,
              line: field === 'spec' || /^spec:/.test(message) ? lineOf(message) : undefined,
            },
      )
    } finally {
      setSaving(false)
    }
  }

  const showLine = (line: number) => {
    const area = specRef.current
    if (!area) return
    const lines = area.value.split('\n')
    const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0)
    const end = start + (lines[line - 1]?.length ?? 0)
    area.focus()
    area.setSelectionRange(start, end)
  }

  const problemLine = problem?.line
  const lineText = problemLine === undefined ? undefined : spec.split('\n')[problemLine - 1]
  return html`<section class="panel" aria-labelledby="infer-title">
    <h3 id="infer-title">Infer a schema from received data</h3>
    <p class="muted">Inlet reads the events this source has stored and drafts a schema that reads them all. Check
      the draft, edit it if needed, name it, and save it: the source classifies its next events with it.</p>
    <div class="row">
      <button type="button" class=${draft ? '' : 'primary'} onClick=${infer} disabled=${inferring || saving}>
        ${inferring ? 'Inferring…' : draft ? 'Infer again' : 'Infer a schema'}</button>
      ${draft ? html`<button type="button" onClick=${() => setDraft(undefined)} disabled=${saving}>Discard draft</button>` : null}
    </div>
    <${ErrorBanner} error=${inferError} />
    ${saved ? html`<p class="source-saved" role="status">${saved}</p>` : null}
    ${
      draft
        ? html`<form class="source-infer" onSubmit=${save} novalidate>
            <p aria-live="polite">Inferred from ${plural(draft.eventsSampled, 'event')}${edited ? '; edited.' : '.'}</p>
            <${Field} id="infer-spec" label="Schema (YAML)"
              hint="Panther custom log schema YAML; edit freely, the server checks it when you save.">
              <textarea id="infer-spec" class="code" ref=${specRef} rows=${Math.min(Math.max(spec.split('\n').length + 1, 8), 28)}
                spellcheck=${false} autocomplete="off" value=${spec}
                onInput=${(e: Event) => setSpec((e.target as HTMLTextAreaElement).value)}
                aria-invalid=${problem?.field === 'spec' ? 'true' : undefined}
                aria-describedby=${problem?.field === 'spec' ? 'infer-spec-hint infer-problem' : 'infer-spec-hint'}></textarea>
            <//>
            <${Field} id="infer-name" label="Name of the new schema" hint=${NAME_RULE}>
              <input id="infer-name" value=${name} autocomplete="off" spellcheck=${false}
                onInput=${(e: Event) => {
                  nameTouched.current = true
                  setName(inputValue(e))
                }}
                aria-invalid=${problem?.field === 'name' ? 'true' : undefined}
                aria-describedby=${problem?.field === 'name' ? 'infer-name-hint infer-problem' : 'infer-name-hint'} />
            <//>
            ${
              problem
                ? html`<div id="infer-problem" class="error" role="alert">
                    <span>${problem.message}</span>
                    ${
                      problemLine !== undefined && lineText !== undefined
                        ? html`<div class="source-problem-line">
                            <span>Line ${problemLine}: </span><code>${lineText || '(empty line)'}</code>
                            <button type="button" class="small" onClick=${() => showLine(problemLine)}>
                              Show line ${problemLine}</button>
                          </div>`
                        : null
                    }
                  </div>`
                : null
            }
            <button type="submit" class="primary" disabled=${saving || spec.trim() === '' || name.trim() === ''}>
              ${saving ? 'Saving…' : 'Save as new schema and attach'}</button>
          </form>`
        : null
    }
  </section>`
}
