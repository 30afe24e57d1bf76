const { renderPage, tap, text, flush, freshWx, find } = require('../helpers/render')
const { aPayment } = require('../helpers/builders')
const strings = require('../../utils/strings')

let env
let p
beforeEach(() => {
  env = freshWx()
  p = aPayment({ state: 'paid', paid_at: '2024-05-01T02:01:00Z', pay_params: null, refunded_fen: 1000, kind: 'prepay' })
  env.route('GET /api/v1/driver/payments/pay-1', () => p)
})

test('refund status of a partly refunded payment', async () => {
  const page = await renderPage('pages/payment/index', { id: 'pay-1' })
  expect(text(page)).toContain('¥50.00')
  expect(text(page)).toContain(`${strings.paymentStates.refunded} ¥10.00`)
  expect(find(page, '.pay')).toBeUndefined()
})

test('refunding and a pending payment that can still be paid', async () => {
  p = aPayment({ state: 'refunding' })
  let page = await renderPage('pages/payment/index', { id: 'pay-1' })
  expect(text(page)).toContain(strings.paymentStates.refunding)
  p = aPayment()
  env.route('POST /api/v1/driver/payments/pay-1/sync', () => { p = aPayment({ state: 'paid', pay_params: null }); return p })
  page = await renderPage('pages/payment/index', { id: 'pay-1' })
  await tap(page, '.pay')
  await flush()
  expect(page.data.v.state).toBe('paid')
})

test('error state', async () => {
  env.route('GET /api/v1/driver/payments/pay-1', () => env.error(404, 'not_found'))
  const page = await renderPage('pages/payment/index', { id: 'pay-1' })
  expect(page.data.status).toBe('error')
})
