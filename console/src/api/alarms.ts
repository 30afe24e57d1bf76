// Alarms, their work orders (处理记录) and the MTTA / MTTR report (docs/contract.md "Alarms and work
// orders"). Changes also arrive live on the operator feed as `alarm` and `work_order` messages.
import { http, type Query } from './http'
import type { Alarm, ResponseReport, WorkOrder } from './types'

const ALARMS = '/api/v1/admin/alarms'
const ORDERS = '/api/v1/admin/work-orders'

export const alarmsApi = {
  list: (query: Query) => http.page<Alarm>(ALARMS, query),
  get: (id: number) => http.get<Alarm>(`${ALARMS}/${id}`),
  acknowledge: (id: number, body: { assignee?: string; note?: string }) => http.post<Alarm>(`${ALARMS}/${id}/acknowledge`, body),
  assign: (id: number, assignee: string) => http.post<Alarm>(`${ALARMS}/${id}/assign`, { assignee }),
  note: (id: number, text: string) => http.post<Alarm>(`${ALARMS}/${id}/notes`, { text }),
  resolve: (id: number, resolution: string) =>
    http.post<Alarm>(`${ALARMS}/${id}/resolve`, resolution ? { resolution } : {}),

  workOrders: (query: Query) => http.page<WorkOrder>(ORDERS, query),
  workOrder: (id: number) => http.get<WorkOrder>(`${ORDERS}/${id}`),
  updateWorkOrder: (id: number, body: Partial<Pick<WorkOrder, 'status' | 'assignee' | 'resolution'>> & { note?: string }) =>
    http.patch<WorkOrder>(`${ORDERS}/${id}`, body),

  responseTimes: (query: Query) => http.get<ResponseReport>('/api/v1/admin/reports/alarm-response-times', query),
}
