/** Wallet balance, ledger, top-ups and payment records. */
const api = require('./request')

function balance() {
  return api.get('/driver/wallet')
}

function ledger(paging = {}) {
  return api.page('/driver/wallet/ledger', { limit: paging.limit || 20, offset: paging.offset || 0 })
}

/** -> <payment> with pay_params for wx.requestPayment. */
function topup(amountFen) {
  return api.post('/driver/wallet/topups', { amount_fen: amountFen }, { signed: true })
}

function payment(id) {
  return api.get(`/driver/payments/${encodeURIComponent(id)}`)
}

function syncPayment(id) {
  return api.post(`/driver/payments/${encodeURIComponent(id)}/sync`)
}

/** Signed: the CSMS treats giving up a payment as sensitive (it cancels the order too). */
function cancelPayment(id) {
  return api.post(`/driver/payments/${encodeURIComponent(id)}/cancel`, undefined, { signed: true })
}

module.exports = { balance, ledger, topup, payment, syncPayment, cancelPayment }
