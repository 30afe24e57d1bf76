const { renderPage, tap, text, flush, freshWx, findAll } = require('../helpers/render')
const { anOrder } = require('../helpers/builders')
const strings = require('../../utils/strings')

let env
beforeEach(() => {
  env = freshWx()
})

function ordersPaged(total) {
  env.route('GET /api/v1/driver/orders', (req) => {
    const offset = parseInt(req.query.offset, 10)
    const limit = parseInt(req.query.limit, 10)
    const items = []
    for (let i = offset; i < Math.min(total, offset + limit); i++) items.push(anOrder({ id: `o${i}`, state: req.query.state || 'paid' }))
    return env.respond(200, items, { 'X-Total-Count': String(total) })
  })
}

test('first page, load more until done, pull-to-refresh', async () => {
  ordersPaged(25)
  const page = await renderPage('pages/orders/index')
  expect(findAll(page, '.order-item')).toHaveLength(20)
  expect(text(page)).toContain('¥12.00')
  expect(text(page)).toContain('10.00 kWh')
  await page.instance.onReachBottom()
  await flush()
  expect(findAll(page, '.order-item')).toHaveLength(25)
  expect(text(page)).toContain(strings.common.noMore)
  const before = env.calls.length
  await page.instance.onReachBottom()
  expect(env.calls.length).toBe(before)
  await page.instance.onPullDownRefresh()
  expect(env.wx.stopPullDownRefresh).toHaveBeenCalled()
  expect(page.data.items).toHaveLength(20)
})

test('unpaid filter and empty state', async () => {
  ordersPaged(0)
  const page = await renderPage('pages/orders/index')
  expect(page.data.status).toBe('empty')
  expect(text(page)).toContain(strings.orders.empty)
  ordersPaged(2)
  await tap(page, '.filter-unpaid')
  const last = env.calls.filter((c) => c.path === '/api/v1/driver/orders').pop()
  expect(last.query.state).toBe('unpaid')
  expect(text(page)).toContain(strings.orderStates.unpaid)
})

test('tap opens the detail; error state', async () => {
  ordersPaged(1)
  const page = await renderPage('pages/orders/index')
  await tap(page, '.order-item')
  expect(env.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/order/index?id=o0' }))
  env.route('GET /api/v1/driver/orders', () => env.error(500, 'internal'))
  await page.instance.reload()
  expect(page.data.status).toBe('error')
  expect(text(page)).toContain(strings.errors.server_error)
})
