// The live alarm list: what the feed says merged into the page's list (by severity, worst first,
// then newest), the counts by severity of the open ones, and the moves a work order may make
// (csms/domain/alarms.py WORK_ORDER).
import type { Alarm, Severity, WorkOrder } from '@/api/types'

export const SEVERITIES: Severity[] = ['critical', 'major', 'warning', 'info']
export const KINDS = ['connector_fault', 'device_problem', 'charge_point_offline', 'boot_rejected', 'security_event',
  'meter_anomaly', 'stuck_transaction', 'payment_failure', 'reconciliation_mismatch', 'firmware_failure']
export const ALARM_STATUSES: Alarm['status'][] = ['Raised', 'Acknowledged', 'Resolved']
export const WORK_ORDER_STATUSES: WorkOrder['status'][] = ['open', 'in_progress', 'resolved', 'closed']

const MOVES: Record<WorkOrder['status'], WorkOrder['status'][]> = {
  open: ['in_progress', 'resolved', 'closed'],
  in_progress: ['open', 'resolved', 'closed'],
  resolved: ['closed'],
  closed: [],
}

export function workOrderMoves(status: WorkOrder['status']): WorkOrder['status'][] {
  return MOVES[status] ?? []
}

export function severityRank(s: string): number {
  const i = SEVERITIES.indexOf(s as Severity)
  return i < 0 ? SEVERITIES.length : i
}

/** Worst first; within a severity the newest first. */
export function bySeverity(a: Alarm, b: Alarm): number {
  return severityRank(a.severity) - severityRank(b.severity) || b.raised_at.localeCompare(a.raised_at) || b.id - a.id
}

export interface AlarmFilter {
  status?: string        // '' or 'open' (Raised or Acknowledged) or one status
  severity?: string
  kind?: string
  station_id?: number | null
  charge_point_id?: string
}

export function matches(a: Alarm, f: AlarmFilter): boolean {
  if (f.status === 'open' ? a.status === 'Resolved' : f.status && a.status !== f.status) return false
  if (f.severity && a.severity !== f.severity) return false
  if (f.kind && a.kind !== f.kind) return false
  if (f.station_id && a.station_id !== f.station_id) return false
  if (f.charge_point_id && a.charge_point_id !== f.charge_point_id) return false
  return true
}

/** The list after a live change of `alarm`: updated in place, added when new and it matches the
 *  filter, dropped when it no longer matches (an acknowledged alarm on the "Raised" filter). The
 *  feed's alarm has no work order: the one the list knows is kept. Returns a new array. */
export function applyAlarm(list: Alarm[], alarm: Alarm, filter: AlarmFilter): Alarm[] {
  const known = list.find((a) => a.id === alarm.id)
  const merged: Alarm = { ...alarm, work_order: alarm.work_order ?? known?.work_order ?? null }
  const rest = list.filter((a) => a.id !== alarm.id)
  if (!matches(merged, filter)) return rest
  return [...rest, merged].sort(bySeverity)
}

/** Open alarms by severity. */
export function openCounts(list: Alarm[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, major: 0, warning: 0, info: 0 }
  for (const a of list) if (a.status !== 'Resolved' && a.severity in counts) counts[a.severity]++
  return counts
}

/** Seconds as "3 min 20 s" / "2 h 5 min" / "1 d 4 h"; null as a dash. */
export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return '—'
  const v = Math.round(s)
  if (v < 60) return `${v} s`
  if (v < 3600) return `${Math.floor(v / 60)} min${v % 60 ? ` ${v % 60} s` : ''}`
  if (v < 86400) return `${Math.floor(v / 3600)} h${Math.floor((v % 3600) / 60) ? ` ${Math.floor((v % 3600) / 60)} min` : ''}`
  return `${Math.floor(v / 86400)} d${Math.floor((v % 86400) / 3600) ? ` ${Math.floor((v % 86400) / 3600)} h` : ''}`
}
