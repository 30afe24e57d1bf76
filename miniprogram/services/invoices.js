/** Invoices (发票): one per paid order. */
const api = require('./request')

function forOrder(orderId) {
  return api.get(`/driver/orders/${encodeURIComponent(orderId)}/invoice`)
}

/** body: {title_type: 'personal'|'company', title, tax_number? (company), email}. */
function request(orderId, body) {
  return api.post(`/driver/orders/${encodeURIComponent(orderId)}/invoice`, body)
}

function list(paging = {}) {
  return api.page('/driver/invoices', { limit: paging.limit || 20, offset: paging.offset || 0 })
}

module.exports = { forOrder, request, list }
