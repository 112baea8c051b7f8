/**
 * The `SOURCE_NO_DATA` alarm's state machine (docs/reference.md), pure: given an alarm, when its
 * source's newest event arrived and the time now, the state it should be in.
 *
 *   INSUFFICIENT_DATA  no event has arrived since the alarm was turned on: nothing to judge yet
 *   OK                 the newest event is younger than the threshold
 *   ALARM              the newest event is as old as the threshold or older
 *
 * An episode is the time in ALARM: the move into ALARM fires it (a system error opens, an alert is sent),
 * the move out clears it. The state is stored, so a restart in the middle of an episode finds ALARM and
 * neither fires again nor forgets it.
 */
import type { AlarmState, NoDataAlarmRecord } from '../registry/health.ts'

const MINUTE_MS = 60_000

export function noDataState(
  alarm: Pick<NoDataAlarmRecord, 'minutesThreshold' | 'setAt'>,
  lastEventAtMs: number | null,
  nowMs: number,
): AlarmState {
  if (lastEventAtMs === null || lastEventAtMs < Date.parse(alarm.setAt)) return 'INSUFFICIENT_DATA'
  return nowMs - lastEventAtMs >= alarm.minutesThreshold * MINUTE_MS ? 'ALARM' : 'OK'
}

/** `90 minutes`, `1 minute`. */
export const minutes = (count: number) => (count === 1 ? '1 minute' : `${count} minutes`)
