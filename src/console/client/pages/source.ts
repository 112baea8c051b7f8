import { html } from '../ui.ts'
export function SourcePage(_props: Record<string, unknown>) {
  return html`<h1>SourcePage</h1>`
}
