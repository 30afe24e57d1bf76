// The time-of-use editor's model: a day of 48 half-hour slots, each with a period (尖峰平谷:
// sharp/peak/flat/valley), turned into the API's segments (HH:MM, 00:00-24:00, no gap, no overlap,
// adjacent slots of one period merged) and back. Segments from the server that do not fall on half
// hours are kept as they are until the operator paints over them.
import type { Period, PeriodPrice, Segment } from '@/api/types'

export const PERIODS: Period[] = ['sharp', 'peak', 'flat', 'valley']
export const SLOT_MINUTES = 30
export const SLOTS = (24 * 60) / SLOT_MINUTES

export function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number)
  return h * 60 + m
}

export function toHHMM(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
}

/** Segments -> one period per half hour (a slot takes the period in force at its start). */
export function slotsFrom(segments: Segment[]): Period[] {
  const slots: Period[] = Array(SLOTS).fill('flat')
  for (const s of segments) {
    const from = toMinutes(s.start), to = toMinutes(s.end)
    for (let i = 0; i < SLOTS; i++) {
      const at = i * SLOT_MINUTES
      if (at >= from && at < to) slots[i] = s.period
    }
  }
  return slots
}

/** Half-hour slots -> the API's segments, merged. */
export function segmentsFrom(slots: Period[]): Segment[] {
  const out: Segment[] = []
  slots.forEach((period, i) => {
    const last = out[out.length - 1]
    if (last && last.period === period) last.end = toHHMM((i + 1) * SLOT_MINUTES)
    else out.push({ start: toHHMM(i * SLOT_MINUTES), end: toHHMM((i + 1) * SLOT_MINUTES), period })
  })
  return out
}

/** Set slots [from, to) (either order, inclusive of both ends as painted) to `period`. */
export function paint(slots: Period[], from: number, to: number, period: Period): Period[] {
  const [a, b] = from <= to ? [from, to] : [to, from]
  return slots.map((p, i) => (i >= a && i <= b ? period : p))
}

export function periodsUsed(segments: Segment[]): Period[] {
  return PERIODS.filter((p) => segments.some((s) => s.period === p))
}

/** What the console checks before sending: each used period priced. The server checks the rest
 *  (ranges, effective date) and its errors are shown on the field it names. */
export function missingPrices(segments: Segment[], prices: Partial<Record<Period, PeriodPrice | undefined>>): Period[] {
  return periodsUsed(segments).filter((p) => !prices[p])
}

/** Hours of the day each period covers, for the summary under the bar. */
export function hoursByPeriod(segments: Segment[]): Record<Period, number> {
  const hours: Record<Period, number> = { sharp: 0, peak: 0, flat: 0, valley: 0 }
  for (const s of segments) hours[s.period] += (toMinutes(s.end) - toMinutes(s.start)) / 60
  return hours
}

/** The body of PUT /api/v1/admin/stations/{id}/tariff: only the used periods' prices. */
export function tariffBody(segments: Segment[], prices: Partial<Record<Period, PeriodPrice>>, effectiveFrom: Date | null,
  idleFee: number, idleGrace: number): Record<string, unknown> {
  const used = periodsUsed(segments)
  return {
    ...(effectiveFrom ? { effective_from: effectiveFrom.toISOString() } : {}),
    segments,
    prices: Object.fromEntries(used.map((p) => [p, prices[p]])),
    idle_fee_fen_per_min: idleFee,
    idle_grace_minutes: idleGrace,
  }
}

/** Where a server validation error belongs in the editor: "effective_from", "segments",
 *  "prices.<period>", "idle_fee_fen_per_min", "idle_grace_minutes", or "" (the whole form). */
export function errorTarget(field: string | null): string {
  if (!field) return ''
  if (field.startsWith('segments')) return 'segments'
  const price = /^prices\.(sharp|peak|flat|valley)/.exec(field)
  if (price) return `prices.${price[1]}`
  if (field.startsWith('prices')) return 'prices'
  return ['effective_from', 'idle_fee_fen_per_min', 'idle_grace_minutes'].includes(field) ? field : ''
}
