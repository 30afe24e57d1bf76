/** Connector reservations (signed). */
const api = require('./request')

function list() {
  return api.get('/driver/reservations')
}

function create(chargePointId, connectorId) {
  return api.post('/driver/reservations', { charge_point_id: chargePointId, connector_id: connectorId }, { signed: true })
}

function cancel(id) {
  return api.del(`/driver/reservations/${encodeURIComponent(id)}`, { signed: true })
}

module.exports = { list, create, cancel }
