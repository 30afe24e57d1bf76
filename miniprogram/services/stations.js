/** Stations for the map, search, detail, reviews and the scan lookup. */
const api = require('./request')

/** filters: {kind: 'dc'|'ac'|'', free: bool, radiusM, limit, offset} -> {items, total}. */
function nearby(lat, lng, filters = {}) {
  return api.page('/driver/stations/nearby', {
    lat, lng,
    radius_m: filters.radiusM,
    kind: filters.kind || undefined,
    free: filters.free ? 'true' : undefined,
    max_price_fen: filters.maxPriceFen,
    limit: filters.limit || 20,
    offset: filters.offset || 0,
  })
}

function search(q, lat, lng, paging = {}) {
  return api.page('/driver/stations/search', { q, lat, lng, limit: paging.limit || 20, offset: paging.offset || 0 })
}

function detail(id) {
  return api.get(`/driver/stations/${encodeURIComponent(id)}`)
}

function reviews(id, paging = {}) {
  return api.page(`/driver/stations/${encodeURIComponent(id)}/reviews`, { limit: paging.limit || 10, offset: paging.offset || 0 })
}

/** What a scanned QR points to: connector, price now, balance, can_start/reason. */
function scan(qrContent) {
  return api.get('/driver/scan', { qr: qrContent })
}

module.exports = { nearby, search, detail, reviews, scan }
