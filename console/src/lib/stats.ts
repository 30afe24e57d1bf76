// The dashboard's arithmetic, kept out of the charts so it can be tested: date ranges, a continuous
// axis of days or months (a period without a roll-up row is zero, not a gap), totals over a range and
// the ECharts options of each chart. Money in fen -> yuan, energy Wh -> kWh, rates 0..1 -> %.
import type { StatPoint, UserGrowth } from '@/api/types'

export type By = 'day' | 'month'
type T = (key: string) => string

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

export function isoDay(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

function parseDay(day: string): Date {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(y, m - 1, d ?? 1)
}

/** The server's default range: the 30 days to `today`, or by month the 12 months to this one. */
export function defaultRange(by: By, today: Date = new Date()): [string, string] {
  if (by === 'month') return [isoDay(new Date(today.getFullYear(), today.getMonth() - 11, 1)), isoDay(today)]
  return [isoDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29)), isoDay(today)]
}

/** Every period from `from` to `to` (YYYY-MM-DD or YYYY-MM). */
export function periods(from: string, to: string, by: By): string[] {
  const out: string[] = []
  const end = parseDay(to)
  if (by === 'month') {
    for (let d = parseDay(from.slice(0, 7) + '-01'); d <= end; d = new Date(d.getFullYear(), d.getMonth() + 1, 1)) {
      out.push(`${d.getFullYear()}-${pad(d.getMonth() + 1)}`)
      if (out.length > 400) break
    }
    return out
  }
  for (let d = parseDay(from); d <= end; d = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1)) {
    out.push(isoDay(d))
    if (out.length > 800) break
  }
  return out
}

/** `points` on every period of the range, zero where there is no row. */
export function onAxis<P extends { period: string }>(points: P[], axis: string[], zero: (period: string) => P): P[] {
  const byPeriod = new Map(points.map((p) => [p.period, p]))
  return axis.map((period) => byPeriod.get(period) ?? zero(period))
}

export function zeroPoint(period: string): StatPoint {
  return { period, station_id: null, charge_point_id: null, energy_wh: 0, revenue_fen: 0, service_fen: 0, sessions: 0,
    charging_minutes: 0, occupied_minutes: 0, available_minutes: 0, faulted_minutes: 0, offline_minutes: 0,
    connector_minutes: 0, faults: 0, utilisation: null, fault_rate: null, charge_points: 0, active_users: 0 }
}

export interface Totals { energy_wh: number; revenue_fen: number; sessions: number; utilisation: number | null; fault_rate: number | null }

export function totals(points: StatPoint[]): Totals {
  const sum = (f: (p: StatPoint) => number) => points.reduce((acc, p) => acc + f(p), 0)
  const occupied = sum((p) => p.occupied_minutes)
  const base = occupied + sum((p) => p.available_minutes)
  const connector = sum((p) => p.connector_minutes)
  return { energy_wh: sum((p) => p.energy_wh), revenue_fen: sum((p) => p.revenue_fen), sessions: sum((p) => p.sessions),
    utilisation: base ? occupied / base : null, fault_rate: connector ? sum((p) => p.faulted_minutes) / connector : null }
}

const kwhOf = (wh: number) => Math.round(wh / 10) / 100
const yuanOf = (fen: number) => Math.round(fen) / 100
const pctOf = (rate: number | null) => (rate === null ? null : Math.round(rate * 10000) / 100)

const BASE = { tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 56, right: 56, top: 36, bottom: 28 } }

/** Energy (kWh, bars) and revenue (yuan, line) per period. */
export function energyRevenueOption(points: StatPoint[], t: T) {
  return { ...BASE, xAxis: { type: 'category', data: points.map((p) => p.period) },
    yAxis: [{ type: 'value', name: 'kWh' }, { type: 'value', name: '¥' }],
    series: [
      { id: 'energy', name: t('dash.energy'), type: 'bar', data: points.map((p) => kwhOf(p.energy_wh)) },
      { id: 'revenue', name: t('dash.revenue'), type: 'line', yAxisIndex: 1, data: points.map((p) => yuanOf(p.revenue_fen)) },
    ] }
}

/** Sessions (bars) and utilisation (%, line) per period. */
export function sessionsOption(points: StatPoint[], t: T) {
  return { ...BASE, xAxis: { type: 'category', data: points.map((p) => p.period) },
    yAxis: [{ type: 'value', name: t('dash.sessions'), minInterval: 1 }, { type: 'value', name: '%', max: 100 }],
    series: [
      { id: 'sessions', name: t('dash.sessions'), type: 'bar', data: points.map((p) => p.sessions) },
      { id: 'utilisation', name: t('dash.utilisation'), type: 'line', yAxisIndex: 1, connectNulls: true,
        data: points.map((p) => pctOf(p.utilisation)) },
    ] }
}

/** A metric's value as charted (money in yuan, energy in kWh, rates in %). */
export function metricValue(p: StatPoint, metric: string): number | null {
  const v = (p as unknown as Record<string, number | null>)[metric]
  if (v === null || v === undefined) return null
  if (metric.endsWith('_fen')) return yuanOf(v)
  if (metric === 'energy_wh') return kwhOf(v)
  if (metric === 'utilisation' || metric === 'fault_rate') return pctOf(v)
  return v
}

/** Stations ranked (horizontal bars, the highest on top). */
export function rankingOption(points: StatPoint[], metric: string, label: string, name: (id: number | null) => string) {
  const rows = [...points].reverse()
  return { tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } }, grid: { left: 120, right: 32, top: 16, bottom: 24 },
    xAxis: { type: 'value' }, yAxis: { type: 'category', data: rows.map((p) => name(p.station_id)) },
    series: [{ id: metric, name: label, type: 'bar', data: rows.map((p) => metricValue(p, metric)) }] }
}

/** New and active drivers (bars) and the total (line) per period. */
export function usersOption(rows: UserGrowth[], t: T) {
  return { ...BASE, xAxis: { type: 'category', data: rows.map((r) => r.period) },
    yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', minInterval: 1 }],
    series: [
      { id: 'new_users', name: t('dash.newUsers'), type: 'bar', data: rows.map((r) => r.new_users) },
      { id: 'active_users', name: t('dash.activeUsers'), type: 'bar', data: rows.map((r) => r.active_users) },
      { id: 'total_users', name: t('dash.totalUsers'), type: 'line', yAxisIndex: 1, data: rows.map((r) => r.total_users) },
    ] }
}
