/**
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 *
 * End to end through the pages: the real pages (miniprogram-simulate) on a `wx` over real sockets,
 * against a running CSMS, its WeChat emulator and a simulated charge point: wallet top-up ->
 * map -> scan confirm -> start (wallet) with progress -> live charging page -> stop -> bill page.
 * Same env vars as driver-flow.test.js; charges on CSMS_E2E_PAGES_CONNECTOR (default 3), so run
 * the e2e files one after the other (jest --runInBand test/e2e).
 */
const { renderPage, tap, text, flush, find, findAll } = require('../helpers/render')
const { createNodeWx } = require('./wx-node')

const API = process.env.CSMS_E2E_URL
const EMULATOR = process.env.CSMS_E2E_EMULATOR_URL
const suite = API && EMULATOR ? describe : describe.skip

jest.setTimeout(180000)

async function eventually(check, what, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const result = await check()
    if (result) return result
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

suite('pages against a running CSMS', () => {
  let env
  let services

  beforeAll(() => {
    env = createNodeWx({ emulatorUrl: EMULATOR.replace(/\/$/, ''), user: `mp-pages-${Date.now()}-${Math.floor(Math.random() * 1e6)}` })
    const config = require('../../config')
    config.apiBaseUrl = API.replace(/\/$/, '')
    config.wsBaseUrl = config.apiBaseUrl.replace(/^http/, 'ws')
    services = { driverConfig: require('../../services/driver-config'), stations: require('../../services/stations') }
  })

  let live = null
  beforeEach(() => { global.wx = env.wx })
  afterAll(() => {
    if (live) live.instance.onUnload()
    env.closeAll()
  })

  test('top-up, map, scan, charge, stop and the bill, page by page', async () => {
    const cfg = await services.driverConfig.load()
    const cpId = process.env.CSMS_E2E_CHARGE_POINT || 'DEMO-SCAN'
    const connector = process.env.CSMS_E2E_PAGES_CONNECTOR || '3'
    const qr = `${cfg.qr_base_url}/${cpId}/${connector}`

    // wallet: top up ¥100 through WeChat Pay (emulated payer)
    const wallet = await renderPage('pages/wallet/index')
    expect(wallet.data.status).toBe('ready')
    await tap(wallet, '.topup-picker >>> .amount-10000')
    await tap(wallet, '.topup')
    // reloading as a driver would pull to refresh: the credit may trail the payment by a moment
    await eventually(async () => { await wallet.instance.reload(); return /¥100\.00/.test(text(wallet)) }, 'balance after top-up', 15000)

    // map: the station of the charge point is listed near the phone
    const station = (await services.stations.scan(qr)).station
    const detail = await services.stations.detail(station.id)
    env.location.latitude = detail.lat
    env.location.longitude = detail.lng
    const home = await renderPage('pages/index/index')
    await eventually(() => home.data.status === 'ready', 'map loaded', 15000)
    expect(home.data.stations.map((x) => x.id)).toContain(station.id)
    expect(home.data.markers.length).toBe(home.data.stations.length)

    // station detail renders its tariff and connectors
    const stationPage = await renderPage('pages/station/index', { id: String(station.id) })
    await eventually(() => stationPage.data.status === 'ready', 'station loaded', 15000)
    expect(text(stationPage)).toContain(`${cpId} #${connector}`)

    // scan confirm -> start with the wallet -> progress -> redirected to the live page
    const scan = await renderPage('pages/scan/index', { qr: encodeURIComponent(qr) })
    await eventually(() => scan.data.phase === 'confirm', 'confirm page', 15000)
    expect(scan.data.payMode).toBe('wallet')
    expect(text(scan)).toContain(`${cpId} #${connector}`)
    await tap(scan, '.start')
    const charging = await eventually(() => env.log.navigations.find((u) => u.startsWith('/pages/charging/index?order_id=')), 'charging', 90000)
    const orderId = decodeURIComponent(charging.split('=')[1])

    // live page: figures arrive, then stop
    live = await renderPage('pages/charging/index', { order_id: orderId })
    await eventually(() => live.data.session && live.data.session.energy_wh > 0, 'energy on the live page', 60000)
      .catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(live.data.session)} mode=${live.data.mode} status=${live.data.status} ${live.data.errorText}`) })
    await eventually(() => live.data.mode === 'live', 'socket live', 15000)
    expect(text(live)).toMatch(/kW/)
    await tap(live, '.stop')
    const bill = await eventually(() => env.log.navigations.find((u) => u === `/pages/order/index?id=${encodeURIComponent(orderId)}`), 'order pushed', 60000)

    // bill page
    const order = await renderPage('pages/order/index', { id: orderId })
    await eventually(async () => {
      if (order.data.status === 'ready' && ['paid', 'unpaid'].includes(order.data.order.state)) return true
      await order.instance.reload()
      return false
    }, 'settled bill', 60000)
    expect(order.data.order.stop_reason).toBe('driver')
    expect(findAll(order, 'bill-lines').length + (find(order, '.rate-card') ? 1 : 0)).toBeGreaterThan(0)
    expect(text(order)).toContain(order.data.v.total)
    expect(bill).toBeTruthy()

    // orders list and the personal centre
    const orders = await renderPage('pages/orders/index')
    expect(orders.data.items.map((o) => String(o.id))).toContain(orderId)
    const me = await renderPage('pages/me/index')
    expect(me.data.status).toBe('ready')
  })
})
