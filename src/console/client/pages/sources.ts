import { html } from '../ui.ts'
export function SourcesPage(_props: Record<string, unknown>) {
  return html`<h1>SourcesPage</h1>`
}
