/**
 * The `csv` line parser: one line of delimiter-separated values, quoted as RFC 4180 has it (double quotes,
 * `""` for a quote inside them, delimiters inside quotes), becomes a record keyed by column name. Names
 * come from `columns` or, with `hasHeader` and no columns, from the first line of each body. Quotes are
 * read leniently, as Panther's reader does: a quote inside an unquoted value, or a lone quote inside a
 * quoted one, is kept as text. A quote still open at the end of the line makes the line no match, since a
 * line is all there is (records spanning lines cannot arrive).
 */
import type { CleanValue, LineParser, LineResult } from './index.ts'

export interface CsvOptions {
  /** One or more characters; the two characters `\t` stand for a tab, as YAML single quotes keep them. */
  delimiter: string
  columns: string[] | null
  hasHeader: boolean
}

const QUOTE = '"'
const HEADER: LineResult = Object.freeze({ header: true as const })

export function compileCsv(options: CsvOptions, clean: CleanValue, path: string): () => LineParser {
  const delimiter = options.delimiter === '\\t' ? '\t' : options.delimiter
  if (delimiter.includes(QUOTE) || /[\r\n]/.test(delimiter)) {
    throw new Error(`${path}.delimiter: must not contain a double quote or a line break`)
  }
  const { columns, hasHeader } = options
  if (columns !== null) {
    const seen = new Set<string>()
    columns.forEach((name, index) => {
      if (seen.has(name)) throw new Error(`${path}.columns[${index}]: '${name}' is already a column`)
      if (name === '__proto__') throw new Error(`${path}.columns[${index}]: '${name}' is not a usable name`)
      seen.add(name)
    })
  }
  return () => {
    // Null until a body's header line names the columns (hasHeader without columns).
    let names: readonly string[] | null = columns
    return (line) => {
      const values = splitLine(line, delimiter)
      if (values === null) return null
      if (names === null) {
        names = values.map(headerName)
        return HEADER
      }
      if (values.length !== names.length) return null
      if (hasHeader && isHeader(values, names)) return HEADER
      const fields: Record<string, string> = {}
      for (let i = 0; i < values.length; i++) {
        const name = names[i]!
        const value = clean(values[i]!)
        if (value !== undefined && name !== '') fields[name] = value
      }
      return { fields }
    }
  }
}

/** A column name read from a header line; a blank or unusable name leaves its column unread. */
function headerName(value: string): string {
  const name = value.trim()
  return name === '__proto__' ? '' : name
}

/**
 * A line repeating the column names is a header, not an event: bodies that concatenate exports carry one
 * per file, and with `columns` set the header is skipped however it names them, so compare trimmed.
 */
function isHeader(values: string[], names: readonly string[]): boolean {
  for (let i = 0; i < values.length; i++) {
    if (values[i]!.trim() !== names[i]) return false
  }
  return true
}

/** Splits one line into its raw values; null when a quoted value is never closed. */
function splitLine(line: string, delimiter: string): string[] | null {
  if (!line.includes(QUOTE)) return line.split(delimiter)
  const values: string[] = []
  let at = 0
  for (;;) {
    if (line.startsWith(QUOTE, at)) {
      const end = readQuoted(line, at + 1, delimiter, values)
      if (end < 0) return null
      if (end >= line.length) return values
      at = end + delimiter.length
      continue
    }
    const end = line.indexOf(delimiter, at)
    if (end < 0) {
      values.push(line.slice(at))
      return values
    }
    values.push(line.slice(at, end))
    at = end + delimiter.length
  }
}

/**
 * Reads a quoted value starting after its opening quote, pushes it, and returns the offset of the
 * delimiter that follows it (or the line's length at its end); -1 when the quote is never closed.
 */
function readQuoted(line: string, start: number, delimiter: string, values: string[]): number {
  let value = ''
  let from = start
  let seek = start
  for (;;) {
    const quote = line.indexOf(QUOTE, seek)
    if (quote < 0) return -1
    const next = quote + 1
    if (line.startsWith(QUOTE, next)) {
      // `""` stands for one quote.
      value += line.slice(from, next)
      from = seek = next + 1
    } else if (next === line.length || line.startsWith(delimiter, next)) {
      values.push(value + line.slice(from, quote))
      return next
    } else {
      // A lone quote inside the value is kept as text.
      seek = next
    }
  }
}
