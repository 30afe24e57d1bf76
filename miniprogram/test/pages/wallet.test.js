const { renderPage, tap, input, text, flush, freshWx, findAll } = require('../helpers/render')
const { aPayment } = require('../helpers/builders')
const strings = require('../../utils/strings')

let env
let balance
beforeEach(() => {
  env = freshWx()
  balance = 5000
  env.route('GET /api/v1/driver/wallet', () => ({ balance_fen: balance }))
  env.route('GET /api/v1/driver/wallet/ledger', (req) => {
    const offset = parseInt(req.query.offset, 10)
    const all = Array.from({ length: 22 }, (_, i) => ({
      id: i + 1, kind: i === 0 ? 'topup' : 'charge', amount_fen: i === 0 ? 5000 : -100, balance_after_fen: 5000,
      order_id: i === 0 ? null : `o${i}`, payment_id: i === 0 ? 'pay-1' : null, note: '', created_at: '2024-05-01T02:00:00Z',
    }))
    return env.respond(200, all.slice(offset, offset + 20), { 'X-Total-Count': '22' })
  })
  env.route('POST /api/v1/driver/wallet/topups', (req) => {
    expect(req.header['X-Signature']).toMatch(/^[0-9a-f]{64}$/)
    return aPayment({ amount_fen: req.body.amount_fen })
  })
})

test('balance and ledger with load more; entries open payment or order', async () => {
  const page = await renderPage('pages/wallet/index')
  expect(text(page)).toContain('¥50.00')
  expect(text(page)).toContain('+50.00')
  expect(text(page)).toContain('-1.00')
  expect(findAll(page, '.entry')).toHaveLength(20)
  await page.instance.onReachBottom()
  expect(findAll(page, '.entry')).toHaveLength(22)
  await tap(page, '.entry')
  expect(env.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/payment/index?id=pay-1' }))
})

test('top-up success: signed, paid with WeChat Pay, confirmed, balance refreshed', async () => {
  env.route('POST /api/v1/driver/payments/pay-1/sync', () => {
    balance = 15000
    return aPayment({ state: 'paid', pay_params: null })
  })
  const page = await renderPage('pages/wallet/index')
  await tap(page, '.topup-picker >>> .amount-10000')
  await tap(page, '.topup')
  await flush()
  const call = env.calls.find((c) => c.path === '/api/v1/driver/wallet/topups')
  expect(call.body).toEqual({ amount_fen: 10000 })
  expect(env.wx.requestPayment).toHaveBeenCalled()
  expect(env.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: strings.pay.success }))
  expect(text(page)).toContain('¥150.00')
})

test('top-up with a custom amount in yuan; invalid amount refused locally', async () => {
  env.route('POST /api/v1/driver/payments/pay-1/sync', () => aPayment({ state: 'paid' }))
  const page = await renderPage('pages/wallet/index')
  await input(page, '.topup-picker >>> .custom', '12.5')
  await tap(page, '.topup')
  await flush()
  expect(env.calls.find((c) => c.path.endsWith('/topups')).body).toEqual({ amount_fen: 1250 })
  await input(page, '.topup-picker >>> .custom', '1.234')
  await tap(page, '.topup')
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.wallet.invalidAmount }))
})

test('top-up cancelled closes the payment; failed says so', async () => {
  env.route('POST /api/v1/driver/payments/pay-1/cancel', () => aPayment({ state: 'closed' }))
  env.wx.requestPayment.mockImplementationOnce((o) => o.fail({ errMsg: 'requestPayment:fail cancel' }))
  const page = await renderPage('pages/wallet/index')
  await tap(page, '.topup')
  await flush()
  expect(env.calls.some((c) => c.path === '/api/v1/driver/payments/pay-1/cancel')).toBe(true)
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.pay.cancelled }))

  env.wx.requestPayment.mockImplementationOnce((o) => o.fail({ errMsg: 'requestPayment:fail system error' }))
  await tap(page, '.topup')
  await flush()
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.pay.failed }))
})

test('error state', async () => {
  env.route('GET /api/v1/driver/wallet', () => env.error(503, 'server_error'))
  const page = await renderPage('pages/wallet/index')
  expect(page.data.status).toBe('error')
})
