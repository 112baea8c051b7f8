/**
 * Which line of a schema's YAML the server's validation error is about. The server names a line for YAML
 * syntax errors (`spec: invalid YAML: … at line 5, column 3:`) and a path for everything else
 * (`spec: fields[1].type: must be one of …`, schemas/spec.ts); a path is found in the text by walking its
 * block structure by indentation, which is how schemas are written. A path the walk cannot follow (flow
 * style `{name: a, type: b}`, a key that is missing) points at the deepest part of it that was found.
 */

export interface SpecProblem {
  /** The message without the `spec: ` prefix and the YAML library's position suffix. */
  text: string
  /** 1-based line, when one could be told. */
  line: number | null
  column: number | null
}

const YAML_POSITION = /\s*at line (\d+), column (\d+):?\s*$/
const PATH = /^((?:[^\s.[\]:]+|\[\d+\])(?:\.[^\s.[\]:]+|\[\d+\])*): (.+)$/s

export function specProblem(message: string, spec: string): SpecProblem {
  const text = message.replace(/^spec:\s*/, '')
  const position = YAML_POSITION.exec(text)
  if (position) {
    return {
      text: text.slice(0, position.index),
      line: Number(position[1]),
      column: Number(position[2]),
    }
  }
  const path = PATH.exec(text)
  if (path?.[1] && !text.startsWith('invalid YAML')) {
    return { text, line: lineOfPath(spec, parsePath(path[1])), column: null }
  }
  return { text, line: null, column: null }
}

/** `fields[2].element.type` → `['fields', 2, 'element', 'type']`. */
export function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = []
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] === undefined ? match[1]! : Number(match[2]))
  }
  return segments
}

interface Line {
  /** 0-based line number in the text. */
  n: number
  /** Columns of the `- ` sequence markers that open the line. */
  dashes: number[]
  /** Column where the content after the markers starts. */
  col: number
  /** The content after the markers. */
  text: string
}

/** The lines that hold structure: no blanks, comments, document markers or block scalar bodies. */
function scan(spec: string): Line[] {
  const lines: Line[] = []
  let scalarAbove: number | null = null
  spec.split(/\r?\n/).forEach((raw, n) => {
    const indent = raw.length - raw.trimStart().length
    const rest = raw.trimStart()
    if (rest === '' || rest.startsWith('#') || rest === '---' || rest === '...') return
    if (scalarAbove !== null && indent > scalarAbove) return
    scalarAbove = null
    const dashes: number[] = []
    let col = indent
    let text = rest
    for (let marker = /^-(?:\s+|$)/.exec(text); marker; marker = /^-(?:\s+|$)/.exec(text)) {
      dashes.push(col)
      col += marker[0].length
      text = text.slice(marker[0].length)
    }
    lines.push({ n, dashes, col, text })
    // The body of `description: |` or `>-` is text, whatever it looks like.
    if (/:\s*[|>][-+0-9]*\s*(?:#.*)?$/.test(text)) scalarAbove = dashes[0] ?? col
  })
  return lines
}

const KEY = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s:#'"][^:#]*?))\s*:(?:\s|$)/

function keyOf(text: string): string | null {
  const match = KEY.exec(text)
  if (!match) return null
  return match[1] ?? match[2]?.replaceAll("''", "'") ?? match[3] ?? null
}

const firstColumn = (line: Line) => line.dashes[0] ?? line.col

/** The 1-based line the path leads to, or the deepest line on its way; null when not even its start is found. */
export function lineOfPath(spec: string, path: readonly (string | number)[]): number | null {
  const lines = scan(spec)
  if (lines.length === 0) return null
  let scope = { from: 0, to: lines.length, col: firstColumn(lines[0]!) }
  let found: number | null = null
  for (const segment of path) {
    if (scope.from >= scope.to) break
    if (typeof segment === 'string') {
      let at = -1
      for (let i = scope.from; i < scope.to; i++) {
        if (lines[i]!.col === scope.col && keyOf(lines[i]!.text) === segment) {
          at = i
          break
        }
      }
      if (at < 0) break
      found = at
      // The key's value: the lines after it that are deeper, or a sequence at the key's own column.
      let end = at + 1
      while (end < scope.to) {
        const line = lines[end]!
        const first = firstColumn(line)
        if (first < scope.col || (first === scope.col && line.dashes.length === 0)) break
        end++
      }
      const next = lines[at + 1]
      scope = { from: at + 1, to: end, col: next && end > at + 1 ? firstColumn(next) : -1 }
    } else {
      const items: number[] = []
      for (let i = scope.from; i < scope.to; i++) if (lines[i]!.dashes.includes(scope.col)) items.push(i)
      const at = items[segment]
      if (at === undefined) break
      found = at
      const line = lines[at]!
      scope = {
        from: at,
        to: items[segment + 1] ?? scope.to,
        col: line.dashes.find((column) => column > scope.col) ?? line.col,
      }
    }
  }
  return found === null ? null : lines[found]!.n + 1
}

/** Offsets of the start and end of a 1-based line, for selecting it in a textarea. */
export function lineRange(text: string, line: number): [number, number] {
  let start = 0
  for (let n = 1; n < line; n++) {
    const newline = text.indexOf('\n', start)
    if (newline < 0) return [text.length, text.length]
    start = newline + 1
  }
  const newline = text.indexOf('\n', start)
  return [start, newline < 0 ? text.length : newline]
}
