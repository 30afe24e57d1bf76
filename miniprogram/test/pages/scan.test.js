const { renderPage, tap, input, text, flush, freshWx, find } = require('../helpers/render')
const { aScan, aDriverConfig, aSession, aPayment } = require('../helpers/builders')
const strings = require('../../utils/strings')
const { hmacSha256Hex, sha256Hex } = require('../../utils/sha256')

const QR = 'https://qr.example.com/c/CP-1/1'
let env
let current

beforeEach(() => {
  env = freshWx()
  current = aSession({ step: 'starting', state: 'starting' })
  env.route('GET /api/v1/driver/config', () => aDriverConfig())
  env.route('GET /api/v1/driver/scan', (req) => {
    expect(req.query.qr).toBe(QR)
    return aScan()
  })
  env.route('GET /api/v1/driver/sessions/ord-1', () => current)
})

async function confirmPage() {
  const page = await renderPage('pages/scan/index', { qr: encodeURIComponent(QR) })
  expect(page.data.phase).toBe('confirm')
  return page
}

test('confirm page shows connector, power, price now and funds', async () => {
  const page = await confirmPage()
  const t = text(page)
  expect(t).toContain('CP-1 #1')
  expect(t).toContain('60 kW')
  expect(t).toContain('¥1.20/kWh')
  expect(t).toContain('¥50.00')
})

