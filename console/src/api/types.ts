// The shapes the REST API answers (docs/contract.md). Times are ISO 8601 UTC strings, energy Wh,
// power W, money fen.

export interface Station {
  id: number
  name: string
  address: string | null
  lat: number | null
  lng: number | null
  coordinate_system: 'GCJ-02'
  timezone: string
  created_at: string
}

export interface Connector {
  evse_id: number
  connector_id: number
  status: string
  error_code: string | null
  info: string | null
  vendor_error_code: string | null
  type: string | null
  max_power_w: number | null
  status_at: string | null
}

export interface ChargePoint {
  id: string
  station_id: number | null
  online: boolean
  protocol: string | null
  vendor: string | null
  model: string | null
  serial_number: string | null
  firmware_version: string | null
  last_seen: string | null
  last_boot_at: string | null
  registration_status: 'Accepted' | 'Pending' | 'Rejected'
  security_profile: number
  has_password: boolean
  status: string | null
  error_code: string | null
  firmware_status: string | null
  diagnostics_status: string | null
  tolerant: boolean
  connectors: Connector[]
  created_at: string
}

export interface Transaction {
  id: number
  charge_point_id: string
  evse_id: number | null
  connector_id: number
  id_tag: string | null
  status: 'Active' | 'Completed' | 'Abandoned'
  started_at: string
  stopped_at: string | null
  meter_start_wh: number
  meter_stop_wh: number | null
  energy_wh: number
  stop_reason: string | null
  power_w: number | null
  soc: number | null
  last_meter_wh: number | null
  ocpp_transaction_id: string
  remote_start_id: number | null
  updated_at: string | null
}

export interface MeterValue {
  timestamp: string
  measurand: string | null
  phase: string | null
  unit: string | null
  context: string | null
  location: string | null
  value: number | string
}

export interface TransactionDetail extends Transaction {
  meter_values: MeterValue[]
}

export interface OcppMessage {
  id: number | null              // null for a frame tailed live, before it is stored
  direction: 'in' | 'out'
  message_type: number           // 2 CALL, 3 CALLRESULT, 4 CALLERROR, 0 unparseable
  unique_id: string | null
  action: string | null
  at: string
  frame: unknown[] | null
  raw: string | null
}

export interface IdTag {
  id_tag: string
  status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid'
  expiry_date: string | null
  group_id: string | null
}

export type Period = 'sharp' | 'peak' | 'flat' | 'valley'

export interface Segment {
  start: string                  // HH:MM, station local time
  end: string
  period: Period
}

export interface PeriodPrice {
  energy_fen_per_kwh: number
  service_fen_per_kwh: number
}

export interface TariffVersion {
  id: number
  station_id: number
  effective_from: string
  segments: Segment[]
  prices: Partial<Record<Period, PeriodPrice>>
  idle_fee_fen_per_min: number
  idle_grace_minutes: number
  created_at: string
}

export interface BillLine {
  period: Period
  start: string
  end: string
  energy_wh: number
  energy_price_fen_per_kwh: number
  service_price_fen_per_kwh: number
  energy_fen: number
  service_fen: number
  amount_fen: number
}

export interface Order {
  id: number
  state: string
  user_id: number
  charge_point_id: string
  connector_id: number
  station_id: number | null
  station_name: string | null
  transaction_id: number | null
  pay_mode: 'wallet' | 'prepay'
  prepay_fen: number | null
  energy_wh: number
  energy_fen: number
  service_fen: number
  idle_fee_fen: number
  total_fen: number
  paid_fen: number
  refunded_fen: number
  stop_reason: string | null
  created_at: string
  started_at: string | null
  stopped_at: string | null
  settled_at: string | null
  bill_lines: BillLine[]
}

export interface Payment {
  id: number
  kind: string
  state: string
  amount_fen: number
  refunded_fen: number
  out_trade_no: string
  order_id: number | null
  created_at: string
  paid_at: string | null
}

export interface Reservation {
  id: number
  charge_point_id: string
  connector_id: number
  id_tag: string
  expiry_date: string
  status: string
  ocpp_status: string | null
  transaction_id: number | null
  reason: string | null
  created_at: string
}

export interface InstalledProfile {
  evse_id: number
  connector_id: number
  source: string
  ocpp_transaction_id: string | null
  updated_at: string
  profile: Record<string, unknown>
}

