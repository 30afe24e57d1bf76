/** Favourite stations. */
const api = require('./request')

function list() {
  return api.get('/driver/favourites')
}

function add(stationId) {
  return api.put(`/driver/favourites/${encodeURIComponent(stationId)}`)
}

function remove(stationId) {
  return api.del(`/driver/favourites/${encodeURIComponent(stationId)}`)
}

module.exports = { list, add, remove }
