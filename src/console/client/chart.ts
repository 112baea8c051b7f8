/**
 * A histogram of events over time (the buckets of `GET /events/count`), drawn by uPlot: small (about 53 KB
 * minified), canvas-based, no dependencies, and it sets styles through the DOM, never inline markup, so it
 * works under the console's Content-Security-Policy.
 */
import 'uplot/dist/uPlot.min.css'
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import { html } from './ui.ts'

export interface Bucket {
  time: string
  count: number
}

export function EventsChart({ buckets, label = 'Events' }: { buckets: readonly Bucket[]; label?: string }) {
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = ref.current
    if (!element) return
    const styles = getComputedStyle(document.documentElement)
    const accent = styles.getPropertyValue('--accent').trim() || '#0969da'
    const text = styles.getPropertyValue('--muted').trim() || '#59636e'
    const grid = styles.getPropertyValue('--border').trim() || '#d1d9e0'
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } }
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 320),
        height: 180,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [axis, { ...axis, size: 56 }],
        series: [
          {},
          {
            label,
            stroke: accent,
            fill: `${accent}33`,
            width: 1,
            paths: uPlot.paths.bars?.({ size: [0.9, 40] }),
            points: { show: false },
          },
        ],
      },
      [buckets.map((bucket) => Date.parse(bucket.time) / 1000), buckets.map((bucket) => bucket.count)],
      element,
    )
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(element.clientWidth, 320), height: 180 }),
    )
    resize.observe(element)
    return () => {
      resize.disconnect()
      plot.destroy()
    }
  }, [buckets, label])
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0)
  return html`<div class="chart" ref=${ref} role="img"
    aria-label=${`${label}: ${total.toLocaleString()} in ${buckets.length} buckets`}></div>`
}
