const { renderPage, tap, input, text, flush, freshWx, fire, find, findAll } = require('../helpers/render')
const { aStation } = require('../helpers/builders')
const strings = require('../../utils/strings')

let env
beforeEach(() => {
  env = freshWx()
})

function nearbyReturns(list) {
  env.route('GET /api/v1/driver/stations/nearby', () => env.respond(200, list, { 'X-Total-Count': String(list.length) }))
}

test('map markers coloured by availability, list sorted as the server sent it', async () => {
  nearbyReturns([aStation(), aStation({ id: 2, name: '满电站', free: 0, occupied: 6 }), aStation({ id: 3, name: '离线站', free: 0, occupied: 0, offline: 8 })])
  const page = await renderPage('pages/index/index')
  const call = env.calls.find((c) => c.path === '/api/v1/driver/stations/nearby')
  expect(call.query).toMatchObject({ lat: '22.54', lng: '114.05' })
  expect(call.header.Authorization).toBe('Bearer access-1')
  expect(page.data.markers.map((m) => m.iconPath)).toEqual([
    '/images/marker-free.png', '/images/marker-occupied.png', '/images/marker-offline.png'])
  expect(page.data.status).toBe('ready')

  await tap(page, '.mode-list')
  const names = findAll(page, '.station-item').map((c) => c.data.v.name)
  expect(names).toEqual(['科技园充电站', '满电站', '离线站'])
  expect(text(page)).toContain('¥1.20/kWh')
  expect(text(page)).toContain('850 m')
})

test('filters are sent to the server and search filters locally', async () => {
  nearbyReturns([aStation()])
  const page = await renderPage('pages/index/index')
  await tap(page, '.kind-dc')
  await tap(page, '.free-only')
  const last = env.calls.filter((c) => c.path.endsWith('/nearby')).pop()
  expect(last.query).toMatchObject({ kind: 'dc', free: 'true' })

  env.route('GET /api/v1/driver/stations/search', (req) => {
    expect(req.query.q).toBe('科技')
    return [aStation({ id: 5, kinds: ['ac'] }), aStation({ id: 6, name: '直流站', kinds: ['dc'] })]
  })
  await input(page, '.search-input', '科技')
  await tap(page, '.do-search')
  expect(page.data.stations.map((s) => s.id)).toEqual([6])
})

test('empty and error states, retry', async () => {
  nearbyReturns([])
  const page = await renderPage('pages/index/index')
  expect(page.data.status).toBe('empty')
  expect(text(page)).toContain(strings.index.empty)

  env.route('GET /api/v1/driver/stations/nearby', () => env.error(503, 'server_error'))
  await page.instance.reload()
  expect(page.data.status).toBe('error')
  nearbyReturns([aStation()])
  await tap(page, '.state >>> .retry')
  await flush()
  expect(page.data.status).toBe('ready')
})

test('location refused falls back to the default centre', async () => {
  env.wx.getLocation.mockImplementation((o) => o.fail({ errMsg: 'getLocation:fail auth deny' }))
  nearbyReturns([aStation()])
  const page = await renderPage('pages/index/index')
  expect(page.data.locationDenied).toBe(true)
  expect(text(page)).toContain(strings.index.locationDenied)
})

