/**
 * Connector QR codes: `{qr_base_url}/{charge_point_id}/{connector_id}` (docs/contract.md
 * "Scan to charge"). The server has the final word (GET /driver/scan); this only rejects what is
 * plainly not one of ours before a round trip, and reads the `q` launch option of a WeChat
 * "scan ordinary QR code" start.
 */
function safeDecode(s) {
  try {
    return decodeURIComponent(s)
  } catch (e) {
    return s
  }
}

/** -> {chargePointId, connectorId, content} or null. `base` (qr_base_url) is checked when given. */
function parseQr(content, base) {
  if (typeof content !== 'string') return null
  const text = content.trim()
  if (!/^https?:\/\//i.test(text)) return null
  let rest
  if (base) {
    const prefix = base.replace(/\/+$/, '') + '/'
    if (text.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return null
    rest = text.slice(prefix.length)
  } else {
    rest = text.replace(/^https?:\/\/[^/]+\/(.*)$/i, '$1')
  }
  const parts = rest.split(/[?#]/)[0].split('/').filter(Boolean)
  if (parts.length < 2) return null
  const connector = parts[parts.length - 1]
  const chargePointId = safeDecode(parts[parts.length - 2])
  if (!/^\d{1,3}$/.test(connector) || !chargePointId) return null
  return { chargePointId, connectorId: parseInt(connector, 10), content: text }
}

/** Page options -> QR content: `qr` (our own navigation) or `q` (WeChat launch, URL-encoded). */
function qrFromOptions(options) {
  if (!options) return ''
  if (options.qr) return safeDecode(options.qr)
  if (options.q) return safeDecode(options.q)
  return ''
}

module.exports = { parseQr, qrFromOptions }
