const { renderPage, tap, text, freshWx, findAll } = require('../helpers/render')
const { aStationDetail, aDriverConfig } = require('../helpers/builders')
const strings = require('../../utils/strings')

let env
beforeEach(() => {
  env = freshWx()
  env.route('GET /api/v1/driver/stations/1', () => aStationDetail())
  env.route('GET /api/v1/driver/stations/1/reviews', () => [{ order_id: 'o1', station_stars: 5, experience_stars: 4, comment: '很好用', nickname: '张三', created_at: '2024-05-01T02:00:00Z' }])
  env.route('GET /api/v1/driver/config', () => aDriverConfig())
})

test('connectors, tariff and reviews', async () => {
  const page = await renderPage('pages/station/index', { id: '1' })
  const t = text(page)
  expect(t).toContain('科技园充电站')
  expect(t).toContain('CP-1 #1')
  expect(t).toContain('60 kW')
  expect(t).toContain(strings.connectorStatus.occupied)
  expect(t).toContain('谷 00:00-08:00')
  expect(t).toContain('¥0.70/kWh')
  expect(t).toContain('很好用')
  // only the free connector offers reserve/charge
  expect(findAll(page, '.charge-btn')).toHaveLength(1)
})

test('favourite toggles with PUT and DELETE, and rolls back on failure', async () => {
  env.route('PUT /api/v1/driver/favourites/1', () => env.respond(204))
  env.route('DELETE /api/v1/driver/favourites/1', () => env.error(503, 'server_error'))
  const page = await renderPage('pages/station/index', { id: '1' })
  await tap(page, '.fav')
  expect(page.data.favourite).toBe(true)
  expect(env.calls.some((c) => c.method === 'PUT' && c.path === '/api/v1/driver/favourites/1')).toBe(true)
  await tap(page, '.fav')
  expect(page.data.favourite).toBe(true)
  expect(env.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: strings.errors.server_error }))
})

test('navigation opens the location', async () => {
  const page = await renderPage('pages/station/index', { id: '1' })
  await tap(page, '.nav-btn')
  expect(env.wx.openLocation).toHaveBeenCalledWith(expect.objectContaining({ latitude: 22.54, longitude: 114.05, name: '科技园充电站' }))
})

test('reserve is signed and reports the hold time; refusal is explained', async () => {
  env.route('POST /api/v1/driver/reservations', (req) => {
    expect(req.body).toEqual({ charge_point_id: 'CP-1', connector_id: 1 })
    expect(req.header['X-Signature']).toMatch(/^[0-9a-f]{64}$/)
    return { id: 9, state: 'active', charge_point_id: 'CP-1', connector_id: 1, expires_at: '2024-05-01T02:15:00Z', fee_fen: 0 }
  })
  const page = await renderPage('pages/station/index', { id: '1' })
  await tap(page, '.reserve-btn')
  expect(env.wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ content: expect.stringContaining('15分钟') }))
  expect(env.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: expect.stringContaining('预约成功') }))

  env.route('POST /api/v1/driver/reservations', () => env.error(429, 'rate_limited'))
  await tap(page, '.reserve-btn')
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.errors.rate_limited }))
})

test('charge goes to the confirm page with the connector QR', async () => {
  const page = await renderPage('pages/station/index', { id: '1' })
  await tap(page, '.charge-btn')
  expect(env.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({
    url: `/pages/scan/index?qr=${encodeURIComponent('https://qr.example.com/c/CP-1/1')}` }))
})

test('error state when the station is missing', async () => {
  env.route('GET /api/v1/driver/stations/1', () => env.error(404, 'not_found'))
  const page = await renderPage('pages/station/index', { id: '1' })
  expect(page.data.status).toBe('error')
  expect(text(page)).toContain(strings.errors.not_found)
})
