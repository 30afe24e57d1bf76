// Orders, tariffs, payments and refunds. (Abnormal-order review, driver accounts and statistics
// arrive with the operations back end, issue 11: their clients go next to this one.)
import { http, type Query } from './http'
import type { Order, Payment, TariffVersion } from './types'

export const moneyApi = {
  orders: (query: Query) => http.page<Order>('/api/v1/admin/orders', query),
  order: (id: number) => http.get<Order>(`/api/v1/admin/orders/${id}`),
  refund: (id: number, amount_fen: number, reason: string) =>
    http.post<unknown>(`/api/v1/admin/orders/${id}/refund`, { amount_fen, reason }),
  payments: (query: Query) => http.page<Payment>('/api/v1/admin/payments', query),

  tariffs: (stationId: number) => http.get<TariffVersion[]>(`/api/v1/admin/stations/${stationId}/tariffs`),
  putTariff: (stationId: number, body: Record<string, unknown>) =>
    http.put<TariffVersion>(`/api/v1/admin/stations/${stationId}/tariff`, body),
}
