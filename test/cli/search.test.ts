/**
 * `inlet search`: time and flag parsing with a fixed clock, the paging loop and the output formats on
 * their own, the whole command against a small stand-in for the API (so it runs without the server's
 * search), and finally against the real server with events sent to a source's ingest URL.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { UsageError } from '../../src/cli/flags.ts'
import {
  collectEvents,
  joinRelativeTimes,
  parseTime,
  render,
  renderCount,
  runSearch,
  type SearchEvent,
  streamEvents,
  summary,
} from '../../src/cli/search.ts'
import { type RunningInlet, runCli, startInlet } from '../e2e/server.ts'

const NOW = new Date('2026-05-01T12:00:00.000Z')
const KEY = 'search-test-api-key-0001'
const SOURCE_ID = '0b6f3e4a-9c1d-4e2f-8a7b-5c6d7e8f9a0b'

describe('times', () => {
  test('relative times count back from now, in every unit', () => {
    expect(parseTime('now', '--to', NOW)).toBe('2026-05-01T12:00:00.000Z')
    expect(parseTime('-30s', '--from', NOW)).toBe('2026-05-01T11:59:30.000Z')
    expect(parseTime('-15m', '--from', NOW)).toBe('2026-05-01T11:45:00.000Z')
    expect(parseTime('-1h', '--from', NOW)).toBe('2026-05-01T11:00:00.000Z')
    expect(parseTime('-2d', '--from', NOW)).toBe('2026-04-29T12:00:00.000Z')
    expect(parseTime('-1w', '--from', NOW)).toBe('2026-04-24T12:00:00.000Z')
  })

  test('RFC 3339 is kept as given, fraction and offset included; a lowercase t or z is normalized', () => {
    expect(parseTime('2026-04-30T08:00:00Z', '--from', NOW)).toBe('2026-04-30T08:00:00Z')
    expect(parseTime('2026-04-30T08:00:00.123456+02:00', '--from', NOW)).toBe(
      '2026-04-30T08:00:00.123456+02:00',
    )
    expect(parseTime('2026-04-30t08:00:00z', '--from', NOW)).toBe('2026-04-30T08:00:00Z')
    expect(parseTime('2026-04-30 08:00:00Z', '--from', NOW)).toBe('2026-04-30T08:00:00Z')
  })

  test('a date alone is passed on as it is: the API reads it as midnight UTC, as the query language does', () => {
    expect(parseTime('2026-04-30', '--from', NOW)).toBe('2026-04-30')
  })

  test('anything else is a usage error naming the flag and the value', () => {
    for (const bad of [
      'yesterday',
      '15m',
      '-15x',
      '-m',
      '2026-4-30',
      '2026-13-01T00:00:00Z',
      '2026-04-30T25:00:00Z',
    ]) {
      expect(() => parseTime(bad, '--to', NOW)).toThrow(UsageError)
      expect(() => parseTime(bad, '--to', NOW)).toThrow(`--to expects RFC 3339`)
      expect(() => parseTime(bad, '--to', NOW)).toThrow(JSON.stringify(bad))
    }
  })

  test('a relative time after --from or --to is joined to its flag, so the parser takes it as the value', () => {
    expect(joinRelativeTimes(['--from', '-15m', '--to', '-1m', 'q'])).toEqual([
      '--from=-15m',
      '--to=-1m',
      'q',
    ])
    expect(joinRelativeTimes(['--to', '-5q'])).toEqual(['--to=-5q'])
    expect(joinRelativeTimes(['--limit', '-5', '--from', '--to'])).toEqual([
      '--limit',
      '-5',
      '--from',
      '--to',
    ])
  })
})

describe('paging', () => {
  /** A stand-in for the API's `call`: `events` served `pageMax` at a time; every query is recorded. */
  function pager(events: SearchEvent[], pageMax: number) {
    const queries: URLSearchParams[] = []
    const call = async (_method: string, path: string) => {
      const query = new URLSearchParams(path.split('?')[1])
      queries.push(query)
      const start = Number(query.get('cursor') ?? 0)
      const end = start + Math.min(Number(query.get('limit')), pageMax)
      return { results: events.slice(start, end), nextCursor: end < events.length ? String(end) : null }
    }
    return { call, queries }
  }
  const events = Array.from({ length: 7 }, (_, n) => ({ n }))

  test('short pages are followed until the limit, each asking only for what is missing', async () => {
    const { call, queries } = pager(events, 2)
    const { events: got, more } = await collectEvents(call, { q: 'x' }, 5)
    expect(got.map((event) => event.n)).toEqual([0, 1, 2, 3, 4])
    expect(more).toBe(true)
    expect(queries.map((query) => [query.get('limit'), query.get('cursor'), query.get('q')])).toEqual([
      ['5', null, 'x'],
      ['3', '2', 'x'],
      ['1', '4', 'x'],
    ])
  })

  test('paging stops when there is no next page, with nothing more available', async () => {
    const { call, queries } = pager(events, 3)
    const { events: got, more } = await collectEvents(call, {}, 100)
    expect(got).toHaveLength(7)
    expect(more).toBe(false)
    expect(queries).toHaveLength(3)
  })

  test('a cursor that does not move is an error, not an endless loop', async () => {
    const call = async () => ({ results: [{ n: 1 }], nextCursor: 'same' })
    await expect(collectEvents(call, {}, 10)).rejects.toThrow('repeated its cursor')
  })
})

