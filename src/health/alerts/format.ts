/**
 * What an alert looks like on the wire, per `[alerts] format`: `standard` sends the alert object itself
 * (docs/reference.md), `slack` sends `{"text": "..."}`, the shape Slack, Mattermost and Teams
 * incoming webhooks take. Both are JSON and both are signed (sign.ts).
 */
import type { Config } from '../../config/schema.ts'
import type { Alert } from '../../registry/alerts.ts'
import { VERSION } from '../../version.ts'

export type AlertFormat = Config['alerts']['format']

export const ALERT_CONTENT_TYPE = 'application/json'
export const ALERT_USER_AGENT = `Inlet/${VERSION}`

export function alertBody(alert: Alert, format: AlertFormat): string {
  return JSON.stringify(format === 'slack' ? { text: slackText(alert) } : standardAlert(alert))
}

/**
 * Exactly the contract's fields, in a fixed order: whatever else the object handed in carries (a store's
 * bookkeeping, say) never reaches a receiver.
 */
function standardAlert(alert: Alert): Alert {
  return {
    type: alert.type,
    state: alert.state,
    sourceId: alert.sourceId,
    sourceLabel: alert.sourceLabel,
    minutesThreshold: alert.minutesThreshold,
    lastEventReceivedAtTime: alert.lastEventReceivedAtTime,
    at: alert.at,
    message: alert.message,
  }
}

/** One line, e.g. `[ALARM] SOURCE_NO_DATA: source 'github' (…) has received no events for 15 minutes`. */
export function slackText(alert: Alert): string {
  return escapeSlack(`[${alert.state}] ${alert.type}: ${alert.message}`)
}

/**
 * Slack reads `<…>` as a link or a mention: a source labelled `<!channel>` would otherwise page a whole
 * channel. Its documented escapes are these three.
 */
function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}