export interface FirmwareJob {
  request_id: number
  kind: 'update' | 'publish'
  status: string
  location: string
  retrieve_date: string | null
  install_date: string | null
  created_at: string
  updated_at: string
}

export interface LogJob {
  request_id: number
  log_type: string
  status: string
  location: string
  file_name: string | null
  created_at: string
  updated_at: string
}

export interface QrCode {
  charge_point_id: string
  connector_id: number
  content: string
}

export interface ConsoleConfig {
  tencent_map_key: string | null
  version: string
}

export interface CommandResult {
  status?: string
  [key: string]: unknown
}

// -- operations back office (issue 11): alarms, work orders, reviews, drivers, feedback, statistics, audit

export type Severity = 'info' | 'warning' | 'major' | 'critical'

export interface WorkNote { author: string; text: string; at: string }

export interface WorkOrder {
  id: number
  alarm_id: number
  status: 'open' | 'in_progress' | 'resolved' | 'closed'
  station_id: number | null
  charge_point_id: string | null
  assignee: string | null
  created_by: string
  resolution: string | null
  created_at: string
  updated_at: string
  started_at: string | null
  resolved_at: string | null
  closed_at: string | null
  notes: WorkNote[]
}

export interface Alarm {
  id: number
  kind: string
  severity: Severity
  status: 'Raised' | 'Acknowledged' | 'Resolved'
  charge_point_id: string | null
  station_id: number | null
  evse_id: number
  connector_id: number
  type: string
  message: string
  count: number
  raised_at: string
  last_seen_at: string
  acknowledged_at: string | null
  acknowledged_by: string | null
  resolved_at: string | null
  resolved_by: string | null
  resolution: string | null
  cleared_at: string | null
  /** the summary in lists and on the feed ({id, status, assignee}), the whole record in the detail view */
  work_order: (Pick<WorkOrder, 'id' | 'status' | 'assignee'> & Partial<WorkOrder>) | null
}

export interface ResponseTimes {
  station_id: number | null
  period: string | null
  alarms: number
  acknowledged: number
  resolved: number
  auto_resolved: number
  mtta_s: number | null
  mttr_s: number | null
}

export interface ResponseReport { since: string; until: string; total: ResponseTimes; rows: ResponseTimes[] }

export interface OrderReview {
  id: number
  order_id: number
  user_id: number
  station_id: number | null
  charge_point_id: string
  state: 'flagged' | 'approved' | 'adjusted' | 'refunded' | 'closed'
  anomalies: { code: string; detail: string }[]
  total_before_fen: number | null
  total_after_fen: number | null
  refund_fen: number | null
  note: string | null
  decided_by: string | null
  decided_at: string | null
  created_at: string
  updated_at: string
  order: (Order & { adjustment_fen?: number }) | null
}

export interface Driver {
  id: number
  openid: string
  nickname: string
  phone: string | null
  balance_fen: number
  created_at: string
  blocked: boolean
  blocked_reason: string | null
  blocked_at: string | null
  phone_bound?: boolean
}

export interface LedgerEntry {
  id: number
  kind: string
  amount_fen: number
  balance_after_fen: number
  note?: string | null
  order_id?: number | null
  at?: string
  created_at?: string
}

export type FeedbackStatus = 'open' | 'processing' | 'resolved' | 'closed'

export interface Feedback {
  id: number
  user_id: number
  category: string
  content: string
  photos: string[]
  photos_withheld: number
  order_id: number | null
  station_id: number | null
  status: FeedbackStatus
  reply: string | null
  created_at: string
  updated_at: string
}

export interface StatPoint {
  period: string
  station_id: number | null
  charge_point_id: string | null
  energy_wh: number
  revenue_fen: number
  service_fen: number
  sessions: number
  charging_minutes: number
  occupied_minutes: number
  available_minutes: number
  faulted_minutes: number
  offline_minutes: number
  connector_minutes: number
  faults: number
  utilisation: number | null
  fault_rate: number | null
  charge_points: number
  active_users: number
}

export interface UserGrowth { period: string; new_users: number; active_users: number; total_users: number }

export interface AuditRecord {
  id: number
  at: string
  actor_id: string
  actor: string
  role: string
  action: string
  method: string
  path: string
  status: number
  request_id: string
  target_type: string | null
  target_id: string | null
  params: unknown
  before: unknown
  after: unknown
  remote: string | null
}

export interface OperatorAccount { id: number; username: string; role: string; active: boolean }
