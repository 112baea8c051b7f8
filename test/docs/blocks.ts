/**
 * The fenced code blocks of a Markdown document, as the docs tests read them: where each starts, its info
 * string and its text. A block opens with three or more backticks at the start of a line and closes with
 * at least as many.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const REPO = resolve(import.meta.dir, '..', '..')

export interface Block {
  /** 1-based line of the opening fence. */
  line: number
  /** The info string after the fence, trimmed: `sh`, `sh norun`, `json`, … */
  info: string
  text: string
}

export const readDoc = (path: string): string => readFileSync(join(REPO, path), 'utf8')

export function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,})\s*([^`]*)$/.exec(lines[i]!)
    if (!open) continue
    const fence = open[2]!
    const body: string[] = []
    let j = i + 1
    while (j < lines.length && !new RegExp(`^ {0,3}${fence}\`*\\s*$`).test(lines[j]!)) body.push(lines[j++]!)
    if (j === lines.length) throw new Error(`the code block at line ${i + 1} is never closed`)
    blocks.push({ line: i + 1, info: open[3]!.trim(), text: body.join('\n') })
    i = j
  }
  return blocks
}

/** A block's first line, as a test names it. */
export const firstLine = (block: Block): string => block.text.split('\n')[0]!.trim()

/**
 * A Markdown table with its columns padded to their widest cell, as Biome formats one; the dashes are at
 * least three wide.
 */
export function markdownTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(3, ...rows.map((row) => row[column]!.length)))
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`
  const [header, ...body] = rows
  return [line(header!), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n')
}
