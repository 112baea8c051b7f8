/**
 * The examples of README.md and docs/reference.md run as a reader would run them: every ```sh block of a
 * document, in order, in one bash (`set -euo pipefail`), so that a later block sees what an earlier one
 * exported, in a fresh checkout's place against a fresh server.
 *
 * The documents assume a server started with `npm start` in the checkout (http://127.0.0.1:8080, data in
 * ./data) and a shell at the checkout's root. Here the server is the real one on a free loopback port
 * with a temporary data directory, and the shell's working directory is a temporary one holding that data
 * directory as `data` and the checkout's `bin` and `config`, so files the examples write land there. Two
 * things stand in for the default address: INLET_SERVER for the CLI, and the address in the blocks' URLs,
 * which is the only text of a block that is changed. Each document gets its own server and shell.
 *
 * A block passes when it exits 0 within BLOCK_TIMEOUT_MS and every error code its output shows (an error
 * answer's `"error":{"code":…}`) is named in the block, as an example that demonstrates an error names it.
 * Blocks tagged `sh norun` are not run; SKIPPED lists them, each with why.
 */
import { describe, expect, test } from 'bun:test'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { startInlet } from '../e2e/server.ts'
import { type Block, codeBlocks, firstLine, REPO, readDoc } from './blocks.ts'

/** The address the documents name: the server `npm start` runs. */
const DOCUMENTED_SERVER = 'http://127.0.0.1:8080'
const BLOCK_TIMEOUT_MS = 30_000
/** The whole of one document's blocks, so that a test ends with a report rather than bun's timeout. */
const DOCUMENT_TIMEOUT_MS = 240_000

/** The blocks not run (info string `sh norun`), by document and first line, each with why. */
const SKIPPED: Record<string, Record<string, string>> = {
  'README.md': {
    'npm install && npm start     # run the appliance on its embedded defaults (http://127.0.0.1:8080)':
      'starts a server in the foreground (the one the other examples talk to), and runs the whole test suite',
    'npm run build                      # writes dist/inlet, a single binary (no node_modules needed)':
      'builds the binary into the checkout and starts it in the foreground on /var/lib/inlet',
  },
  'docs/reference.md': {
    'inlet serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem --data-dir /var/lib/inlet':
      'starts a second server in the foreground, with a certificate the examples do not have, on /var/lib/inlet',
  },
}

const DOCUMENTS = Object.keys(SKIPPED)
const RUN = 'sh'
const NORUN = 'sh norun'
/** Info strings that would also read as shell: the documents use `sh` or `sh norun` only, so none escapes. */
const SHELL_LIKE = /^(?:sh|bash|shell|zsh|console)\b/

interface Outcome {
  block: Block
  output: string
  /** The exit status; null when the block never finished (timed out, or an earlier block failed). */
  status: number | null
  timedOut: boolean
}

