// The typed commands the charge point page offers (docs/contract.md "Commands" and after): their
// form fields and how the values become the request body. One body for OCPP 1.6 and 2.0.1; the few
// that exist in one version only say so (`versions`).

export type Protocol = 'ocpp1.6' | 'ocpp2.0.1'
export type FieldKind = 'text' | 'number' | 'select' | 'switch' | 'connector' | 'transaction' | 'minutes' | 'datetime'

export interface Field {
  key: string
  kind: FieldKind
  required?: boolean
  options?: string[]
  default?: unknown
  min?: number
  max?: number
  when?: (values: Values) => boolean      // shown (and sent) only then
}

export type Values = Record<string, unknown>

export interface CommandSpec {
  name: string                   // commands/{name}
  fields: Field[]
  danger?: boolean               // disturbs charging: the confirmation says so
  versions?: Protocol[]
  build?: (values: Values, now: Date) => Record<string, unknown>
}

const PURPOSES = ['TxDefaultProfile', 'ChargePointMaxProfile', 'TxProfile']
export const TRIGGER_MESSAGES = ['BootNotification', 'Heartbeat', 'StatusNotification', 'MeterValues',
  'FirmwareStatusNotification', 'DiagnosticsStatusNotification']

function inMinutes(now: Date, minutes: unknown): string {
  return new Date(now.getTime() + Number(minutes) * 60000).toISOString()
}

/** A charging profile from the short form: one period with one limit, from now or relative. */
export function profileFrom(values: Values, now: Date): Record<string, unknown> {
  const purpose = String(values.purpose)
  const kind = String(values.kind ?? 'Relative')
  const schedule: Record<string, unknown> = {
    charging_rate_unit: values.charging_rate_unit ?? 'A',
    periods: [{ start_period: 0, limit: Number(values.limit) }],
  }
  if (values.duration_minutes) schedule.duration = Number(values.duration_minutes) * 60
  if (kind === 'Absolute') schedule.start_schedule = now.toISOString()
  const profile: Record<string, unknown> = {
    id: Number(values.profile_id), stack_level: Number(values.stack_level ?? 0), purpose, kind, schedule,
  }
  if (purpose === 'TxProfile') profile.transaction_id = Number(values.transaction_id)
  return { connector_id: purpose === 'ChargePointMaxProfile' ? 0 : Number(values.connector_id), profile }
}