describe('formats', () => {
  const events = [
    {
      p_event_time: '2026-05-01T11:59:00.123456Z',
      p_source_label: 'GitHub audit',
      p_log_type: 'GitHub.Audit',
      p_row_id: 'a'.repeat(32),
      action: 'repo.create',
      actor: { login: 'octocat', id: 1 },
      note: 'two words',
      tags: ['a', 'b'],
    },
    { p_event_time: '2026-05-01T11:58:00Z', p_source_label: 'shipper', p_row_id: 'b'.repeat(32), n: 2 },
  ]

  test('the summary shows own fields as key=value, nested keys dotted, odd values quoted', () => {
    expect(summary(events[0]!)).toBe(
      'action=repo.create actor.login=octocat actor.id=1 note="two words" tags=["a","b"]',
    )
    expect(summary({ p_row_id: 'x', text: 'bell\u0007', esc: '\u001b[31m', empty: {} })).toBe(
      'text="bell\\u0007" esc="\\u001b[31m" empty={}',
    )
  })

  test('table: aligned columns, times to the millisecond in UTC, - for no log type, a count and the order', () => {
    const lines = render('table', events, true).split('\n')
    expect(lines).toEqual([
      'EVENT TIME                SOURCE        LOG TYPE      EVENT',
      '2026-05-01T11:59:00.123Z  GitHub audit  GitHub.Audit  action=repo.create actor.login=octocat actor.id=1 note="two words" tags=["a","b"]',
      '2026-05-01T11:58:00.000Z  shipper       -             n=2',
      '2 events, newest arrival first (more available: use --limit)',
    ])
    expect(render('table', [], false)).toBe('0 events')
  })

  test('table: the summary is cut to the terminal width, or to 160 characters without one', () => {
    const long = [{ ...events[1]!, text: 'x'.repeat(400) }]
    const narrow = render('table', long, false, 80).split('\n')
    expect(narrow[1]).toHaveLength(80)
    expect(narrow[1]).toEndWith('x…')
    const unknown = render('table', long, false).split('\n')[1]!
    expect(unknown.slice(unknown.indexOf('n=2'))).toHaveLength(160)
  })

  test('json is pretty printed under results; ndjson is one compact event per line', () => {
    expect(JSON.parse(render('json', events, true))).toEqual({ results: events })
    expect(render('json', events, false)).toContain('\n  "results": [\n')
    const lines = render('ndjson', events, false).split('\n')
    expect(lines.map((line) => JSON.parse(line))).toEqual(events)
    expect(lines[0]).not.toContain(' "')
  })
})

