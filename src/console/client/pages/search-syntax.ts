/**
 * The filter language in brief (search/query.ts is the full grammar), shown beside the query box by its
 * Syntax button. Each example is a button that puts it into the box.
 */
import { html } from '../ui.ts'

const ROWS: { what: string; examples: string[]; note: string }[] = [
  {
    what: 'Words',
    examples: ['timeout', '"connection reset"'],
    note: 'anywhere in the event, any case; quote a phrase',
  },
  {
    what: 'Compare',
    examples: ['status >= 500', 'user.name = ann', 'level != debug'],
    note: '= != > >= < <= on a field: numbers as numbers, RFC 3339 times as instants, strings exactly',
  },
  {
    what: 'Contains',
    examples: ['path CONTAINS "/admin"'],
    note: 'part of a field’s text, any case',
  },
  {
    what: 'Exists, in',
    examples: ['error.code EXISTS', 'level IN (error, fatal)'],
    note: 'the field is present; equals one of a list',
  },
  {
    what: 'Combine',
    examples: [
      'status >= 500 AND NOT path CONTAINS "/health"',
      '(level = error OR status >= 500) user.id EXISTS',
    ],
    note: 'AND (or just a space), OR, NOT, parentheses; AND binds before OR',
  },
  {
    what: 'Fields',
    examples: ['items[0].sku = A-1', '`odd key`.x = 1', 'p_any_ip_addresses = 10.0.0.7'],
    note: 'dotted paths; [n] for an array element (any element matches without it); backticks around odd names; p_* fields too',
  },
  {
    what: 'Times',
    examples: ['p_event_time >= 2026-11-28T12:00:00Z', 'at < 2026-11-28'],
    note: 'RFC 3339 with its offset (Z, +01:00) or a date alone (midnight UTC); the range picker sets p_event_time',
  },
]

export function SyntaxHelp({ id, onUse }: { id: string; onUse: (example: string) => void }) {
  return html`<section id=${id} class="panel search-syntax" aria-labelledby=${`${id}-title`}>
    <h2 id=${`${id}-title`}>Query syntax</h2>
    <table>
      <tbody>
        ${ROWS.map(
          (row) => html`<tr key=${row.what}>
            <th scope="row">${row.what}</th>
            <td>
              <div class="search-examples">
                ${row.examples.map(
                  (example) => html`<button key=${example} type="button" class="search-example"
                    title="Put this in the query box" onClick=${() => onUse(example)}><code>${example}</code></button>`,
                )}
              </div>
              <small class="muted">${row.note}</small>
            </td>
          </tr>`,
        )}
      </tbody>
    </table>
    <p class="muted">
      Quote values holding spaces or <code>${'( ) , = < >'}</code>, and the words AND, OR and NOT to search for them;
      inside quotes write <code>${'\\"'}</code> for a quote. Keywords take any case. An empty query matches every event.
    </p>
  </section>`
}