test('marker tap shows the station card; navigate and open', async () => {
  nearbyReturns([aStation(), aStation({ id: 2, name: '第二站' })])
  const page = await renderPage('pages/index/index')
  await fire(page, '#map', 'markertap', { markerId: 1 })
  expect(page.data.selected.name).toBe('第二站')
  const card = find(page, '.selected-card')
  await tap(card, '.nav')
  expect(env.wx.openLocation).toHaveBeenCalledWith(expect.objectContaining({ latitude: 22.54, longitude: 114.05, name: '第二站' }))
  await tap(card, '.station-card')
  expect(env.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/station/index?id=2' }))
})

test('scan: our QR opens the confirm page, a foreign QR is refused, cancel does nothing', async () => {
  nearbyReturns([aStation()])
  const page = await renderPage('pages/index/index')
  await tap(page, '.scan-fab')
  await flush()
  expect(env.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({
    url: `/pages/scan/index?qr=${encodeURIComponent('https://qr.example.com/c/CP-1/1')}` }))

  env.wx.scanCode.mockImplementation((o) => o.success({ result: 'hello world' }))
  await tap(page, '.scan-fab')
  await flush()
  expect(env.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: strings.scan.notOurs }))

  env.wx.navigateTo.mockClear()
  env.wx.scanCode.mockImplementation((o) => o.fail({ errMsg: 'scanCode:fail cancel' }))
  await tap(page, '.scan-fab')
  await flush()
  expect(env.wx.navigateTo).not.toHaveBeenCalled()
})

test('pull-to-refresh reloads and stops the indicator; reach bottom loads more in list mode', async () => {
  const first = Array.from({ length: 20 }, (_, i) => aStation({ id: i + 1 }))
  env.route('GET /api/v1/driver/stations/nearby', (req) => {
    const items = req.query.offset === '0' ? first : [aStation({ id: 21 })]
    return env.respond(200, items, { 'X-Total-Count': '21' })
  })
  const page = await renderPage('pages/index/index')
  await page.instance.onPullDownRefresh()
  expect(env.wx.stopPullDownRefresh).toHaveBeenCalled()
  await tap(page, '.mode-list')
  await page.instance.onReachBottom()
  expect(page.data.stations).toHaveLength(21)
  expect(page.data.pager.done).toBe(true)
})

test('an open session is offered on the home page', async () => {
  nearbyReturns([aStation()])
  env.route('GET /api/v1/driver/sessions/current', () => [{ order_id: 42, step: 'charging' }])
  const page = await renderPage('pages/index/index')
  expect(text(page)).toContain(strings.index.resume)
  await tap(page, '.resume')
  expect(env.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/charging/index?order_id=42' }))
})

describe('the privacy guide before the location', () => {
  const { load, simulate } = require('../helpers/render')
  const POPUP = '.privacy >>> '

  /** Render and start onLoad without waiting: it waits for the user's answer. */
  async function started() {
    const page = simulate.render(load('pages/index/index'))
    page.attach(document.createElement('parent-wrapper'))
    const loading = page.instance.onLoad({})
    await flush()
    return { page, loading }
  }

  beforeEach(() => {
    env.privacy.needAuthorization = true
    nearbyReturns([aStation()])
  })

  test('agreeing through WeChat\'s button gets the location', async () => {
    const { page, loading } = await started()
    expect(env.wx.getLocation).not.toHaveBeenCalled()
    expect(env.privacy.asked).toEqual(['requirePrivacyAuthorize'])
    expect(text(page)).toContain(strings.privacy.title)
    expect(text(page)).toContain('《充电小程序隐私保护指引》')
    await tap(page, `${POPUP}.contract`)
    expect(env.wx.openPrivacyContract).toHaveBeenCalled()
    await fire(page, `${POPUP}#agree-privacy`, 'agreeprivacyauthorization')
    await loading
    expect(env.wx.getLocation).toHaveBeenCalled()
    expect(find(page, `${POPUP}.mask`)).toBeFalsy()
    expect(env.calls.find((c) => c.path.endsWith('/nearby')).query).toMatchObject({ lat: '22.54', lng: '114.05' })
    expect(page.data.locationDenied).toBe(false)
  })

  test('refusing keeps the map on the default area, the location never asked for', async () => {
    const { page, loading } = await started()
    await tap(page, `${POPUP}.disagree`)
    await loading
    expect(env.wx.getLocation).not.toHaveBeenCalled()
    expect(page.data.locationDenied).toBe(true)
    expect(env.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: strings.errors.privacy_denied }))
  })
})
