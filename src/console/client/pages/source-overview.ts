/**
 * The overview tab of a source: is it well (health, the no-data alarm with its threshold), what it has
 * done (counters, events over time), and what is wrong (its open system errors). It refreshes itself
 * every 30 seconds while shown.
 */
import { useCallback, useEffect, useState } from 'preact/hooks'
import { ApiError, api, query, type Source, type SourceHealth, type SystemError } from '../api.ts'
import { type Bucket, EventsChart } from '../chart.ts'
import { href } from '../router.ts'
import { ErrorBanner, formatTime, html, Loading, plural, TimeAgo } from '../ui.ts'
import { formatBytes, formatMinutes, inputValue, useEvery } from './source-shared.ts'

const REFRESH_MS = 30_000

export function SourceOverview({ source, reload }: { source: Source; reload: () => void }) {
  // One number the chart and the error list depend on, so "Refresh" and the timer reload them with the source.
  const [tick, setTick] = useState(0)
  const refresh = useCallback(() => {
    reload()
    setTick((n) => n + 1)
  }, [reload])
  useEvery(REFRESH_MS, refresh)
  return html`<div class="source-overview">
    <div class="source-toolbar">
      <h2 class="source-sr-only">Overview</h2>
      <span class="muted">Refreshes every 30 s</span>
      <button type="button" class="small" onClick=${refresh}>Refresh</button>
    </div>
    <div class="source-columns">
      <${HealthPanel} source=${source} />
      <${AlarmPanel} source=${source} reload=${reload} />
    </div>
    <${Counters} health=${source.health} />
    <${ChartPanel} sourceId=${source.integrationId} tick=${tick} />
    <${OpenErrors} sourceId=${source.integrationId} tick=${tick} />
  </div>`
}

function HealthPanel({ source }: { source: Source }) {
  const health = source.health
  return html`<section class="panel" aria-labelledby="health-title">
    <h3 id="health-title">Health</h3>
    ${
      health
        ? html`<p class="row">
              <span class=${`badge ${health.isHealthy ? 'good' : 'bad'}`}>
                ${health.isHealthy ? 'healthy' : 'unhealthy'}</span>
              <span>${health.isHealthy ? 'No alarm of this source is firing.' : 'An alarm of this source is firing.'}</span>
            </p>
            <dl class="source-pairs">
              <dt>Last event</dt>
              <dd>
                ${
                  health.lastEventReceivedAtTime
                    ? html`<${TimeAgo} iso=${health.lastEventReceivedAtTime} />
                        <span class="muted"> (${formatTime(health.lastEventReceivedAtTime)})</span>`
                    : html`<span class="muted">none received yet</span>`
                }
              </dd>
              <dt>Created</dt>
              <dd>${formatTime(source.createdAt)}</dd>
            </dl>`
        : html`<p class="muted">No health summary came with the source.</p>`
    }
  </section>`
}

const ALARM_MINUTES = { min: 15, max: 43_200 }
const ALARM_DEFAULT = 1440

const STATE_TONE = { OK: 'good', ALARM: 'bad', INSUFFICIENT_DATA: 'neutral' } as const

function alarmSentence(
  state: keyof typeof STATE_TONE,
  minutes: number,
  lastEvent: string | null | undefined,
) {
  const span = formatMinutes(minutes)
  switch (state) {
    case 'OK':
      return `Events are arriving: the newest is less than ${span} old.`
    case 'ALARM':
      return lastEvent
        ? `No event for ${span} or more. It clears with the next event.`
        : `No event for ${span} or more.`
    case 'INSUFFICIENT_DATA':
      return 'No event has arrived since the alarm was turned on; it starts judging with the first one.'
  }
}

