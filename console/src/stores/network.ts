// The live network: stations and charge points loaded once, then kept current by the feed
// (presence, connector statuses, running transactions). No polling: after a feed break the whole
// list is read again once, to catch up on what the break hid.
import { computed, reactive, ref } from 'vue'
import { feed, type ChargePointEvent, type ConnectorEvent, type TransactionEvent } from '@/api/feed'
import { networkApi } from '@/api/network'
import { operationsApi } from '@/api/operations'
import type { ChargePoint, Station } from '@/api/types'

export interface LiveTransaction {
  id: number
  connector_id: number
  energy_wh: number
  power_w: number | null
  soc: number | null
  started_at: string
  id_tag: string | null
}

/** A charge point's overall state for the board, worst first. */
export type Health = 'offline' | 'faulted' | 'unavailable' | 'charging' | 'available' | 'unknown'

const CHARGING = new Set(['Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing', 'Preparing', 'Occupied'])

export function healthOf(cp: ChargePoint): Health {
  if (!cp.online) return 'offline'
  const statuses = [cp.status, ...cp.connectors.map((c) => c.status)].filter(Boolean) as string[]
  if (statuses.includes('Faulted')) return 'faulted'
  if (cp.connectors.some((c) => CHARGING.has(c.status))) return 'charging'
  if (statuses.length && statuses.every((s) => s === 'Unavailable')) return 'unavailable'
  if (cp.connectors.some((c) => c.status === 'Available' || c.status === 'Reserved')) return 'available'
  return 'unknown'
}

export function applyConnector(cp: ChargePoint, e: ConnectorEvent): void {
  if (e.connector_id === 0 || (cp.protocol === 'ocpp2.0.1' && e.evse_id === 0)) {
    cp.status = e.status
    cp.error_code = e.error_code
    return
  }
  const existing = cp.connectors.find((c) => c.evse_id === e.evse_id && c.connector_id === e.connector_id)
  if (existing) {
    Object.assign(existing, { status: e.status, error_code: e.error_code, status_at: e.at })
  } else {
    cp.connectors.push({ evse_id: e.evse_id, connector_id: e.connector_id, status: e.status, error_code: e.error_code,
      info: null, vendor_error_code: null, type: null, max_power_w: null, status_at: e.at })
    cp.connectors.sort((a, b) => a.evse_id - b.evse_id || a.connector_id - b.connector_id)
  }
}

export function applyPresence(cp: ChargePoint, e: ChargePointEvent): void {
  cp.online = e.online
  if (e.protocol) cp.protocol = e.protocol
  cp.last_seen = e.at
  if (e.event === 'booted') {
    cp.last_boot_at = e.at
    if (e.vendor) cp.vendor = e.vendor
    if (e.model) cp.model = e.model
    if (e.firmware_version) cp.firmware_version = e.firmware_version
  }
}

function createNetwork() {
  const stations = ref<Station[]>([])
  const chargePoints = reactive(new Map<string, ChargePoint>())
  const live = reactive(new Map<string, Map<number, LiveTransaction>>())   // cp id -> connector -> tx
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<unknown>(null)
  let wired = false

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const [st, cps, active] = await Promise.all([
        networkApi.stations(), networkApi.chargePoints(),
        operationsApi.transactions({ status: 'Active', limit: 500 }),
      ])
      stations.value = st
      chargePoints.clear()
      for (const cp of cps) chargePoints.set(cp.id, cp)
      live.clear()
      for (const tx of active.items) {
        txMap(tx.charge_point_id).set(tx.connector_id, { id: tx.id, connector_id: tx.connector_id,
          energy_wh: tx.energy_wh, power_w: tx.power_w, soc: tx.soc, started_at: tx.started_at, id_tag: tx.id_tag })
      }
      loaded.value = true
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
  }

  function txMap(cpId: string): Map<number, LiveTransaction> {
    let map = live.get(cpId)
    if (!map) {
      map = new Map()
      live.set(cpId, map)
    }
    return map
  }

  async function fetchOne(cpId: string): Promise<void> {
    try {
      chargePoints.set(cpId, await networkApi.chargePoint(cpId))
    } catch {
      /* removed meanwhile, or auto-registered and gone: the next full load settles it */
    }
  }

  function onTransaction(e: TransactionEvent): void {
    const map = txMap(e.charge_point_id)
    if (e.event === 'stopped') {
      if (map.get(e.connector_id)?.id === e.id) map.delete(e.connector_id)
      return
    }
    const current = map.get(e.connector_id)
    if (current && current.id === e.id) {
      Object.assign(current, { energy_wh: e.energy_wh, power_w: e.power_w ?? current.power_w, soc: e.soc ?? current.soc })
    } else {
      map.set(e.connector_id, { id: e.id, connector_id: e.connector_id, energy_wh: e.energy_wh, power_w: e.power_w,
        soc: e.soc, started_at: e.at, id_tag: e.id_tag })
    }
  }

  /** Subscribe to the feed once for the whole console. */
  function wire(): void {
    if (wired) return
    wired = true
    feed.on('charge_point', (e) => {
      const cp = chargePoints.get(e.id)
      if (cp) applyPresence(cp, e)
      else if (loaded.value) void fetchOne(e.id)
    })
    feed.on('connector', (e) => {
      const cp = chargePoints.get(e.charge_point_id)
      if (cp) applyConnector(cp, e)
    })
    feed.on('transaction', onTransaction)
    feed.on('notice', (e) => {
      const cp = chargePoints.get(e.charge_point_id)
      if (!cp) return
      if (e.kind === 'firmware_status' && typeof e.data.status === 'string') cp.firmware_status = e.data.status
      if (e.kind === 'diagnostics_status' && typeof e.data.status === 'string') cp.diagnostics_status = e.data.status
    })
    feed.onReconnect(() => void load())
  }

  const counts = computed(() => {
    const byHealth: Record<Health, number> = { offline: 0, faulted: 0, unavailable: 0, charging: 0, available: 0, unknown: 0 }
    const connectors: Record<string, number> = {}
    let online = 0
    for (const cp of chargePoints.values()) {
      byHealth[healthOf(cp)]++
      if (cp.online) online++
      for (const c of cp.connectors) {
        const key = cp.online ? c.status : 'Offline'
        connectors[key] = (connectors[key] ?? 0) + 1
      }
    }
    return { total: chargePoints.size, online, offline: chargePoints.size - online, byHealth, connectors }
  })

  function stationName(id: number | null): string {
    return stations.value.find((s) => s.id === id)?.name ?? ''
  }

  return { stations, chargePoints, live, loading, loaded, error, load, wire, counts, stationName, fetchOne }
}

export const network = createNetwork()
