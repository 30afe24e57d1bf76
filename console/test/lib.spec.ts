import { describe, expect, it } from 'vitest'
import { fit } from '@/lib/geo'
import { meterSeries } from '@/lib/meter'
import { toFen, yuan } from '@/lib/format'
import { GRANTS, grants, permissionsOf } from '@/lib/roles'
import { applyConnector, healthOf } from '@/stores/network'
import type { ChargePoint } from '@/api/types'

describe('the offline map projection', () => {
  it('keeps every station inside the canvas and inverts a click back to coordinates', () => {
    const points = [{ lat: 31.2, lng: 121.4 }, { lat: 31.3, lng: 121.6 }, { lat: 31.25, lng: 121.5 }]
    const p = fit(points, 800, 400, 20)
    for (const point of points) {
      const { x, y } = p.project(point)
      expect(x).toBeGreaterThanOrEqual(20 - 1e-9)
      expect(x).toBeLessThanOrEqual(780 + 1e-9)
      expect(y).toBeGreaterThanOrEqual(20 - 1e-9)
      expect(y).toBeLessThanOrEqual(380 + 1e-9)
      const back = p.invert(x, y)
      expect(back.lat).toBeCloseTo(point.lat, 9)
      expect(back.lng).toBeCloseTo(point.lng, 9)
    }
    expect(p.project({ lat: 31.3, lng: 121.5 }).y).toBeLessThan(p.project({ lat: 31.2, lng: 121.5 }).y)   // north is up
  })

  it('one station alone gets a sensible view around it', () => {
    const p = fit([{ lat: 22.5, lng: 114.05 }], 400, 300)
    expect(p.project({ lat: 22.5, lng: 114.05 })).toEqual({ x: 200, y: 150 })
  })
})

describe('meter series', () => {
  it('energy from the first reading in Wh (kWh scaled), power in W, phases left out', () => {
    const s = meterSeries([
      { timestamp: '2026-01-01T00:01:00Z', measurand: 'Energy.Active.Import.Register', unit: 'kWh', value: '10.5', phase: null, context: null, location: null },
      { timestamp: '2026-01-01T00:00:00Z', measurand: null, unit: 'Wh', value: 10000, phase: null, context: null, location: null },
      { timestamp: '2026-01-01T00:01:00Z', measurand: 'Power.Active.Import', unit: 'kW', value: 7.2, phase: null, context: null, location: null },
      { timestamp: '2026-01-01T00:01:00Z', measurand: 'Power.Active.Import', unit: 'W', value: 2400, phase: 'L1', context: null, location: null },
      { timestamp: '2026-01-01T00:01:00Z', measurand: 'Voltage', unit: 'V', value: 230, phase: null, context: null, location: null },
    ])
    const t0 = Date.parse('2026-01-01T00:00:00Z')
    expect(s.energy).toEqual([[t0, 0], [t0 + 60000, 500]])
    expect(s.power).toEqual([[t0 + 60000, 7200]])
  })
})

describe('money and roles', () => {
  it('yuan <-> fen without float drift', () => {
    expect(toFen(0.35)).toBe(35)
    expect(toFen(1.15)).toBe(115)
    expect(toFen(12.3)).toBe(1230)
    expect(yuan(1597)).toBe('¥15.97')
  })

  it('a role grants what api/auth.py GRANTS says; operator and finance are side by side', () => {
    const has = (role: string | null, p: Parameters<typeof grants>[1]) => grants(permissionsOf(role), p)
    expect(has('admin', 'admin')).toBe(true)
    expect(has('operator', 'admin')).toBe(false)
    expect(has('viewer', 'operator')).toBe(false)
    expect(has('operator', undefined)).toBe(true)
    expect(has('operator', 'finance')).toBe(false)
    expect(has('finance', 'operator')).toBe(false)
    expect(has('finance', 'finance')).toBe(true)
    expect(has('admin', 'finance')).toBe(true)
    expect(has(null, 'viewer')).toBe(false)
    expect(GRANTS.viewer).toEqual(['viewer'])
    // what the server says wins over the console's own table
    expect(grants(permissionsOf('viewer', ['viewer', 'finance']), 'finance')).toBe(true)
  })
})

describe('live status on the board', () => {
  const cp = (): ChargePoint => ({ id: 'CP', station_id: 1, online: true, protocol: 'ocpp1.6', vendor: null, model: null,
    serial_number: null, firmware_version: null, last_seen: null, last_boot_at: null, registration_status: 'Accepted',
    security_profile: 0, has_password: false, status: 'Available', error_code: null, firmware_status: null,
    diagnostics_status: null, tolerant: false, created_at: '', connectors: [
      { evse_id: 1, connector_id: 1, status: 'Available', error_code: 'NoError', info: null, vendor_error_code: null, type: null, max_power_w: null, status_at: null }] })

  it('a Faulted connector makes the charge point faulted, and offline wins over everything', () => {
    const c = cp()
    expect(healthOf(c)).toBe('available')
    applyConnector(c, { charge_point_id: 'CP', evse_id: 1, connector_id: 1, status: 'Faulted', previous: 'Available', error_code: 'GroundFailure', at: 'x' })
    expect(healthOf(c)).toBe('faulted')
    expect(c.connectors[0].error_code).toBe('GroundFailure')
    c.online = false
    expect(healthOf(c)).toBe('offline')
  })

  it('a connector reported for the first time is added in order; connector 0 is the charge point', () => {
    const c = cp()
    applyConnector(c, { charge_point_id: 'CP', evse_id: 0, connector_id: 0, status: 'Unavailable', previous: null, error_code: 'NoError', at: 'x' })
    applyConnector(c, { charge_point_id: 'CP', evse_id: 3, connector_id: 3, status: 'Charging', previous: null, error_code: 'NoError', at: 'x' })
    applyConnector(c, { charge_point_id: 'CP', evse_id: 2, connector_id: 2, status: 'Preparing', previous: null, error_code: 'NoError', at: 'x' })
    expect(c.status).toBe('Unavailable')
    expect(c.connectors.map((x) => x.connector_id)).toEqual([1, 2, 3])
    expect(healthOf(c)).toBe('charging')
  })
})
