/**
 * @jest-environment node
 *
 * End to end: the mini-program's own services/ code, over real HTTP and WebSocket, against a running
 * CSMS with its WeChat emulator and a simulated charge point: login -> scan -> prepay -> charge ->
 * live push -> stop -> bill -> refund of the remainder -> rating; a wallet top-up (paid and
 * cancelled); an invalid access token recovered by refresh; a photo upload.
 *
 * Runs only when CSMS_E2E_URL (REST base, e.g. http://127.0.0.1:8080) and CSMS_E2E_EMULATOR_URL
 * (the WeChat emulator) are set. Optional: CSMS_E2E_QR (QR content of a free connector; default
 * {qr_base_url}/{CSMS_E2E_CHARGE_POINT or DEMO-SCAN}/{CSMS_E2E_CONNECTOR or 1}).
 */
const path = require('path')
const { createNodeWx } = require('./wx-node')

const API = process.env.CSMS_E2E_URL
const EMULATOR = process.env.CSMS_E2E_EMULATOR_URL
const suite = API && EMULATOR ? describe : describe.skip

jest.setTimeout(180000)

async function eventually(check, what, timeoutMs = 60000, everyMs = 300) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const result = await check()
    if (result) return result
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

suite('mini-program services against a running CSMS', () => {
  let env
  let config
  let s // services

  beforeAll(() => {
    env = createNodeWx({ emulatorUrl: EMULATOR.replace(/\/$/, ''), user: `mp-e2e-${Date.now()}-${Math.floor(Math.random() * 1e6)}` })
    global.wx = env.wx
    config = require('../../config')
    config.apiBaseUrl = API.replace(/\/$/, '')
    config.wsBaseUrl = config.apiBaseUrl.replace(/^http/, 'ws')
    s = {
      auth: require('../../services/auth'),
      me: require('../../services/me'),
      tokens: require('../../services/token-store'),
      driverConfig: require('../../services/driver-config'),
      stations: require('../../services/stations'),
      sessions: require('../../services/sessions'),
      payment: require('../../services/payment'),
      live: require('../../services/live'),
      orders: require('../../services/orders'),
      wallet: require('../../services/wallet'),
      uploads: require('../../services/uploads'),
      feedback: require('../../services/feedback'),
      favourites: require('../../services/favourites'),
      vehicles: require('../../services/vehicles'),
      reservations: require('../../services/reservations'),
      invoices: require('../../services/invoices'),
    }
  })

  afterAll(() => env.closeAll())

  test('wx.login through the emulator gives tokens, a sign key and a profile', async () => {
    const stored = await s.auth.login({ nickname: 'E2E 车主' })
    expect(stored.accessToken).toBeTruthy()
    expect(stored.signKey).toMatch(/^[0-9a-f]{16,}$/)
    const user = await s.me.profile()
    expect(user.nickname).toBe('E2E 车主')
    expect(user.balance_fen).toBe(0)
  })

  test('an invalid access token is refreshed and the call retried', async () => {
    const before = s.tokens.get()
    env.wx.setStorageSync(s.tokens.KEY, Object.assign({}, before, { accessToken: 'not-a-token' }))
    const user = await s.me.profile()
    expect(user.id).toBeTruthy()
    const after = s.tokens.get()
    expect(after.accessToken).not.toBe('not-a-token')
    expect(after.refreshToken).not.toBe(before.refreshToken) // rotated
  })

  test('wallet top-up: cancelled closes the payment, paid raises the balance (signed calls)', async () => {
    env.payer.result = 'CANCEL'
    const cancelled = await s.payment.pay(await s.wallet.topup(1000))
    env.payer.result = 'SUCCESS'
    expect(cancelled.outcome).toBe('cancelled')
    expect((await s.wallet.payment(cancelled.payment.id)).state).toBe('closed')

    env.payer.result = 'SUCCESS'
    const paid = await s.payment.pay(await s.wallet.topup(1500))
    expect(paid).toMatchObject({ outcome: 'paid', payment: { state: 'paid', amount_fen: 1500 } })
    // The credit may land a moment after the payment reads 'paid' (the CSMS confirms the payment
    // and credits the wallet in two steps when the notification and the sync race).
    await eventually(async () => (await s.wallet.balance()).balance_fen === 1500, 'wallet credit', 5000, 100)
    const ledger = await s.wallet.ledger()
    expect(ledger.items[0]).toMatchObject({ kind: 'topup', amount_fen: 1500, balance_after_fen: 1500 })
  })

  test('map: nearby, search, detail with tariff and connectors; favourites', async () => {
    const cfg = await s.driverConfig.load()
    const cpId = process.env.CSMS_E2E_CHARGE_POINT || 'DEMO-SCAN'
    const info = await s.stations.scan(process.env.CSMS_E2E_QR || `${cfg.qr_base_url}/${cpId}/1`)
    const detail = await s.stations.detail(info.station.id)
    expect(detail.connectors.map((c) => c.charge_point_id)).toContain(info.charge_point_id)
    expect(detail.tariff_today.length).toBeGreaterThan(0)
    const nearby = await s.stations.nearby(detail.lat, detail.lng, { radiusM: 2000 })
    expect(nearby.items.map((x) => x.id)).toContain(detail.id)
    expect(nearby.total).toBeGreaterThanOrEqual(1)
    const dc = await s.stations.nearby(detail.lat, detail.lng, { radiusM: 2000, free: true })
    dc.items.forEach((x) => expect(x.free).toBeGreaterThan(0))
    const found = await s.stations.search(detail.name.slice(0, 3), detail.lat, detail.lng)
    expect(found.items.map((x) => x.id)).toContain(detail.id)

    await s.favourites.add(detail.id)
    expect((await s.favourites.list()).map((x) => x.id)).toContain(detail.id)
    expect((await s.stations.detail(detail.id)).favourite).toBe(true)
    await s.favourites.remove(detail.id)
    expect((await s.favourites.list()).map((x) => x.id)).not.toContain(detail.id)
  })

  test('personal centre: vehicles and subscribe-message consent', async () => {
    const car = await s.vehicles.create({ plate: '沪A12345F', model: 'E2E', connector_type: 'GB/T DC', is_default: true })
    expect(car).toMatchObject({ plate: '沪A12345F', is_default: true })
    await expect(s.vehicles.create({ plate: '沪A12345F' })).rejects.toMatchObject({ status: 409 })
    await s.vehicles.update(car.id, { model: 'E2E 2' })
    expect((await s.vehicles.list()).find((v) => v.id === car.id).model).toBe('E2E 2')
    await s.vehicles.remove(car.id)
    expect(await s.vehicles.list()).toEqual([])

    const cfg = await s.driverConfig.load()
    const ids = [cfg.bill_template_id, cfg.complete_template_id].filter(Boolean)
    if (ids.length) {
      const res = await new Promise((resolve, reject) => env.wx.requestSubscribeMessage({ tmplIds: ids, success: resolve, fail: reject }))
      const results = {}
      ids.forEach((id) => { results[id] = res[id] })
      const answer = await s.me.saveSubscriptions(results)
      ids.forEach((id) => expect(answer.quota[id]).toBeGreaterThanOrEqual(1))
    }
  })

  test('reserve a free connector, see it, cancel it (signed)', async () => {
    const cfg = await s.driverConfig.load()
    const cpId = process.env.CSMS_E2E_CHARGE_POINT || 'DEMO-SCAN'
    const connector = Number(process.env.CSMS_E2E_RESERVE_CONNECTOR || 2)
    const info = await s.stations.scan(`${cfg.qr_base_url}/${cpId}/${connector}`)
    expect(info.can_start).toBe(true)
    const r = await s.reservations.create(cpId, connector)
    expect(r).toMatchObject({ state: 'active', charge_point_id: cpId, connector_id: connector })
    expect((await s.reservations.list()).map((x) => x.id)).toContain(r.id)
    const cancelled = await s.reservations.cancel(r.id)
    expect(cancelled.state).toBe('cancelled')
  })

  test('scan -> prepay -> charge (live push) -> stop -> bill -> refund -> rating', async () => {
    const cfg = await s.driverConfig.load()
    const qr = process.env.CSMS_E2E_QR
      || `${cfg.qr_base_url}/${process.env.CSMS_E2E_CHARGE_POINT || 'DEMO-SCAN'}/${process.env.CSMS_E2E_CONNECTOR || '1'}`
    expect(require('../../utils/qr').parseQr(qr, cfg.qr_base_url)).not.toBeNull()

    const info = await s.stations.scan(qr)
    expect(info).toMatchObject({ can_start: true })

    env.payer.result = 'SUCCESS'
    const prepayFen = Math.min(Math.max(5000, cfg.min_prepay_fen), cfg.max_prepay_fen)
    const session = await s.sessions.start({
      chargePointId: info.charge_point_id, connectorId: info.connector_id, payMode: 'prepay', prepayFen,
    })
    expect(session.step).toBe('awaiting_payment')
    expect(session.payment.pay_params.package).toMatch(/^prepay_id=/)

    const updates = []
    const orders = []
    const modes = []
    const watcher = s.live.watch(session.order_id, {
      onSession: (x) => updates.push(x), onOrder: (o) => orders.push(o), onMode: (m) => modes.push(m),
    })
    try {
      const paid = await s.payment.pay(session.payment)
      expect(paid.outcome).toBe('paid')

      const charging = await eventually(
        () => updates.find((u) => u.step === 'charging' && u.energy_wh > 0), 'charging with energy', 90000)
      expect(charging.cost_fen).toBeGreaterThanOrEqual(0)
      expect(modes).toContain('live')

      const withStopAt = await s.sessions.setStopAt(session.order_id, { minutes: 600 })
      expect(withStopAt.stop_at).toMatchObject({ minutes: 600 })

      const stopping = await s.sessions.stop(session.order_id)
      expect(['stopping', 'finished']).toContain(stopping.step)

      const settled = await eventually(async () => {
        const o = await s.orders.get(session.order_id)
        return ['paid', 'refunded', 'unpaid'].includes(o.state) ? o : null
      }, 'settlement', 60000)
      expect(settled.stop_reason).toBe('driver')
      expect(settled.bill_lines.length).toBeGreaterThan(0)
      const lines = settled.bill_lines.reduce((sum, l) => sum + l.amount_fen, 0)
      expect(settled.total_fen).toBe(lines + settled.idle_fee_fen)
      expect(settled.total_fen).toBe(settled.energy_fen + settled.service_fen + settled.idle_fee_fen)
      expect(settled.paid_fen).toBe(settled.total_fen)
      expect(updates.some((u) => u.step === 'finished')).toBe(true)
      await eventually(() => orders.length > 0, 'order push', 15000)

      const refunded = await eventually(async () => {
        const o = await s.orders.get(session.order_id)
        return o.state === 'refunded' ? o : null
      }, 'refund of the remainder', 30000)
      expect(refunded.refunded_fen).toBe(prepayFen - settled.total_fen)
      const p = await s.wallet.payment(session.payment.id)
      expect(p.refunded_fen).toBe(prepayFen - settled.total_fen)
    } finally {
      watcher.close()
    }

    const list = await s.orders.list()
    expect(list.items.map((o) => o.id)).toContain(session.order_id)
    await s.orders.rate(session.order_id, { station_stars: 5, experience_stars: 4, comment: '端到端' })
    await expect(s.orders.rate(session.order_id, { station_stars: 5, experience_stars: 5 }))
      .rejects.toMatchObject({ status: 409, code: 'already_rated' })
    const reviews = await s.stations.reviews(info.station.id)
    expect(reviews.items.map((r) => r.comment)).toContain('端到端')

    // the invoice of that order: what it kept of the prepayment, once
    const invoice = await s.invoices.request(session.order_id, { title_type: 'personal', title: '端到端', email: 'e2e@example.com' })
    const charged = (await s.orders.get(session.order_id)).total_fen
    expect([invoice.state, invoice.amount_fen]).toEqual(['requested', charged])
    expect((await s.invoices.forOrder(session.order_id)).id).toBe(invoice.id)
    await expect(s.invoices.request(session.order_id, { title_type: 'personal', title: '别的', email: 'e2e@example.com' }))
      .rejects.toMatchObject({ status: 409, code: 'invoice_requested' })
  })

  test('feedback with an uploaded photo', async () => {
    const url = await s.uploads.upload(path.join(__dirname, '../../images/marker-free.png'))
    expect(url).toMatch(/uploads\//)
    const item = await s.feedback.create({ category: 'app', content: '端到端测试反馈', photos: [url] })
    expect(item.photos).toEqual([url])
    // WeChat checks the photo (the emulator fetches it from the CSMS) and pushes its verdict
    const checked = await eventually(async () => {
      const f = await s.feedback.get(item.id)
      return f.photo_checks[url] === 'pass' ? f : null
    }, 'the photo passed its content check', 10000)
    expect(checked.photos).toEqual([url])
  })
})
