/** Orders: paged list, detail with bill lines, wallet pay of an unpaid order, rating. */
const api = require('./request')

function list(paging = {}) {
  return api.page('/driver/orders', { state: paging.state, limit: paging.limit || 20, offset: paging.offset || 0 })
}

function get(id) {
  return api.get(`/driver/orders/${encodeURIComponent(id)}`)
}

function pay(id) {
  return api.post(`/driver/orders/${encodeURIComponent(id)}/pay`, undefined, { signed: true })
}

/** rating: {station_stars 1-5, experience_stars 1-5, comment?}. */
function rate(id, rating) {
  return api.post(`/driver/orders/${encodeURIComponent(id)}/rating`, rating)
}

module.exports = { list, get, pay, rate }
