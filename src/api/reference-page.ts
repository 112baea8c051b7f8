/**
 * The API reference page, made from the OpenAPI document (api/openapi.ts serves both): the operations
 * grouped by tag, each with its method, path, summary, description, authentication, parameters, request
 * body and answers, the error codes of each answer linked to the catalogue's table at the end. It is plain
 * HTML with one style sheet from this server and no script, so it works offline and under the console's
 * Content-Security-Policy. Every text from the document is escaped.
 */

export interface ApiDocument {
  openapi: string
  info: { title: string; version: string; description?: string }
  tags?: { name: string; description?: string }[]
  security?: SecurityRequirement[]
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, unknown>; securitySchemes?: Record<string, SecurityScheme> }
}

export interface Operation {
  tags?: string[]
  summary?: string
  description?: string
  security?: SecurityRequirement[]
  parameters?: Parameter[]
  requestBody?: { description?: string; content?: Record<string, MediaType> }
  responses?: Record<string, Answer>
}

type SecurityRequirement = Record<string, string[]>
interface SecurityScheme {
  type: string
  in?: string
  name?: string
  scheme?: string
  description?: string
}
interface Parameter {
  name: string
  in: string
  required?: boolean
  description?: string
  schema?: Schema
}
interface MediaType {
  schema?: Schema
}
interface Schema {
  type?: string
  description?: string
  $ref?: string
  anyOf?: Schema[]
  const?: unknown
}
interface Answer {
  description?: string
  content?: Record<string, MediaType>
  'x-error-codes'?: string[]
}
interface CatalogueEntry {
  code: string
  status: number
  meaning: string
}

export function referencePage(doc: ApiDocument): string {
  const groups = byTag(doc)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(doc.info.title)} API reference</title>
<link rel="icon" href="/console/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/openapi/reference.css">
</head>
<body>
<header>
<h1>${escapeHtml(doc.info.title)} API reference <small>${escapeHtml(doc.info.version)}</small></h1>
${prose(doc.info.description)}
<p>The same as an OpenAPI ${escapeHtml(doc.openapi)} document: <a href="/openapi/json">/openapi/json</a>. The console: <a href="/">/</a>.</p>
${authentication(doc)}
<nav aria-label="Contents">
<ul>${groups.map(contentsEntry).join('')}<li><a href="#errors">Error codes</a></li></ul>
</nav>
</header>
<main>
${groups.map((group) => tagSection(group, doc)).join('\n')}
${errorSection(doc)}
</main>
</body>
</html>
`
}

interface Entry {
  method: string
  path: string
  operation: Operation
}
interface Group {
  tag: string
  description?: string
  entries: Entry[]
}

/** The operations by their first tag, tags in the document's order, then any others as they come. */
function byTag(doc: ApiDocument): Group[] {
  const groups = new Map<string, Group>(
    (doc.tags ?? []).map((tag) => [tag.name, { tag: tag.name, description: tag.description, entries: [] }]),
  )
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const tag = operation.tags?.[0] ?? 'other'
      if (!groups.has(tag)) groups.set(tag, { tag, entries: [] })
      groups.get(tag)!.entries.push({ method, path, operation })
    }
  }
  return [...groups.values()].filter((group) => group.entries.length > 0)
}

const anchor = ({ method, path }: Entry) =>
  `${method}${path.replace(/[^A-Za-z0-9]+/g, '-')}`.replace(/-$/, '')
const tagAnchor = (tag: string) => `tag-${tag.replace(/[^A-Za-z0-9]+/g, '-')}`

function contentsEntry(group: Group): string {
  const entries = group.entries.map(
    (entry) =>
      `<li><a href="#${anchor(entry)}"><span class="method">${escapeHtml(entry.method.toUpperCase())}</span> <code>${escapeHtml(entry.path)}</code></a></li>`,
  )
  return `<li><a href="#${tagAnchor(group.tag)}">${escapeHtml(group.tag)}</a><ul>${entries.join('')}</ul></li>`
}

function authentication(doc: ApiDocument): string {
  const schemes = Object.entries(doc.components.securitySchemes ?? {}).map(
    ([name, scheme]) =>
      `<li><code>${escapeHtml(name)}</code>: ${escapeHtml(credential(scheme))}. ${prose(scheme.description, 'span')}</li>`,
  )
  const fallback = doc.security?.length
    ? `Unless an operation says otherwise, it needs ${requirementText(doc.security, doc)}.`
    : ''
  return `<section aria-labelledby="auth"><h2 id="auth">Authentication</h2><p>${escapeHtml(fallback)}</p><ul>${schemes.join('')}</ul></section>`
}

const credential = (scheme: SecurityScheme) =>
  scheme.type === 'apiKey'
    ? `the ${scheme.in} ${scheme.name}`
    : scheme.type === 'http'
      ? `Authorization: ${capitalised(scheme.scheme ?? '')}`
      : scheme.type

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/** What satisfies one of `requirements`, as a person reads it. */
function requirementText(requirements: SecurityRequirement[], doc: ApiDocument): string {
  const schemes = doc.components.securitySchemes ?? {}
  const one = (requirement: SecurityRequirement) =>
    Object.keys(requirement)
      .map((name) => (schemes[name] ? `${credential(schemes[name])} (${name})` : name))
      .join(' and ')
  return requirements.map(one).join(', or ')
}

function tagSection(group: Group, doc: ApiDocument): string {
  return `<section class="tag" aria-labelledby="${tagAnchor(group.tag)}">