for (const doc of DOCUMENTS) {
  const blocks = codeBlocks(readDoc(doc))
  const shellBlocks = blocks.filter((block) => SHELL_LIKE.test(block.info))
  const runnable = shellBlocks.filter((block) => block.info === RUN)

  describe(doc, () => {
    test('shell blocks are `sh` (run) or `sh norun` (listed in SKIPPED)', () => {
      expect(shellBlocks.filter((block) => block.info !== RUN && block.info !== NORUN).map(where)).toEqual([])
      const skipped = shellBlocks.filter((block) => block.info === NORUN).map(firstLine)
      expect(skipped).toEqual(Object.keys(SKIPPED[doc]!))
      expect(runnable.length).toBeGreaterThan(0)
    })

    test('every URL in an example is the local server', () => {
      const urls = shellBlocks.flatMap((block) => block.text.match(/\bhttps?:\/\/[^\s'"`)]+/g) ?? [])
      expect(
        urls.filter((url) => !url.startsWith(`${DOCUMENTED_SERVER}/`) && url !== DOCUMENTED_SERVER),
      ).toEqual([])
    })

    test(
      'every sh block runs, in order, against a fresh server',
      async () => {
        const outcomes = await runDocument(runnable)
        // DOCS_TRANSCRIPT=FILE keeps what every block printed, to read the examples' answers.
        if (process.env.DOCS_TRANSCRIPT) {
          const transcript = outcomes.map(
            ({ block, output, status }) =>
              `### ${doc}:${block.line} (exit ${status})\n${block.text}\n---\n${output}`,
          )
          appendFileSync(process.env.DOCS_TRANSCRIPT, `${transcript.join('\n')}\n`)
        }
        const failed = outcomes.find((outcome) => problem(outcome) !== null)
        if (failed) {
          const { block, output } = failed
          throw new Error(
            `${doc} line ${block.line}, ${JSON.stringify(firstLine(block))}: ${problem(failed)}\n` +
              `--- block ---\n${block.text}\n--- output ---\n${output}`,
          )
        }
      },
      DOCUMENT_TIMEOUT_MS + 30_000,
    )
  })
}

const where = (block: Block) => `line ${block.line}: \`\`\`${block.info}`

/** What is wrong with a block's run, or null. */
function problem({ block, output, status, timedOut }: Outcome): string | null {
  if (timedOut) return `did not finish within ${BLOCK_TIMEOUT_MS / 1000} s`
  if (status === null) return 'did not run to its end'
  if (status !== 0) return `exited ${status}`
  const unnamed = [...output.matchAll(/"error":\{"code":"([A-Z_]+)"/g)]
    .map((match) => match[1]!)
    .filter((code) => !block.text.includes(code))
  if (unnamed.length > 0) return `answered ${unnamed.join(', ')}, which the block does not name`
  return null
}

/** Runs the blocks in one bash against a new server, from a new working directory; one outcome per block. */
async function runDocument(blocks: Block[]): Promise<Outcome[]> {
  const root = mkdtempSync(join(tmpdir(), 'inlet-docs-'))
  const cwd = join(root, 'checkout')
  const home = join(root, 'home')
  mkdirSync(cwd)
  mkdirSync(home)
  for (const name of ['bin', 'config']) symlinkSync(join(REPO, name), join(cwd, name))
  const server = await startInlet({ dataDir: join(cwd, 'data') })
  try {
    return await runShell(blocks, {
      cwd,
      scripts: join(root, 'blocks'),
      env: {
        // The PATH of a reader's shell: npm test puts node_modules/.bin on it, which a reader's has not.
        PATH: (process.env.PATH ?? '')
          .split(delimiter)
          .filter((dir) => !dir.includes('node_modules'))
          .join(delimiter),
        HOME: home,
        LANG: 'C.UTF-8',
        INLET_SERVER: server.url,
      },
      url: server.url,
    })
  } finally {
    await server.stop()
    rmSync(root, { recursive: true, force: true })
  }
}

async function runShell(
  blocks: Block[],
  options: { cwd: string; scripts: string; env: Record<string, string>; url: string },
): Promise<Outcome[]> {
  mkdirSync(options.scripts)
  const mark = `@@docs-${randomBytes(6).toString('hex')}`
  const driver = [
    'set -euo pipefail',
    'exec 2>&1',
    `trap 'printf "\\n${mark} exit %s\\n" "$?"' EXIT`,
    ...blocks.flatMap((block, index) => {
      const file = join(options.scripts, `${index}.sh`)
      writeFileSync(file, `${block.text.replaceAll(DOCUMENTED_SERVER, options.url)}\n`)
      return [
        `printf '\\n${mark} begin ${index}\\n'`,
        `source '${file}'`,
        `printf '\\n${mark} end ${index}\\n'`,
      ]
    }),
  ].join('\n')
  const child = spawn('bash', ['-c', driver], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  let timedOut: number | null = null
  let running = -1
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = setTimeout(() => stop(child), DOCUMENT_TIMEOUT_MS)
  const arm = () => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      timedOut = running
      stop(child)
    }, BLOCK_TIMEOUT_MS)
  }
  const markers = new RegExp(`\\n${mark} begin (\\d+)\\n`, 'g')
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (text: string) => {
    output += text
    for (const match of output.matchAll(markers)) {
      const index = Number(match[1])
      if (index > running) {
        running = index
        arm()
      }
    }
  })
  child.stderr!.resume()
  await new Promise<void>((resolve) => child.on('close', () => resolve()))
  clearTimeout(timer)
  clearTimeout(deadline)
  // Whatever a block left running in the background goes with the shell.
  stop(child)

  return blocks.map((block, index) => {
    const begin = output.indexOf(`\n${mark} begin ${index}\n`)
    const end = output.indexOf(`\n${mark} end ${index}\n`)
    const exit = new RegExp(`\\n${mark} exit (\\d+)\\n`).exec(output)
    const from = begin < 0 ? output.length : begin + `\n${mark} begin ${index}\n`.length
    const to = end >= 0 ? end : exit ? exit.index : output.length
    const status = end >= 0 ? 0 : begin >= 0 && exit ? Number(exit[1]) : null
    return { block, output: output.slice(from, Math.max(from, to)), status, timedOut: timedOut === index }
  })
}

/** Ends the shell and anything it started: it leads its own process group. */
function stop(child: ChildProcess) {
  try {
    process.kill(-child.pid!, 'SIGKILL')
  } catch {
    // Already gone.
  }
}
