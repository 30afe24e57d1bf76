// Stations, charge points, connectors, id tags: the network's master data and live view.
import { http, seg, type Query } from './http'
import type { ChargePoint, ConsoleConfig, IdTag, OcppMessage, QrCode, Station } from './types'

const CP = '/api/v1/admin/charge-points'

export const networkApi = {
  config: () => http.publicGet<ConsoleConfig>('/api/v1/console/config'),

  stations: () => http.all<Station>('/api/v1/admin/stations'),
  station: (id: number) => http.get<Station>(`/api/v1/admin/stations/${id}`),
  createStation: (body: Partial<Station>) => http.post<Station>('/api/v1/admin/stations', body),
  updateStation: (id: number, body: Partial<Station>) => http.patch<Station>(`/api/v1/admin/stations/${id}`, body),
  deleteStation: (id: number) => http.del(`/api/v1/admin/stations/${id}`),
  qrCodes: (id: number) => http.get<QrCode[]>(`/api/v1/admin/stations/${id}/qr-codes`),
  qrSvg: (cpId: string, connectorId: number, size = 256) =>
    http.text(`${CP}/${seg(cpId)}/connectors/${connectorId}/qr.svg`, { size }),

  chargePoints: (query: Query = {}) => http.all<ChargePoint>(CP, query),
  chargePoint: (id: string) => http.get<ChargePoint>(`${CP}/${seg(id)}`),
  createChargePoint: (body: Record<string, unknown>) => http.post<ChargePoint>(CP, body),
  updateChargePoint: (id: string, body: Record<string, unknown>) => http.patch<ChargePoint>(`${CP}/${seg(id)}`, body),
  deleteChargePoint: (id: string) => http.del(`${CP}/${seg(id)}`),
  messages: (id: string, query: Query) => http.page<OcppMessage>(`${CP}/${seg(id)}/messages`, query),

  idTags: (query: Query) => http.page<IdTag>('/api/v1/admin/id-tags', query),
  putIdTag: (tag: string, body: Omit<IdTag, 'id_tag'>) => http.put<IdTag>(`/api/v1/admin/id-tags/${seg(tag)}`, body),
  deleteIdTag: (tag: string) => http.del(`/api/v1/admin/id-tags/${seg(tag)}`),
}