<h2 id="${tagAnchor(group.tag)}">${escapeHtml(group.tag)}</h2>
${prose(group.description)}
${group.entries.map((entry) => operationArticle(entry, doc)).join('\n')}
</section>`
}

function operationArticle(entry: Entry, doc: ApiDocument): string {
  const { method, path, operation } = entry
  const security = operation.security ?? doc.security ?? []
  return `<article class="operation" id="${anchor(entry)}">
<h3><span class="method ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h3>
<p class="summary">${inline(operation.summary ?? '')}</p>
${prose(operation.description)}
<p class="auth"><strong>Authentication:</strong> ${escapeHtml(security.length === 0 ? 'no API key' : requirementText(security, doc))}</p>
${parameters(operation.parameters ?? [])}
${requestBody(operation.requestBody)}
${responses(operation.responses ?? {}, doc)}
</article>`
}

function parameters(list: Parameter[]): string {
  if (list.length === 0) return ''
  const rows = list.map(
    (parameter) =>
      `<tr><td><code>${escapeHtml(parameter.name)}</code>${parameter.required ? ' <em>required</em>' : ''}</td><td>${escapeHtml(parameter.in)}</td><td>${escapeHtml(typeOf(parameter.schema))}</td><td>${inline(parameter.description ?? parameter.schema?.description ?? '')}</td></tr>`,
  )
  return `<h4>Parameters</h4>
<table><thead><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

/** A parameter's type as a person reads it: its choices when it has a few, else its JSON type. */
function typeOf(schema: Schema | undefined): string {
  const choices = schema?.anyOf?.map((option) => option.const).filter((value) => value !== undefined)
  if (choices?.length) return choices.map(String).join(' | ')
  return schema?.type ?? 'any'
}

function requestBody(body: Operation['requestBody']): string {
  if (!body) return ''
  return `<h4>Request body</h4>
${prose(body.description)}
${media(body.content)}`
}

