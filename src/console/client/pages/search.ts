import { html } from '../ui.ts'
export function SearchPage(_props: Record<string, unknown>) {
  return html`<h1>SearchPage</h1>`
}