describe('inlet search against a stand-in API', () => {
  const stored = Array.from({ length: 12 }, (_, n) => ({
    p_event_time: `2026-05-01T11:${String(59 - n).padStart(2, '0')}:00Z`,
    p_source_id: n % 2 === 0 ? SOURCE_ID : 'other',
    p_source_label: n % 2 === 0 ? 'GitHub audit' : 'other',
    n,
  }))
  const requests: URL[] = []
  let server: ReturnType<typeof Bun.serve>
  let url: string

  beforeAll(() => {
    server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch(request) {
        const at = new URL(request.url)
        requests.push(at)
        if (request.headers.get('x-api-key') !== KEY)
          return Response.json({ message: 'missing or wrong API key' }, { status: 401 })
        if (at.pathname === '/log-sources/http')
          return Response.json({ results: [{ integrationId: SOURCE_ID, integrationLabel: 'GitHub audit' }] })
        if (at.pathname !== '/events') return Response.json({ message: 'not found' }, { status: 404 })
        const q = at.searchParams.get('q')
        if (q === 'a AND (')
          return Response.json(
            { message: 'q: expected a term at position 7', error: { code: 'BAD_QUERY', message: 'x' } },
            { status: 400 },
          )
        const sourceId = at.searchParams.get('sourceId')
        const matching = stored.filter((event) => sourceId === null || event.p_source_id === sourceId)
        // Short pages of at most 4, as a server with a scan budget may answer.
        const start = Number(at.searchParams.get('cursor') ?? 0)
        const end = start + Math.min(Number(at.searchParams.get('limit') ?? 100), 4)
        return Response.json({
          results: matching.slice(start, end),
          nextCursor: end < matching.length ? String(end) : null,
        })
      },
    })
    url = `http://127.0.0.1:${server.port}`
  })
  afterAll(() => server.stop(true))

  async function search(argv: string[], isTty = false) {
    const printed: string[] = []
    requests.length = 0
    await runSearch(
      [...argv, '--server', url],
      { INLET_API_KEY: KEY },
      (text) => printed.push(text),
      { isTty, columns: 200 },
      NOW,
    )
    return printed.join('\n')
  }

  test('flags become the query: times in RFC 3339, the source by label, the log type and q', async () => {
    await search([
      'action = opened',
      '--from',
      '-1h',
      '--to=now',
      '--source',
      'github AUDIT',
      '--log-type',
      'X.Y',
    ])
    const query = requests.find((request) => request.pathname === '/events')!.searchParams
    expect(Object.fromEntries(query)).toEqual({
      q: 'action = opened',
      sourceId: SOURCE_ID,
      logType: 'X.Y',
      from: '2026-05-01T11:00:00.000Z',
      to: '2026-05-01T12:00:00.000Z',
      limit: '50',
    })
    await search(['--source', SOURCE_ID])
    expect(requests.map((request) => request.pathname)).toEqual(['/events', '/events'])
  })

  test('without a query or times, none is sent: the server applies its last 24 hours', async () => {
    await search(['--limit', '3'])
    expect(Object.fromEntries(requests[0]!.searchParams)).toEqual({ limit: '3' })
  })

  test('--limit pages through short pages; ndjson off a terminal, a table on one', async () => {
    const ndjson = (await search(['--limit', '10'])).split('\n')
    expect(ndjson.map((line) => JSON.parse(line).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(requests).toHaveLength(3)
    const table = (await search(['--limit', '5', '--source', 'GitHub audit'], true)).split('\n')
    expect(table[0]).toStartWith('EVENT TIME')
    expect(table.slice(1, -1).map((line) => line.split(/\s+/).at(-1))).toEqual([
      'n=0',
      'n=2',
      'n=4',
      'n=6',
      'n=8',
    ])
    expect(table.at(-1)).toBe('5 events, newest arrival first (more available: use --limit)')
    const all = await search(['--format', 'json', '--source', 'GitHub audit'], true)
    expect(JSON.parse(all).results).toHaveLength(6)
  })

  test('bad flags are usage errors naming the flag, before anything is sent', async () => {
    const cases: [string[], string][] = [
      [['--from', 'yesterday'], '--from expects RFC 3339'],
      [['--to', '-5q'], '--to expects RFC 3339'],
      [['--from', '-1h', '--to', '-2h'], 'is after --to'],
      [['--limit', '0'], '--limit expects a whole number from 1 to 10000'],
      [['--limit', '10001'], '--limit'],
      [['--limit', 'many'], '--limit'],
      [['--format', 'csv'], '--format expects table, json or ndjson'],
      [['one', 'two'], 'quote the whole query'],
      [['--color'], "'--color'"],
    ]
    for (const [argv, message] of cases) {
      const failed = search(argv)
      await expect(failed).rejects.toThrow(UsageError)
      await expect(failed).rejects.toThrow(message)
    }
    expect(requests).toHaveLength(0)
  })

  test('from the command line: the server message and exit 1 for a bad q, exit 2 for a bad flag', async () => {
    const env = { INLET_API_KEY: KEY, INLET_SERVER: url }
    const bad = await runCli(['search', 'a AND ('], env)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe('inlet: GET /events: 400 q: expected a term at position 7\n')
    const usage = await runCli(['search', '--from', 'soon'], env)
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('--from')
    const wrongKey = await runCli(['search'], { ...env, INLET_API_KEY: 'wrong-key-0123456789' })
    expect(wrongKey.code).toBe(1)
    expect(wrongKey.stderr).toContain('401 missing or wrong API key')
    const piped = await runCli(['search', '--limit', '2', '--from', '-1h'], env)
    expect(piped.code).toBe(0)
    expect(
      piped.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).n),
    ).toEqual([0, 1])
  })
})

