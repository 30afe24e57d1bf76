// Display helpers: money in yuan from fen, energy in kWh from Wh, power in kW from W, local times.

export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '—'
  return `¥${(fen / 100).toFixed(2)}`
}

export function kwh(wh: number | null | undefined, digits = 2): string {
  if (wh === null || wh === undefined) return '—'
  return `${(wh / 1000).toFixed(digits)} kWh`
}

export function kw(w: number | null | undefined): string {
  if (w === null || w === undefined) return '—'
  return `${(w / 1000).toFixed(1)} kW`
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

export function localTime(iso: string | null | undefined, seconds = true): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
  return `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? `:${pad(d.getSeconds())}` : ''}`
}

export function duration(fromIso: string | null, toIso: string | null = null): string {
  if (!fromIso) return '—'
  const ms = (toIso ? new Date(toIso).getTime() : Date.now()) - new Date(fromIso).getTime()
  const minutes = Math.max(0, Math.round(ms / 60000))
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** Yuan typed by an operator -> integer fen (0.5 fen rounds up). */
export function toFen(yuanValue: number): number {
  return Math.round(yuanValue * 100 + Number.EPSILON)
}