function responses(answers: Record<string, Answer>, doc: ApiDocument): string {
  if (Object.keys(answers).length === 0) return ''
  const meanings = new Map(catalogue(doc).map((entry) => [entry.code, entry.meaning]))
  const codeItem = (code: string) =>
    `<li><a href="#error-${escapeHtml(code)}"><code>${escapeHtml(code)}</code></a>: ${inline(meanings.get(code) ?? '')}</li>`
  const rows = Object.entries(answers).map(([status, answer]) => {
    const codes = answer['x-error-codes']
    const what = codes
      ? `<ul class="codes">${codes.map(codeItem).join('')}</ul>${media(answer.content)}`
      : `${prose(answer.description)}${media(answer.content)}`
    return `<tr><td class="status s${escapeHtml(status.charAt(0))}">${escapeHtml(status)}</td><td>${what}</td></tr>`
  })
  return `<h4>Responses</h4>
<table class="responses"><thead><tr><th>status</th><th>what</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

function media(content: Record<string, MediaType> | undefined): string {
  return Object.entries(content ?? {})
    .map(
      ([type, { schema }]) =>
        `<div class="media"><code>${escapeHtml(type)}</code>${schemaBlock(schema)}</div>`,
    )
    .join('')
}

function schemaBlock(schema: Schema | undefined): string {
  if (!schema) return ''
  if (schema.$ref)
    return ` <a href="#schema-${escapeHtml(refName(schema.$ref))}">${escapeHtml(refName(schema.$ref))}</a>`
  return `<details><summary>schema</summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`
}

const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1)

/** The error catalogue as the document carries it, on its `ErrorCode` schema (errors.ts, `errorSchemas`). */
function catalogue(doc: ApiDocument): CatalogueEntry[] {
  const errorCode = doc.components.schemas.ErrorCode as { 'x-error-catalogue'?: CatalogueEntry[] } | undefined
  return errorCode?.['x-error-catalogue'] ?? []
}

function errorSection(doc: ApiDocument): string {
  const rows = catalogue(doc).map(
    (entry) =>
      `<tr id="error-${escapeHtml(entry.code)}"><td><code>${escapeHtml(entry.code)}</code></td><td>${entry.status}</td><td>${inline(entry.meaning)}</td></tr>`,
  )
  return `<section aria-labelledby="errors">
<h2 id="errors">Error codes</h2>
<p>Every error answer has the body below; <code>error.code</code> is one of these codes, each always with the same status.</p>
<div id="schema-Error">${schemaBlock(doc.components.schemas.Error as Schema | undefined)}</div>
<p>The Splunk HEC routes answer as Splunk does, with the code in <code>error</code>:</p>
<div id="schema-HecAnswer">${schemaBlock(doc.components.schemas.HecAnswer as Schema | undefined)}</div>
<table><thead><tr><th>code</th><th>status</th><th>meaning</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</section>`
}

/** Paragraphs and `- ` lists, with `code` spans: the little Markdown the document's descriptions use. */
function prose(text: string | undefined, element = 'p'): string {
  if (!text) return ''
  return text
    .split(/\n{2,}/)
    .map((block) => {
      const lines = block.split('\n')
      if (lines.every((line) => line.startsWith('- '))) {
        return `<ul>${lines.map((line) => `<li>${inline(line.slice(2))}</li>`).join('')}</ul>`
      }
      return `<${element}>${inline(lines.join(' '))}</${element}>`
    })
    .join('\n')
}

const inline = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>')

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ENTITIES[char]!)

/** The page's one style sheet: system fonts, light and dark from the system setting, as the console. */
export const REFERENCE_CSS = `:root {
  color-scheme: light dark;
  --bg: #ffffff;
  --panel: #f6f8fa;
  --text: #1f2328;
  --muted: #59636e;
  --border: #d1d9e0;
  --accent: #0969da;
  --good: #1a7f37;
  --bad: #cf222e;
  --warn: #9a6700;
  --code: #eff2f5;
  font: 15px / 1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117;
    --panel: #151b23;
    --text: #e6edf3;
    --muted: #9198a1;
    --border: #3d444d;
    --accent: #4493f8;
    --good: #3fb950;
    --bad: #f85149;
    --warn: #d29922;
    --code: #1f2630;
  }
}
body {
  margin: 0 auto;
  max-width: 1100px;
  padding: 16px 24px 48px;
  background: var(--bg);
  color: var(--text);
}
a {
  color: var(--accent);
}
code, pre {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.92em;
}
code {
  background: var(--code);
  padding: 1px 4px;
  border-radius: 4px;
}
pre {
  background: var(--panel);
  border: 1px solid var(--border);
  border-radius: 6px;
  padding: 8px 12px;
  overflow-x: auto;
}
pre code {
  background: none;
  padding: 0;
}
h1 small {
  color: var(--muted);
  font-weight: 400;
  font-size: 0.6em;
}
h2 {
  border-bottom: 1px solid var(--border);
  padding-bottom: 4px;
  margin-top: 40px;
}
nav ul ul {
  columns: 2;
  font-size: 0.92em;
}
.operation {
  border: 1px solid var(--border);
  border-radius: 8px;
  padding: 4px 16px 12px;
  margin: 20px 0;
  background: var(--bg);
}
.operation h3 {
  display: flex;
  gap: 10px;
  align-items: center;
}
.method {
  font-weight: 700;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
h3 .method {
  color: var(--bg);
  background: var(--muted);
  border-radius: 4px;
  padding: 1px 8px;
  font-size: 0.85em;
}
h3 .method.get {
  background: var(--accent);
}
h3 .method.post {
  background: var(--good);
}
h3 .method.put {
  background: var(--warn);
}
h3 .method.delete {
  background: var(--bad);
}
.summary {
  font-weight: 600;
}
table {
  border-collapse: collapse;
  width: 100%;
  margin: 8px 0;
}
th, td {
  text-align: left;
  vertical-align: top;
  border-bottom: 1px solid var(--border);
  padding: 6px 8px;
}
th {
  color: var(--muted);
  font-weight: 600;
  font-size: 0.9em;
}
td p {
  margin: 0 0 4px;
}
.status {
  font-weight: 700;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
.s2 {
  color: var(--good);
}
.s4 {
  color: var(--warn);
}
.s5 {
  color: var(--bad);
}
.codes {
  list-style: none;
  margin: 0 0 4px;
  padding: 0;
}
.media {
  margin: 4px 0;
}
details summary {
  cursor: pointer;
  color: var(--muted);
}
tr:target {
  background: var(--panel);
  outline: 2px solid var(--accent);
}
`
