import { html } from '../ui.ts'
export function NewSourcePage(_props: Record<string, unknown>) {
  return html`<h1>NewSourcePage</h1>`
}