describe('--all and --count against a stand-in API', () => {
  /** 25,000 events, more than one request may ask for; pages of at most `limit`, as the server answers. */
  const TOTAL = 25_000
  const log: string[] = []
  let server: ReturnType<typeof Bun.serve>
  let url: string

  beforeAll(() => {
    server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch(request) {
        const at = new URL(request.url)
        log.push(`${at.pathname}?${at.searchParams}`)
        if (request.headers.get('x-api-key') !== KEY)
          return Response.json({ message: 'missing or wrong API key' }, { status: 401 })
        if (at.pathname === '/events/count') {
          if (at.searchParams.get('q') === 'a AND (')
            return Response.json({ message: 'q: expected a term at position 7' }, { status: 400 })
          return Response.json({
            count: 5,
            interval: at.searchParams.get('interval') ?? '1h',
            buckets: [
              { time: '2026-05-01T10:00:00.000Z', count: 2 },
              { time: '2026-05-01T11:00:00.000Z', count: 0 },
              { time: '2026-05-01T12:00:00.000Z', count: 3 },
            ],
            partial: at.searchParams.get('q') === 'slow',
          })
        }
        const start = Number(at.searchParams.get('cursor') ?? 0)
        const end = Math.min(start + Number(at.searchParams.get('limit')), TOTAL)
        const results = Array.from({ length: end - start }, (_, i) => ({ n: start + i }))
        return Response.json({ results, nextCursor: end < TOTAL ? String(end) : null })
      },
    })
    url = `http://127.0.0.1:${server.port}`
  })
  afterAll(() => server.stop(true))

  async function search(argv: string[], isTty = false) {
    const printed: string[] = []
    log.length = 0
    await runSearch(
      [...argv, '--server', url],
      { INLET_API_KEY: KEY },
      (text) => {
        log.push('printed')
        printed.push(text)
      },
      {
        isTty,
        columns: 200,
        drained: async () => {
          log.push('drained')
        },
      },
      NOW,
    )
    return printed
  }

  test('--all follows the cursor past 10,000 events to the end, printing each page before asking for the next', async () => {
    const printed = await search(['--all', 'x', '--from', '-1d'], true)
    expect(printed).toHaveLength(3)
    const lines = printed.join('\n').split('\n')
    expect(lines).toHaveLength(TOTAL)
    expect(lines.every((line, n) => JSON.parse(line).n === n)).toBe(true)
    const requests = log.filter((entry) => entry.startsWith('/'))
    expect(requests.map((path) => new URLSearchParams(path.split('?')[1]).get('cursor'))).toEqual([
      null,
      '10000',
      '20000',
    ])
    for (const path of requests) {
      const query = new URLSearchParams(path.split('?')[1])
      expect([query.get('q'), query.get('limit'), query.get('from')]).toEqual([
        'x',
        '10000',
        '2026-04-30T12:00:00.000Z',
      ])
    }
    // Backpressure: the next page is asked for only once the previous one was printed and taken.
    expect(log.map((entry) => (entry.startsWith('/') ? 'request' : entry))).toEqual([
      'request',
      'printed',
      'drained',
      'request',
      'printed',
      'drained',
      'request',
      'printed',
      'drained',
    ])
  })

  test('streamEvents holds one page at a time and skips empty pages; a repeated cursor is an error', async () => {
    const pages = [
      { results: [{ n: 1 }], nextCursor: 'a' },
      { results: [], nextCursor: 'b' },
      { results: [{ n: 2 }, { n: 3 }], nextCursor: null },
    ]
    const call = async () => pages.shift()
    const written: SearchEvent[][] = []
    expect(await streamEvents(call, {}, (events) => void written.push(events))).toBe(3)
    expect(written).toEqual([[{ n: 1 }], [{ n: 2 }, { n: 3 }]])
    const stuck = async () => ({ results: [{ n: 1 }], nextCursor: 'same' })
    await expect(streamEvents(stuck, {}, () => {})).rejects.toThrow('repeated its cursor')
  })

  test('--count sends the filters and the interval to /events/count; a table by default, or json', async () => {
    const table = await search([
      'status >= 500',
      '--count',
      '--interval',
      '1d',
      '--from',
      '-1h',
      '--source',
      SOURCE_ID,
    ])
    expect(log.filter((entry) => entry.startsWith('/'))).toEqual([
      `/events/count?${new URLSearchParams({
        q: 'status >= 500',
        sourceId: SOURCE_ID,
        from: '2026-05-01T11:00:00.000Z',
        interval: '1d',
      })}`,
    ])
    expect(table.join('\n').split('\n')).toEqual([
      'TIME                      COUNT',
      '2026-05-01T10:00:00.000Z  2',
      '2026-05-01T11:00:00.000Z  0',
      '2026-05-01T12:00:00.000Z  3',
      '5 events (1d buckets)',
    ])
    const json = JSON.parse((await search(['--count', '--format', 'json'])).join('\n'))
    expect(json).toMatchObject({ count: 5, interval: '1h', partial: false })
    expect(json.buckets).toHaveLength(3)
    expect(log[0]).toBe('/events/count?')
    const partial = await search(['slow', '--count'])
    expect(partial.join('\n')).toEndWith(
      '5 events (1h buckets), partial: the scan ran out of time before the end of the range',
    )
  })

  test('renderCount: one event, no buckets', () => {
    expect(renderCount('table', { count: 1, interval: '1m', buckets: [], partial: false })).toBe(
      'TIME  COUNT\n1 event (1m buckets)',
    )
  })

  test('flags that mean nothing in a mode are usage errors, before anything is sent', async () => {
    const cases: [string[], string][] = [
      [['--all', '--count'], '--all and --count do not go together'],
      [['--all', '--limit', '5'], '--limit does not go with --all'],
      [['--count', '--limit', '5'], '--limit does not go with --count'],
      [['--interval', '1h'], '--interval goes with --count'],
      [['--all', '--interval', '1h'], '--interval goes with --count'],
      [['--count', '--interval', '5m'], '--interval expects 1m, 1h or 1d, got "5m"'],
      [['--all', '--format', 'table'], '--all prints ndjson'],
      [['--all', '--format', 'json'], '--all prints ndjson'],
      [['--count', '--format', 'ndjson'], '--count prints a table or json'],
    ]
    for (const [argv, message] of cases) {
      const failed = search(argv)
      await expect(failed).rejects.toThrow(UsageError)
      await expect(failed).rejects.toThrow(message)
    }
    expect(log.filter((entry) => entry.startsWith('/'))).toHaveLength(0)
  })

  test('from the command line: --all piped in full, a bad q for --count is the server message', async () => {
    const env = { INLET_API_KEY: KEY, INLET_SERVER: url }
    const all = await runCli(['search', '--all'], env)
    expect(all.stderr).toBe('')
    expect(all.code).toBe(0)
    const lines = all.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(TOTAL)
    expect(JSON.parse(lines.at(-1)!)).toEqual({ n: TOTAL - 1 })
    const bad = await runCli(['search', 'a AND (', '--count'], env)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe('inlet: GET /events/count: 400 q: expected a term at position 7\n')
  })
})

