// What runs on a charge point: commands, generic calls, transactions, reservations, profiles,
// firmware and log jobs, and the OCPP schemas a hand-written call is checked against.
import { http, seg, type Query } from './http'
import type {
  CommandResult, FirmwareJob, InstalledProfile, LogJob, Reservation, Transaction, TransactionDetail,
} from './types'

const CP = '/api/v1/admin/charge-points'

export const operationsApi = {
  command: (cpId: string, name: string, body: Record<string, unknown>) =>
    http.post<CommandResult>(`${CP}/${seg(cpId)}/commands/${name}`, body),
  call: (cpId: string, action: string, payload: unknown) =>
    http.post<{ response: unknown }>(`${CP}/${seg(cpId)}/calls/${seg(action)}`, payload),

  transactions: (query: Query) => http.page<Transaction>('/api/v1/admin/transactions', query),
  transaction: (id: number) => http.get<TransactionDetail>(`/api/v1/admin/transactions/${id}`),

  reservations: (cpId: string) => http.page<Reservation>('/api/v1/admin/reservations', { charge_point_id: cpId, limit: 50 }),
  chargingProfiles: (cpId: string) => http.get<InstalledProfile[]>(`${CP}/${seg(cpId)}/charging-profiles`),
  firmwareUpdates: (cpId: string) => http.get<FirmwareJob[]>(`${CP}/${seg(cpId)}/firmware-updates`),
  logRequests: (cpId: string) => http.get<LogJob[]>(`${CP}/${seg(cpId)}/log-requests`),

  ocppActions: (protocol: string) =>
    http.get<{ protocol: string; actions: string[] }>(`/api/v1/admin/ocpp-schemas/${seg(protocol)}`),
  ocppSchema: (protocol: string, action: string) =>
    http.get<Record<string, unknown>>(`/api/v1/admin/ocpp-schemas/${seg(protocol)}/${seg(action)}`),
}

export interface DeviceVariable {
  component: string
  component_instance: string | null
  evse_id: number | null
  connector_id: number | null
  variable: string
  variable_instance: string | null
  attribute_type: string
  value: string | null
  mutability: string | null
}

export const deviceModelApi = {
  list: (cpId: string) => http.page<DeviceVariable>(`${CP}/${seg(cpId)}/device-model`, { limit: 500 }),
}