export const COMMANDS: Record<string, CommandSpec> = {
  'remote-start': {
    name: 'remote-start',
    fields: [{ key: 'id_tag', kind: 'text', required: true }, { key: 'connector_id', kind: 'connector' }],
  },
  'remote-stop': {
    name: 'remote-stop', danger: true,
    fields: [{ key: 'transaction_id', kind: 'transaction', required: true }],
  },
  reset: {
    name: 'reset', danger: true,
    fields: [{ key: 'type', kind: 'select', options: ['Soft', 'Hard'], default: 'Soft', required: true }],
  },
  unlock: { name: 'unlock', danger: true, fields: [{ key: 'connector_id', kind: 'connector', required: true }] },
  'change-availability': {
    name: 'change-availability', danger: true,
    fields: [{ key: 'connector_id', kind: 'number', default: 0, min: 0 }, { key: 'operative', kind: 'switch', default: true }],
  },
  'trigger-message': {
    name: 'trigger-message',
    fields: [{ key: 'message', kind: 'select', options: TRIGGER_MESSAGES, default: 'StatusNotification', required: true },
      { key: 'connector_id', kind: 'connector' }],
  },
  'reserve-now': {
    name: 'reserve-now',
    fields: [{ key: 'connector_id', kind: 'number', default: 0, min: 0, required: true },
      { key: 'id_tag', kind: 'text', required: true }, { key: 'expiry_minutes', kind: 'minutes', default: 15, min: 1 }],
    build: (v, now) => ({ connector_id: Number(v.connector_id), id_tag: v.id_tag, expiry_date: inMinutes(now, v.expiry_minutes) }),
  },
  'cancel-reservation': { name: 'cancel-reservation', fields: [{ key: 'reservation_id', kind: 'number', required: true, min: 1 }] },
  'clear-cache': { name: 'clear-cache', fields: [] },
  'set-charging-profile': {
    name: 'set-charging-profile',
    fields: [
      { key: 'purpose', kind: 'select', options: PURPOSES, default: 'TxDefaultProfile', required: true },
      { key: 'connector_id', kind: 'number', default: 1, min: 0, required: true, when: (v) => v.purpose !== 'ChargePointMaxProfile' },
      { key: 'transaction_id', kind: 'transaction', required: true, when: (v) => v.purpose === 'TxProfile' },
      { key: 'profile_id', kind: 'number', default: 1, min: 1, required: true },
      { key: 'stack_level', kind: 'number', default: 0, min: 0, max: 1000 },
      { key: 'kind', kind: 'select', options: ['Relative', 'Absolute'], default: 'Relative' },
      { key: 'charging_rate_unit', kind: 'select', options: ['A', 'W'], default: 'A' },
      { key: 'limit', kind: 'number', default: 16, min: 0, required: true },
      { key: 'duration_minutes', kind: 'minutes', min: 1 },
    ],
    build: profileFrom,
  },
  'clear-charging-profile': {
    name: 'clear-charging-profile',
    fields: [{ key: 'id', kind: 'number', min: 1 }, { key: 'connector_id', kind: 'number', min: 0 },
      { key: 'purpose', kind: 'select', options: PURPOSES }],
  },
  'get-composite-schedule': {
    name: 'get-composite-schedule',
    fields: [{ key: 'connector_id', kind: 'number', default: 1, min: 0, required: true },
      { key: 'duration', kind: 'number', default: 3600, min: 1, max: 604800, required: true },
      { key: 'charging_rate_unit', kind: 'select', options: ['A', 'W'] }],
  },
  'update-firmware': {
    name: 'update-firmware',
    fields: [{ key: 'location', kind: 'text', required: true }, { key: 'retrieve_date', kind: 'datetime' },
      { key: 'retries', kind: 'number', min: 0 }, { key: 'retry_interval', kind: 'number', min: 0 }],
  },
  'get-diagnostics': {
    name: 'get-diagnostics',
    fields: [{ key: 'location', kind: 'text', required: true }, { key: 'start_time', kind: 'datetime' },
      { key: 'stop_time', kind: 'datetime' }],
  },
  'get-log': {
    name: 'get-log',
    fields: [{ key: 'location', kind: 'text', required: true },
      { key: 'log_type', kind: 'select', options: ['DiagnosticsLog', 'SecurityLog'], default: 'DiagnosticsLog', required: true },
      { key: 'start_time', kind: 'datetime' }, { key: 'stop_time', kind: 'datetime' }],
  },
  'change-configuration': {
    name: 'change-configuration',
    fields: [{ key: 'key', kind: 'text', required: true }, { key: 'value', kind: 'text', required: true }],
  },
  'data-transfer': {
    name: 'data-transfer',
    fields: [{ key: 'vendor_id', kind: 'text', required: true }, { key: 'message_id', kind: 'text' }, { key: 'data', kind: 'text' }],
  },
}

export function initialValues(spec: CommandSpec, prefill: Values = {}): Values {
  const values: Values = {}
  for (const field of spec.fields) values[field.key] = prefill[field.key] ?? field.default ?? (field.kind === 'switch' ? false : null)
  return values
}

export function visibleFields(spec: CommandSpec, values: Values): Field[] {
  return spec.fields.filter((f) => !f.when || f.when(values))
}

function empty(value: unknown): boolean {
  return value === null || value === undefined || value === ''
}

/** The fields still missing (required and empty), for the form to mark before anything is sent. */
export function missingFields(spec: CommandSpec, values: Values): string[] {
  return visibleFields(spec, values).filter((f) => f.required && empty(values[f.key])).map((f) => f.key)
}

/** The request body: the spec's own builder, or every visible field that has a value (numbers as
 *  numbers, date pickers as ISO UTC). */
export function buildBody(spec: CommandSpec, values: Values, now: Date = new Date()): Record<string, unknown> {
  if (spec.build) return spec.build(values, now)
  const body: Record<string, unknown> = {}
  for (const field of visibleFields(spec, values)) {
    const value = values[field.key]
    if (empty(value)) continue
    if (field.kind === 'number' || field.kind === 'connector' || field.kind === 'transaction' || field.kind === 'minutes') {
      body[field.key] = Number(value)
    } else if (field.kind === 'datetime') {
      body[field.key] = new Date(value as string | number | Date).toISOString()
    } else {
      body[field.key] = value
    }
  }
  return body
}

export function available(spec: CommandSpec, protocol: string | null): boolean {
  return !spec.versions || (protocol !== null && spec.versions.includes(protocol as Protocol))
}