function AlarmPanel({ source, reload }: { source: Source; reload: () => void }) {
  const id = source.integrationId
  const threshold = source.noDataAlarm?.minutesThreshold
  const alarm = source.health?.alarms.find((a) => a.type === 'SOURCE_NO_DATA')
  const [minutes, setMinutes] = useState(String(threshold ?? ALARM_DEFAULT))
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()
  // A threshold set elsewhere shows up here; turning the alarm off keeps the last one for turning it on again.
  useEffect(() => {
    if (threshold !== undefined) setMinutes(String(threshold))
  }, [threshold])

  const path = `/log-source-alarms/${encodeURIComponent(id)}/SOURCE_NO_DATA`
  const run = async (what: () => Promise<unknown>, message: string) => {
    setBusy(true)
    setError(undefined)
    setDone(undefined)
    try {
      await what()
      setDone(message)
      reload()
    } catch (caught) {
      setError((caught as Error).message)
    } finally {
      setBusy(false)
    }
  }
  const submit = (event: Event) => {
    event.preventDefault()
    const value = Number(minutes)
    if (!Number.isInteger(value) || value < ALARM_MINUTES.min || value > ALARM_MINUTES.max) {
      setError(
        `The threshold is a whole number of minutes from ${ALARM_MINUTES.min} to ${ALARM_MINUTES.max.toLocaleString()}.`,
      )
      return
    }
    run(
      () => api('PUT', path, { minutesThreshold: value }),
      threshold === undefined ? 'The alarm is on.' : 'The threshold is saved.',
    )
  }
  const turnOff = () =>
    run(async () => {
      try {
        await api('DELETE', path)
      } catch (caught) {
        // Already off (another tab, the CLI): that is what was asked for.
        if (!(caught instanceof ApiError && caught.status === 404)) throw caught
      }
    }, 'The alarm is off.')
  const invalid = error !== undefined

  return html`<section class="panel" aria-labelledby="alarm-title">
    <h3 id="alarm-title">No-data alarm</h3>
    ${
      threshold === undefined
        ? html`<p class="row"><span class="badge warn">off</span>
            <span>Inlet will not tell you when this source goes quiet.</span></p>`
        : alarm
          ? html`<p class="row">
                <span class=${`badge ${STATE_TONE[alarm.state]}`} data-alarm-state=${alarm.state}>${alarm.state}</span>
                <span>${alarmSentence(alarm.state, alarm.minutesThreshold, source.health?.lastEventReceivedAtTime)}</span>
              </p>
              <p class="muted">Since ${formatTime(alarm.stateChangedAt)} (<${TimeAgo} iso=${alarm.stateChangedAt} />).</p>`
          : html`<p class="muted">The alarm is on at ${formatMinutes(threshold)}; its state is not known yet.</p>`
    }
    <form class="source-alarm-form" onSubmit=${submit} novalidate>
      <div class="field">
        <label for="alarm-minutes">Fire after this many minutes without events</label>
        <div class="row">
          <input id="alarm-minutes" type="number" inputmode="numeric" min=${ALARM_MINUTES.min} max=${ALARM_MINUTES.max}
            step="1" required value=${minutes} onInput=${(e: Event) => setMinutes(inputValue(e))}
            aria-invalid=${invalid ? 'true' : undefined}
            aria-describedby=${invalid ? 'alarm-minutes-hint alarm-error' : 'alarm-minutes-hint'} />
          ${
            threshold === undefined
              ? html`<button type="submit" class="primary" disabled=${busy}>Turn on</button>`
              : html`<button type="submit" class="primary" disabled=${busy || minutes === String(threshold)}>
                    Save threshold</button>
                  <button type="button" disabled=${busy} onClick=${turnOff}>Turn off</button>`
          }
        </div>
        <small id="alarm-minutes-hint" class="muted">${`${ALARM_MINUTES.min} to ${ALARM_MINUTES.max.toLocaleString()} (30 days)`}${
          Number(minutes) >= 60 ? `; ${formatMinutes(Number(minutes))}` : ''
        }.</small>
      </div>
      ${error ? html`<p id="alarm-error" class="error" role="alert">${error}</p>` : null}
      <p class="muted source-status" aria-live="polite">${done ?? ''}</p>
    </form>
  </section>`
}

function Counters({ health }: { health: SourceHealth | undefined }) {
  if (!health) return null
  const stats: [string, string, string, boolean][] = [
    ['Events stored', health.eventsTotal.toLocaleString(), 'since the source was created', false],
    ['Received', formatBytes(health.bytesTotal), 'request bodies, as sent', false],
    ['Requests', health.requestsTotal.toLocaleString(), 'accepted or refused', false],
    [
      'Auth failures',
      health.authFailuresTotal.toLocaleString(),
      'requests refused',
      health.authFailuresTotal > 0,
    ],
    [
      'Unclassified',
      health.classificationFailuresTotal.toLocaleString(),
      'events no log type read',
      health.classificationFailuresTotal > 0,
    ],
  ]
  return html`<section aria-labelledby="counters-title" class="source-counters">
    <h3 id="counters-title">Counters</h3>
    <ul class="grid source-stats">
      ${stats.map(
        ([label, value, hint, warn]) =>
          html`<li class=${`stat${warn ? ' source-stat-warn' : ''}`}>
            <span class="muted">${label}</span><b>${value}</b><small class="muted">${hint}</small>
          </li>`,
      )}
    </ul>
  </section>`
}

