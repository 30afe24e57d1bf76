/** Feedback with photos. */
const api = require('./request')

function list(paging = {}) {
  return api.page('/driver/feedback', { limit: paging.limit || 20, offset: paging.offset || 0 })
}

function get(id) {
  return api.get(`/driver/feedback/${encodeURIComponent(id)}`)
}

/** item: {category, content, photos: [url], order_id?, station_id?}. */
function create(item) {
  return api.post('/driver/feedback', item)
}

module.exports = { list, get, create }