test('wallet start: signed request, progress by push, then the live page', async () => {
  env.route('POST /api/v1/driver/sessions', (req) => {
    expect(req.body).toEqual({ charge_point_id: 'CP-1', connector_id: 1, pay_mode: 'wallet', stop_at: { energy_wh: 20000 } })
    const h = req.header
    const canonical = ['POST', '/api/v1/driver/sessions', h['X-Timestamp'], h['X-Nonce'], sha256Hex(req.rawBody)].join('\n')
    expect(h['X-Signature']).toBe(hmacSha256Hex('sign-key-1', canonical))
    return aSession({ step: 'starting', state: 'starting' })
  })
  const page = await confirmPage()
  await tap(page, '.toggle-stop-at')
  await input(page, '.stop-kwh', '20')
  await tap(page, '.start')
  expect(page.data.phase).toBe('progress')
  expect(page.data.step).toBe('starting')
  const socket = env.sockets[0]
  expect(socket.url).toBe('wss://csms.example.com/api/v1/ws?token=access-1')
  socket.open()
  await flush()
  socket.receive({ type: 'session', data: aSession({ step: 'plug_in' }) })
  expect(page.data.step).toBe('plug_in')
  expect(text(page)).toContain(strings.steps.plug_in)
  socket.receive({ type: 'session', data: aSession({ step: 'charging' }) })
  expect(env.wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/charging/index?order_id=ord-1' }))
  expect(socket.closed).toBe(true)
})

describe('prepay', () => {
  beforeEach(() => {
    env.route('POST /api/v1/driver/sessions', (req) => {
      expect(req.body).toMatchObject({ pay_mode: 'prepay', prepay_fen: 5000 })
      return aSession({ step: 'awaiting_payment', state: 'created', pay_mode: 'prepay', payment: aPayment({ id: 'pay-7', kind: 'prepay' }) })
    })
  })

  async function startPrepay() {
    const page = await confirmPage()
    await tap(page, '.pay-prepay')
    await tap(page, '.prepay-picker >>> .amount-5000')
    await tap(page, '.start')
    await flush()
    return page
  }

  test('success: requestPayment with the API parameters, sync, then follow the session', async () => {
    env.route('POST /api/v1/driver/payments/pay-7/sync', () => aPayment({ id: 'pay-7', state: 'paid' }))
    const page = await startPrepay()
    expect(env.wx.requestPayment).toHaveBeenCalledWith(expect.objectContaining({
      timeStamp: '1714500000', nonceStr: 'n1', package: 'prepay_id=wx123', signType: 'RSA', paySign: 'sig' }))
    expect(page.data.step).toBe('starting')
    expect(env.sockets).toHaveLength(1)
  })

  test('cancel closes the payment and says so; retry starts over', async () => {
    env.wx.requestPayment.mockImplementation((o) => o.fail({ errMsg: 'requestPayment:fail cancel' }))
    env.route('POST /api/v1/driver/payments/pay-7/cancel', () => aPayment({ id: 'pay-7', state: 'closed' }))
    const page = await startPrepay()
    expect(env.calls.some((c) => c.path === '/api/v1/driver/payments/pay-7/cancel')).toBe(true)
    expect(page.data.failed).toBe(true)
    expect(text(page)).toContain(strings.scan.payCancelled)
    await tap(page, '.retry')
    await flush()
    expect(page.data.phase).toBe('confirm')
  })

  test('failure explains and retry pays again', async () => {
    env.wx.requestPayment.mockImplementationOnce((o) => o.fail({ errMsg: 'requestPayment:fail insufficient balance' }))
    env.route('POST /api/v1/driver/payments/pay-7/sync', () => aPayment({ id: 'pay-7', state: 'paid' }))
    const page = await startPrepay()
    expect(text(page)).toContain(strings.scan.payFailed)
    await tap(page, '.retry')
    await flush()
    expect(env.wx.requestPayment).toHaveBeenCalledTimes(2)
    expect(page.data.failed).toBe(false)
    expect(page.data.step).toBe('starting')
  })
})

test('refused start shows the reason; a failed session shows why and retry looks up again', async () => {
  env.route('POST /api/v1/driver/sessions', () => env.error(409, 'occupied'))
  const page = await confirmPage()
  await tap(page, '.start')
  expect(text(page)).toContain(strings.errors.occupied)

  env.route('POST /api/v1/driver/sessions', () => aSession({ step: 'starting' }))
  await tap(page, '.retry')
  await flush()
  await tap(page, '.start')
  const socket = env.sockets[0]
  socket.open()
  await flush()
  socket.receive({ type: 'session', data: aSession({ step: 'failed', reason: 'timeout' }) })
  expect(text(page)).toContain(strings.reasons.timeout)
})

test('a QR that is not ours never reaches the server; rescan', async () => {
  const page = await renderPage('pages/scan/index', { qr: encodeURIComponent('https://evil.example.com/x/1') })
  expect(page.data.status).toBe('error')
  expect(text(page)).toContain(strings.errors.invalid_qr)
  expect(env.calls.some((c) => c.path === '/api/v1/driver/scan')).toBe(false)
  await tap(page, '.rescan')
  await flush()
  expect(page.data.phase).toBe('confirm')
})

test('launched by WeChat with ?q= (scan ordinary QR code)', async () => {
  const page = await renderPage('pages/scan/index', { q: encodeURIComponent(QR) })
  expect(page.data.phase).toBe('confirm')
})

test('connector not available: no start button, the reason shown', async () => {
  env.route('GET /api/v1/driver/scan', () => aScan({ can_start: false, reason: 'offline' }))
  const page = await confirmPage()
  expect(text(page)).toContain(strings.reasons.offline)
  expect(find(page, '.start')).toBeUndefined()
})

test('low balance: wallet disabled, prepay chosen, top-up offered', async () => {
  env.route('GET /api/v1/driver/scan', () => aScan({ balance_fen: 500 }))
  const page = await confirmPage()
  expect(page.data.payMode).toBe('prepay')
  await tap(page, '.pay-wallet')
  expect(page.data.payMode).toBe('prepay')
  await tap(page, '.topup')
  expect(env.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/wallet/index' }))
})

test('opened without a QR: scans first', async () => {
  const page = await renderPage('pages/scan/index', {})
  expect(env.wx.scanCode).toHaveBeenCalled()
  expect(page.data.phase).toBe('confirm')
})