const RANGES = {
  '7d': { label: '7 d', ms: 7 * 86_400_000, interval: '1d', words: 'the last 7 days' },
  '24h': { label: '24 h', ms: 86_400_000, interval: '1h', words: 'the last 24 hours' },
  '1h': { label: '1 h', ms: 3_600_000, interval: '1m', words: 'the last hour' },
} as const
type Range = keyof typeof RANGES

interface Counted {
  count: number
  buckets: Bucket[]
  partial: boolean
  /** The range these counts are of (the switch may have moved on while the next ones load). */
  range: Range
}

function ChartPanel({ sourceId, tick }: { sourceId: string; tick: number }) {
  const [range, setRange] = useState<Range>('24h')
  const [counted, setCounted] = useState<Counted>()
  const [error, setError] = useState<Error>()
  useEffect(() => {
    let live = true
    const to = new Date()
    const from = new Date(to.getTime() - RANGES[range].ms)
    api<Omit<Counted, 'range'>>(
      'GET',
      `/events/count${query({ sourceId, from: from.toISOString(), to: to.toISOString(), interval: RANGES[range].interval })}`,
    ).then(
      (data) => {
        if (!live) return
        setCounted({ ...data, range })
        setError(undefined)
      },
      (caught: Error) => live && setError(caught),
    )
    return () => {
      live = false
    }
  }, [sourceId, range, tick])
  return html`<section class="panel" aria-labelledby="chart-title">
    <div class="spread">
      <h3 id="chart-title">Events over time</h3>
      <div class="segmented" role="group" aria-label="Time range">
        ${(Object.keys(RANGES) as Range[]).map(
          (key) =>
            html`<button type="button" class="small" aria-pressed=${range === key ? 'true' : 'false'}
              onClick=${() => setRange(key)}>${RANGES[key].label}</button>`,
        )}
      </div>
    </div>
    <${ErrorBanner} error=${error} />
    ${
      counted
        ? html`<p class="muted" aria-live="polite">${plural(counted.count, 'event')} in ${RANGES[counted.range].words}.${
            counted.partial
              ? ' The count is partial: the scan ran out of time before the end of the range.'
              : ''
          }${counted.range === range ? '' : ' Counting…'}</p>
            <${EventsChart} buckets=${counted.buckets} label="Events" />`
        : error
          ? null
          : html`<${Loading} what="Counting events" />`
    }
  </section>`
}

function OpenErrors({ sourceId, tick }: { sourceId: string; tick: number }) {
  const [errors, setErrors] = useState<SystemError[]>()
  const [error, setError] = useState<Error>()
  useEffect(() => {
    let live = true
    api<{ results: SystemError[] }>('GET', `/system-errors${query({ sourceId, state: 'open' })}`).then(
      (data) => {
        if (!live) return
        setErrors(data.results)
        setError(undefined)
      },
      (caught: Error) => live && setError(caught),
    )
    return () => {
      live = false
    }
  }, [sourceId, tick])
  return html`<section class="panel" aria-labelledby="errors-title">
    <div class="spread">
      <h3 id="errors-title">Open system errors</h3>
      <a href=${href('errors', { source: sourceId })}>All system errors</a>
    </div>
    <${ErrorBanner} error=${error} />
    ${
      errors === undefined
        ? error
          ? null
          : html`<${Loading} what="Loading system errors" />`
        : errors.length === 0
          ? html`<p class="muted">None: nothing is wrong with this source.</p>`
          : html`<ul class="source-errors">
              ${errors.map(
                (item) => html`<li key=${item.id}>
                  <div class="row">
                    <span class="badge bad">${item.type}</span>
                    <span class="muted">${plural(item.count, 'time')}, first <${TimeAgo} iso=${item.firstSeenAt} />,
                      last <${TimeAgo} iso=${item.lastSeenAt} /></span>
                  </div>
                  <p>${item.message}</p>
                </li>`,
              )}
            </ul>`
    }
  </section>`
}
