/** The driver's vehicles. */
const api = require('./request')

function list() {
  return api.get('/driver/vehicles')
}

/** vehicle: {plate, model?, connector_type?, is_default?}. */
function create(vehicle) {
  return api.post('/driver/vehicles', vehicle)
}

function update(id, fields) {
  return api.patch(`/driver/vehicles/${encodeURIComponent(id)}`, fields)
}

function remove(id) {
  return api.del(`/driver/vehicles/${encodeURIComponent(id)}`)
}

module.exports = { list, create, update, remove }