describe('inlet search against the server', () => {
  let inlet: RunningInlet
  const env = () => ({ INLET_API_KEY: KEY, INLET_SERVER: inlet.url })

  beforeAll(async () => {
    inlet = await startInlet({ env: { INLET_API_KEY: KEY } })
    const created = await runCli(['source', 'create', '--label', 'hooks', '--auth', 'None', '--json'], env())
    expect(created.code).toBe(0)
    const { url } = JSON.parse(created.stdout) as { url: string }
    const body = ['{"action":"opened","n":1}', '{"action":"closed","n":2}', '{"action":"opened","n":3}']
    const sent = await fetch(url, { method: 'POST', body: body.join('\n') })
    expect(sent.status).toBe(200)
  })
  afterAll(async () => {
    if (inlet.process.exitCode === null) await inlet.stop()
  })

  /** Stored events become searchable once written; a few tries allow for that. */
  async function searchUntil(argv: string[], count: number) {
    let result = await runCli(['search', ...argv], env())
    const found = () => result.stdout.trim().split('\n').filter(Boolean).length
    for (let attempt = 0; attempt < 20 && result.code === 0 && found() < count; attempt++) {
      await Bun.sleep(100)
      result = await runCli(['search', ...argv], env())
    }
    return result
  }

  test('every event, newest first, as ndjson; json and table read the same events', async () => {
    const ndjson = await searchUntil(['--source', 'hooks'], 3)
    expect(ndjson.stderr).toBe('')
    expect(ndjson.code).toBe(0)
    const events = ndjson.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(events.map((event) => event.n).sort()).toEqual([1, 2, 3])
    for (const event of events) expect(event.p_source_label).toBe('hooks')
    const json = await runCli(['search', '--format', 'json', '--from', '-1h', '--to', 'now'], env())
    expect(JSON.parse(json.stdout).results).toEqual(events)
    const table = (await runCli(['search', '--format', 'table'], env())).stdout.trim().split('\n')
    expect(table[0]).toMatch(/^EVENT TIME +SOURCE +LOG TYPE +EVENT$/)
    expect(table.slice(1, -1).every((line) => / hooks +- +action=/.test(line))).toBe(true)
    expect(table.at(-1)).toBe('3 events, newest arrival first')
  })

  test('q filters on the server; --limit stops early and says more are available', async () => {
    const opened = await searchUntil(['action = opened'], 2)
    expect(
      opened.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).n)
        .sort(),
    ).toEqual([1, 3])
    const limited = await runCli(['search', '--limit', '2', '--format', 'table'], env())
    expect(limited.stdout.trim().split('\n').at(-1)).toBe(
      '2 events, newest arrival first (more available: use --limit)',
    )
    const none = await runCli(['search', '--from', '-1h', '--to', '-30m'], env())
    expect(none).toEqual({ code: 0, stdout: '', stderr: '' })
  })

  test('--all prints every event as ndjson; --count counts them in buckets', async () => {
    await searchUntil(['--source', 'hooks'], 3)
    const all = await runCli(['search', '--all', '--source', 'hooks'], env())
    expect(all.stderr).toBe('')
    expect(
      all.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).n)
        .sort(),
    ).toEqual([1, 2, 3])
    const table = await runCli(['search', '--count', '--from', '-2h', '--to', 'now'], env())
    expect(table.stderr).toBe('')
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe('TIME                      COUNT')
    expect(lines.at(-1)).toBe('3 events (1h buckets)')
    const buckets = lines.slice(1, -1).map((line) => line.split(/ +/))
    expect(buckets.length).toBeGreaterThanOrEqual(2)
    expect(buckets.reduce((sum, [, count]) => sum + Number(count), 0)).toBe(3)
    const json = await runCli(
      ['search', 'action = opened', '--count', '--interval', '1m', '--format', 'json'],
      env(),
    )
    const answer = JSON.parse(json.stdout)
    expect(answer).toMatchObject({ count: 2, interval: '1m', partial: false })
    expect(answer.buckets).toHaveLength(24 * 60 + 1)
  })

  test('an unknown source label is an error', async () => {
    const result = await runCli(['search', '--source', 'nope'], env())
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('no source with label "nope"')
  })
})
