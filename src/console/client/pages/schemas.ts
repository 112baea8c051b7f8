import { html } from '../ui.ts'
export function SchemasPage(_props: Record<string, unknown>) {
  return html`<h1>SchemasPage</h1>`
}
