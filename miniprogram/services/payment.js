/**
 * Paying a <payment> with wx.requestPayment and confirming it with the CSMS.
 * Outcomes: 'paid', 'pending' (WeChat said ok, CSMS not yet confirmed), 'cancelled', 'failed'.
 */
const wallet = require('./wallet')

const OUTCOME = { paid: 'paid', refunding: 'paid', refunded: 'paid', pending: 'pending', closed: 'failed' }

function requestPayment(params) {
  return new Promise((resolve, reject) => {
    wx.requestPayment(Object.assign({}, params, { success: resolve, fail: reject }))
  })
}

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Pay and confirm: -> {outcome, payment?, message?}. A cancel closes the pending payment. */
async function pay(payment, opts = {}) {
  if (!payment || !payment.pay_params) return { outcome: 'failed', message: 'no pay_params', payment }
  try {
    await requestPayment(payment.pay_params)
  } catch (err) {
    const msg = (err && err.errMsg) || ''
    if (/cancel/i.test(msg)) {
      let closed = payment
      try {
        closed = await wallet.cancelPayment(payment.id)
      } catch (e) {
        // The CSMS closes unpaid payments itself when they time out.
      }
      return { outcome: 'cancelled', payment: closed }
    }
    return { outcome: 'failed', message: msg, payment }
  }
  let current = await wallet.syncPayment(payment.id)
  const attempts = opts.confirmAttempts === undefined ? 5 : opts.confirmAttempts
  for (let i = 0; i < attempts && current.state === 'pending'; i++) {
    await wait(opts.confirmDelayMs || 1000)
    current = await wallet.payment(payment.id)
  }
  return { outcome: OUTCOME[current.state] || 'failed', payment: current }
}

module.exports = { pay }
