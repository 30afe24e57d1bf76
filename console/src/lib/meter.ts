// A transaction's meter values as chart series: the energy register (Wh, from the first reading)
// and the active power (W). Units as OCPP sends them: Wh or kWh, W or kW; a sample without a
// measurand is the energy register (OCPP's default).
import type { MeterValue } from '@/api/types'

export interface MeterSeries {
  energy: [number, number][]     // [ms, Wh since the first reading]
  power: [number, number][]      // [ms, W]
  soc: [number, number][]        // [ms, %]
}

const SCALE: Record<string, number> = { Wh: 1, kWh: 1000, W: 1, kW: 1000 }

export function meterSeries(values: MeterValue[]): MeterSeries {
  const energy: [number, number][] = []
  const power: [number, number][] = []
  const soc: [number, number][] = []
  for (const v of values) {
    const at = new Date(v.timestamp).getTime()
    const value = Number(v.value)
    if (!Number.isFinite(at) || !Number.isFinite(value)) continue
    if (v.phase) continue                                  // the totals, not each phase
    const measurand = v.measurand ?? 'Energy.Active.Import.Register'
    const scaled = value * (SCALE[v.unit ?? ''] ?? 1)
    if (measurand === 'Energy.Active.Import.Register') energy.push([at, scaled])
    else if (measurand === 'Power.Active.Import') power.push([at, scaled])
    else if (measurand === 'SoC') soc.push([at, value])
  }
  const byTime = (a: [number, number], b: [number, number]) => a[0] - b[0]
  energy.sort(byTime)
  power.sort(byTime)
  soc.sort(byTime)
  const first = energy[0]?.[1] ?? 0
  return { energy: energy.map(([at, wh]) => [at, Math.round(wh - first)]), power, soc }
}
