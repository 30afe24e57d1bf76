/** Charging sessions: start (wallet or prepay), read, stop, stop-at. Writes are signed. */
const api = require('./request')

/**
 * start({chargePointId, connectorId, payMode: 'wallet'|'prepay', prepayFen?, vehicleId?, stopAt?})
 * -> <session> (with `payment.pay_params` for prepay).
 */
function start(p) {
  const body = { charge_point_id: p.chargePointId, connector_id: p.connectorId, pay_mode: p.payMode }
  if (p.payMode === 'prepay') body.prepay_fen = p.prepayFen
  if (p.vehicleId) body.vehicle_id = p.vehicleId
  if (p.stopAt && Object.keys(p.stopAt).length) body.stop_at = p.stopAt
  return api.post('/driver/sessions', body, { signed: true })
}

function current() {
  return api.get('/driver/sessions/current')
}

function get(orderId) {
  return api.get(`/driver/sessions/${encodeURIComponent(orderId)}`)
}

function stop(orderId) {
  return api.post(`/driver/sessions/${encodeURIComponent(orderId)}/stop`, undefined, { signed: true })
}

/** stopAt: {energy_wh?, amount_fen?, minutes?} (an empty object clears them). */
function setStopAt(orderId, stopAt) {
  return api.put(`/driver/sessions/${encodeURIComponent(orderId)}/stop-at`, stopAt, { signed: true })
}

module.exports = { start, current, get, stop, setStopAt }
