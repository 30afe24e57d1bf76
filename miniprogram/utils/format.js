/**
 * Display formatting. Money arrives as integer fen, energy as integer Wh, power as W, times as
 * ISO 8601 UTC; everything here is integer arithmetic or Date, never float money.
 */
function pad(n, width = 2) {
  let s = String(n)
  while (s.length < width) s = '0' + s
  return s
}

function isInt(v) {
  return typeof v === 'number' && Number.isFinite(v) && Math.floor(v) === v
}

/** 1234 -> "12.34", -5 -> "-0.05"; null/invalid -> "--". */
function fenToYuan(fen) {
  if (!isInt(fen)) return '--'
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(fen)
  return `${sign}${Math.floor(abs / 100)}.${pad(abs % 100)}`
}

/** 1234 -> "¥12.34". */
function yuan(fen) {
  const s = fenToYuan(fen)
  if (s === '--') return s
  return s[0] === '-' ? `-¥${s.slice(1)}` : `¥${s}`
}

/** Decimal text -> integer of value x 10^digits ("1.5", 3 -> 1500); bad text or too many decimals -> null. */
function parseScaled(text, digits) {
  const m = /^\s*(\d{1,7})(?:\.(\d+))?\s*$/.exec(String(text == null ? '' : text))
  if (!m || (m[2] && m[2].length > digits)) return null
  const frac = ((m[2] || '') + '000000').slice(0, digits)
  return parseInt(m[1], 10) * Math.pow(10, digits) + (digits ? parseInt(frac, 10) : 0)
}

/** "12.3" / "12" / "0.05" -> fen; anything else (negative, 3 decimals, text) -> null. */
function yuanToFen(text) {
  return parseScaled(text, 2)
}

/** Scaled integer -> decimal string with `digits` decimals, rounded half away from zero. */
function scaled(value, divisor, digits) {
  if (!isInt(value)) return '--'
  const step = divisor / Math.pow(10, digits)
  const sign = value < 0 ? '-' : ''
  const units = Math.floor((Math.abs(value) + step / 2) / step)
  const base = Math.pow(10, digits)
  const whole = Math.floor(units / base)
  return digits ? `${sign}${whole}.${pad(units % base, digits)}` : `${sign}${whole}`
}

/** 12345 Wh -> "12.35" (kWh). */
function whToKwh(wh, digits = 2) {
  return scaled(wh, 1000, digits)
}

/** 7400 W -> "7.4" (kW). */
function wToKw(w, digits = 1) {
  return scaled(w, 1000, digits)
}

/** 3725 s -> "1:02:05", 65 -> "0:01:05". */
function duration(seconds) {
  if (!isInt(seconds) || seconds < 0) return '--'
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  return `${h}:${pad(m)}:${pad(seconds % 60)}`
}

/** Minutes -> "1h 05m"-style text in Chinese units. */
function minutesText(minutes) {
  if (!isInt(minutes) || minutes < 0) return '--'
  const h = Math.floor(minutes / 60)
  return h ? `${h}小时${pad(minutes % 60)}分` : `${minutes}分钟`
}

function toDate(iso) {
  if (!iso) return null
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? null : d
}

/** ISO UTC -> "2024-05-01 13:05" in the device's local time. */
function dateTime(iso) {
  const d = toDate(iso)
  if (!d) return '--'
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** ISO UTC -> "13:05" local. */
function clock(iso) {
  const d = toDate(iso)
  return d ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : '--'
}

/** Metres -> "850 m" / "1.2 km". */
function distance(m) {
  if (!isInt(m)) return ''
  return m < 1000 ? `${m} m` : `${scaled(m, 1000, 1)} km`
}

/** Price per kWh in fen -> "¥1.20/kWh". */
function pricePerKwh(fen) {
  return isInt(fen) ? `${yuan(fen)}/kWh` : '--'
}

/** Masked phone as given by the API, or "" when none. */
function phone(masked) {
  return masked || ''
}

module.exports = {
  pad, fenToYuan, yuan, yuanToFen, parseScaled, whToKwh, wToKw, duration, minutesText, dateTime, clock,
  distance, pricePerKwh, phone,
}
