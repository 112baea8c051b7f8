import { html } from '../ui.ts'
export function ErrorsPage(_props: Record<string, unknown>) {
  return html`<h1>ErrorsPage</h1>`
}
