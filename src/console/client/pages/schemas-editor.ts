/**
 * The YAML box of the schema form: a plain textarea (so typing, undo, paste and screen readers work as
 * everywhere) with a line-number gutter beside it. When the server names a line, the gutter marks it, a
 * band lies behind that line of the text, and `selectLine` puts the caret on it. Lines do not wrap, so a
 * line of text is always one line of the gutter.
 */
import type { Ref } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { lineRange } from '../../../schemas/spec-lines.ts'
import { html } from '../ui.ts'

/** Must match `.schema-editor` line-height and padding in schemas.css. */
const LINE_PX = 20
const PAD_PX = 8

export function SpecEditor({
  id,
  value,
  onInput,
  errorLine,
  describedBy,
  areaRef,
}: {
  id: string
  value: string
  onInput: (value: string) => void
  errorLine: number | null
  describedBy?: string
  areaRef: Ref<HTMLTextAreaElement>
}) {
  const [scroll, setScroll] = useState(0)
  const gutter = useRef<HTMLDivElement>(null)
  const count = Math.max(value.split('\n').length, 1)
  const rows = Math.min(Math.max(count + 2, 12), 36)
  useEffect(() => {
    if (gutter.current) gutter.current.scrollTop = scroll
  }, [scroll])
  const numbers = Array.from({ length: count }, (_, i) => i + 1)
  return html`<div class="schema-editor">
    <div class="schema-gutter" ref=${gutter} aria-hidden="true">
      ${numbers.map(
        (n) => html`<span key=${n} class=${n === errorLine ? 'schema-gutter-bad' : undefined}>${n}</span>`,
      )}
    </div>
    <div class="schema-area">
      ${
        errorLine !== null && errorLine <= count
          ? html`<div class="schema-line-mark" aria-hidden="true"
              style=${{ top: `${PAD_PX + (errorLine - 1) * LINE_PX - scroll}px` }}></div>`
          : null
      }
      <textarea id=${id} ref=${areaRef} class="code" rows=${rows} wrap="off" spellcheck=${false}
        autocapitalize="off" autocomplete="off" required
        aria-invalid=${errorLine !== null ? 'true' : undefined} aria-describedby=${describedBy}
        value=${value}
        onInput=${(event: Event) => onInput((event.target as HTMLTextAreaElement).value)}
        onScroll=${(event: Event) => setScroll((event.target as HTMLTextAreaElement).scrollTop)}></textarea>
    </div>
  </div>`
}

/** Focuses the textarea with the 1-based `line` selected and scrolled into view. */
export function selectLine(area: HTMLTextAreaElement, line: number): void {
  const [start, end] = lineRange(area.value, line)
  area.focus()
  area.setSelectionRange(start, end)
  const top = PAD_PX + (line - 1) * LINE_PX
  if (top < area.scrollTop || top + LINE_PX > area.scrollTop + area.clientHeight) {
    area.scrollTop = Math.max(top - area.clientHeight / 3, 0)
  }
}
