// Statistics from the daily roll-ups (docs/contract.md "Statistics"): series by day or month for the
// network, a station or a charge point; stations ranked; fault rates; driver growth; each also CSV.
import { http, pathWithQuery, send, type Query } from './http'
import type { StatPoint, UserGrowth } from './types'

const S = '/api/v1/admin/stats'

export type StatsQuery = { from?: string; to?: string; by?: 'day' | 'month'; station_id?: number | null; charge_point_id?: string | null }

export const statsApi = {
  series: (q: StatsQuery) => http.get<StatPoint[]>(`${S}/series`, q as Query),
  topStations: (q: StatsQuery & { metric: string; limit?: number }) => http.get<StatPoint[]>(`${S}/top-stations`, q as Query),
  faultRate: (q: StatsQuery & { limit?: number }) => http.get<StatPoint[]>(`${S}/fault-rate`, q as Query),
  users: (q: StatsQuery) => http.get<UserGrowth[]>(`${S}/users`, q as Query),
  recompute: (from: string, to?: string) => http.post<{ days: number; charge_point_rows: number }>(`${S}/recompute`, { from, to }),
  /** The same query as CSV (a file the browser saves): fetched with the token, not a bare link. */
  async csv(report: 'series' | 'top-stations' | 'fault-rate' | 'users', q: Query): Promise<{ name: string; text: string }> {
    const resp = await send('GET', `${S}/${report}`, { query: { ...q, format: 'csv' } })
    const disposition = resp.headers.get('Content-Disposition') ?? ''
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${report}.csv`
    return { name, text: await resp.text() }
  },
  path: (report: string, q: Query) => pathWithQuery(`${S}/${report}`, q),
}
