/**
 * Source health on the command line, against a running server: `inlet source list` has HEALTH,
 * LAST EVENT and EVENTS columns, and `inlet source show` the health lines, the no-data alarm's state
 * among them, on and off.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type RunningInlet, runCli, startInlet } from '../e2e/server.ts'

const API_KEY = 'cli-health-api-key-0001'

interface Health {
  lastEventReceivedAtTime: string | null
  eventsTotal: number
  alarms: { type: string; state: string; minutesThreshold: number; stateChangedAt: string }[]
}

describe('inlet source list and show with health', () => {
  let inlet: RunningInlet
  /** The server is given with --server and the key through INLET_API_KEY, as an operator would. */
  const cli = (...args: string[]) =>
    runCli(['source', ...args, '--server', inlet.url], { INLET_API_KEY: API_KEY })

  const api = async (method: string, path: string, body?: unknown) =>
    fetch(`${inlet.url}${path}`, {
      method,
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  const create = async (label: string) => {
    const response = await api('POST', '/log-sources/http', { integrationLabel: label, authMethod: 'None' })
    expect(response.status).toBe(201)
    return ((await response.json()) as { integrationId: string }).integrationId
  }
  const health = async (id: string) =>
    (await (await api('GET', `/log-sources/http/${id}/health`)).json()) as Health
  const noDataState = (h: Health) => h.alarms.find((a) => a.type === 'SOURCE_NO_DATA')?.state

  let busy: string
  let quiet: string
  let busyHealth: Health

  beforeAll(async () => {
    inlet = await startInlet({ env: { INLET_API_KEY: API_KEY } })
    busy = await create('busy sender')
    quiet = await create('quiet-sender')
    for (const body of ['{"n":1}\n{"n":2}\n{"n":3}', '{"n":4}\n{"n":5}']) {
      const response = await fetch(`${inlet.url}/http/${busy}`, { method: 'POST', body })
      expect(response.status).toBe(200)
    }
    // The alarm waits for the first event and is judged right after it: poll until it has been.
    const deadline = Date.now() + 5_000
    busyHealth = await health(busy)
    while (noDataState(busyHealth) !== 'OK' && Date.now() < deadline) {
      await Bun.sleep(20)
      busyHealth = await health(busy)
    }
    expect(noDataState(busyHealth)).toBe('OK')
  })

  afterAll(async () => {
    if (inlet.process.exitCode === null) await inlet.stop()
  })

  test('list has HEALTH, LAST EVENT and EVENTS columns with each source values', async () => {
    const { code, stdout, stderr } = await cli('list')
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const [header, ...rows] = stdout.trimEnd().split('\n')
    const titles = ['ID', 'LABEL', 'AUTH', 'STREAM', 'HEALTH', 'LAST EVENT', 'EVENTS']
    // Columns are padded to their widest cell: each starts where its title does.
    const starts = titles.map((title) => header!.indexOf(title))
    expect(starts.every((start, i) => start >= 0 && (i === 0 || start > starts[i - 1]!))).toBe(true)
    const cells = (row: string) =>
      Object.fromEntries(
        titles.map((title, i) => [title, row.slice(starts[i], starts[i + 1] ?? row.length).trim()]),
      )
    const table = rows.map(cells)
    expect(table).toHaveLength(2)
    const byId = new Map(table.map((row) => [row.ID, row]))
    expect(byId.get(busy)).toEqual({
      ID: busy,
      LABEL: 'busy sender',
      AUTH: 'None',
      STREAM: 'Auto',
      HEALTH: 'ok',
      'LAST EVENT': busyHealth.lastEventReceivedAtTime!,
      EVENTS: '5',
    })
    expect(byId.get(quiet)).toMatchObject({
      LABEL: 'quiet-sender',
      HEALTH: 'ok',
      'LAST EVENT': 'never',
      EVENTS: '0',
    })
  })

  test('show has the alarm state and totals; off once the alarm is deleted', async () => {
    const lines = async (label: string) => {
      const { code, stdout, stderr } = await cli('show', label)
      expect(stderr).toBe('')
      expect(code).toBe(0)
      const fields = stdout.split('\n').map((line) => /^(\S+)\s+(.*)$/.exec(line))
      return Object.fromEntries(fields.filter((m) => m !== null).map((m) => [m[1]!, m[2]!]))
    }
    const alarm = busyHealth.alarms.find((a) => a.type === 'SOURCE_NO_DATA')!
    const before = await lines('busy sender')
    expect(before).toMatchObject({
      health: 'ok',
      noDataAlarmState: `OK since ${alarm.stateChangedAt} (threshold 1440 minutes)`,
      lastEventReceivedAt: busyHealth.lastEventReceivedAtTime!,
      eventsTotal: '5',
      requestsTotal: '2',
      authFailuresTotal: '0',
    })
    // A source that never had an event waits for one: the alarm has nothing to judge yet.
    expect((await lines('quiet-sender')).noDataAlarmState).toStartWith('INSUFFICIENT_DATA since ')
    expect((await lines('quiet-sender')).lastEventReceivedAt).toBe('never')

    const deleted = await api('DELETE', `/log-source-alarms/${busy}/SOURCE_NO_DATA`)
    expect(deleted.status).toBe(204)
    const after = await lines('busy sender')
    expect(after).toMatchObject({ health: 'ok', noDataAlarmState: 'off', eventsTotal: '5' })
  })
})
