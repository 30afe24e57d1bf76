const { renderPage, tap, input, text, flush, freshWx, find } = require('../helpers/render')
const { anOrder } = require('../helpers/builders')
const strings = require('../../utils/strings')

let env
let order
beforeEach(() => {
  env = freshWx()
  order = anOrder()
  env.route('GET /api/v1/driver/orders/ord-1', () => order)
})

test('bill lines and totals', async () => {
  const page = await renderPage('pages/order/index', { id: 'ord-1' })
  const t = text(page)
  expect(t).toContain('科技园充电站')
  expect(t).toContain('¥8.00')
  expect(t).toContain('¥4.00')
  expect(t).toContain('¥12.00')
  expect(t).toContain('¥0.80/kWh + ¥0.40/kWh')
  expect(t).toContain(strings.reasons.driver)
  expect(find(page, '.pay')).toBeUndefined()
})

test('refund status', async () => {
  order = anOrder({ state: 'refunded', refunded_fen: 500 })
  const page = await renderPage('pages/order/index', { id: 'ord-1' })
  expect(text(page)).toContain('¥5.00')
  expect(text(page)).toContain(strings.paymentStates.refunded)
})

test('unpaid order paid from the wallet (signed); short of funds goes to the wallet', async () => {
  order = anOrder({ state: 'unpaid', paid_fen: 0 })
  env.route('POST /api/v1/driver/orders/ord-1/pay', (req) => {
    expect(req.header['X-Signature']).toMatch(/^[0-9a-f]{64}$/)
    expect(req.rawBody).toBeUndefined()
    order = anOrder({ state: 'paid' })
    return order
  })
  const page = await renderPage('pages/order/index', { id: 'ord-1' })
  await tap(page, '.pay')
  await flush()
  expect(page.data.v.state).toBe('paid')

  order = anOrder({ state: 'unpaid' })
  env.route('POST /api/v1/driver/orders/ord-1/pay', () => env.error(402, 'insufficient_funds'))
  await page.instance.reload()
  await tap(page, '.pay')
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.errors.insufficient_funds }))
  expect(env.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/wallet/index' }))
})

test('rating: stars and comment, once', async () => {
  env.route('POST /api/v1/driver/orders/ord-1/rating', (req) => {
    expect(req.body).toEqual({ station_stars: 4, experience_stars: 5, comment: '不错' })
    return env.respond(201, {})
  })
  const page = await renderPage('pages/order/index', { id: 'ord-1' })
  await tap(page, '.submit-rating')
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.errors.validation_error }))
  await tap(page, '.station-stars >>> .star')
  await flush()
  const stars = find(page, '.station-stars')
  stars.querySelectorAll('.star')[3].dispatchEvent('tap')
  await flush()
  find(page, '.experience-stars').querySelectorAll('.star')[4].dispatchEvent('tap')
  await flush()
  await input(page, '.comment', ' 不错 ')
  await tap(page, '.submit-rating')
  expect(text(page)).toContain(strings.order.rated)
  expect(find(page, '.rate-card')).toBeUndefined()
})

test('already rated order shows no form; error state', async () => {
  order = anOrder({ rated: true })
  const page = await renderPage('pages/order/index', { id: 'ord-1' })
  expect(find(page, '.rate-card')).toBeUndefined()
  env.route('GET /api/v1/driver/orders/ord-1', () => env.error(404, 'not_found'))
  await page.instance.reload()
  expect(page.data.status).toBe('error')
})

test('a paid order opens its invoice page; an unpaid one has no invoice entry', async () => {
  const page = await renderPage('pages/order/index', { id: 'ord-1' })
  await tap(page, '.invoice-entry')
  expect(env.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/invoice/index?order_id=ord-1' }))
  order = anOrder({ state: 'unpaid', paid_fen: 0 })
  const unpaid = await renderPage('pages/order/index', { id: 'ord-1' })
  expect(find(unpaid, '.invoice-entry')).toBeFalsy()
})
