const { renderPage, tap, input, text, flush, freshWx } = require('../helpers/render')
const { aSession, anOrder } = require('../helpers/builders')
const strings = require('../../utils/strings')

let env
let current
beforeEach(() => {
  env = freshWx()
  current = aSession()
  env.route('GET /api/v1/driver/sessions/ord-1', () => current)
})

test('shows power, kWh, time, cost and SoC, and follows socket messages', async () => {
  const page = await renderPage('pages/charging/index', { order_id: 'ord-1' })
  let t = text(page)
  expect(t).toContain('5.20')
  expect(t).toContain('30.5 kW')
  expect(t).toContain('0:10:00')
  expect(t).toContain('¥6.24')
  expect(t).toContain('48%')
  const socket = env.sockets[0]
  socket.open()
  await flush()
  expect(page.data.mode).toBe('live')
  socket.receive({ type: 'session', data: aSession({ energy_wh: 7345, power_w: 22000, elapsed_s: 3725, cost_fen: 1001, soc: 61 }) })
  socket.receive({ type: 'session', data: aSession({ order_id: 'other', energy_wh: 1 }) })
  await flush()
  t = text(page)
  expect(t).toContain('7.35')
  expect(t).toContain('22.0 kW')
  expect(t).toContain('1:02:05')
  expect(t).toContain('¥10.01')
  expect(t).toContain('61%')
})

test('socket down: polling fallback, then reconnect with backoff', async () => {
  jest.useFakeTimers()
  try {
    const page = await (async () => {
      const p = renderPage('pages/charging/index', { order_id: 'ord-1' })
      for (let i = 0; i < 10; i++) await jest.advanceTimersByTimeAsync(1)
      return p
    })()
    env.sockets[0].drop(1006)
    await jest.advanceTimersByTimeAsync(1)
    expect(page.data.mode).toBe('polling')
    const polls = () => env.calls.filter((c) => c.path === '/api/v1/driver/sessions/ord-1').length
    const before = polls()
    current = aSession({ energy_wh: 9000 })
    await jest.advanceTimersByTimeAsync(3000)
    expect(polls()).toBeGreaterThan(before)
    expect(page.data.v.energy).toBe('9.00')
    // first reconnect after 1 s, then 2 s ...
    expect(env.sockets).toHaveLength(2)
    env.sockets[1].drop(1006)
    await jest.advanceTimersByTimeAsync(1000)
    expect(env.sockets).toHaveLength(2)
    await jest.advanceTimersByTimeAsync(1000)
    expect(env.sockets).toHaveLength(3)
    env.sockets[2].open()
    await jest.advanceTimersByTimeAsync(1)
    expect(page.data.mode).toBe('live')
    const afterOpen = polls()
    await jest.advanceTimersByTimeAsync(10000)
    expect(polls()).toBe(afterOpen)
    page.instance.onUnload()
  } finally {
    jest.useRealTimers()
  }
})

test('stop asks first, is signed and shows stopping; the settled order opens the bill', async () => {
  env.route('POST /api/v1/driver/sessions/ord-1/stop', (req) => {
    expect(req.header['X-Signature']).toMatch(/^[0-9a-f]{64}$/)
    return env.respond(202, aSession({ step: 'stopping', state: 'charging' }))
  })
  const page = await renderPage('pages/charging/index', { order_id: 'ord-1' })
  env.sockets[0].open()
  await tap(page, '.stop')
  await flush()
  expect(env.wx.showModal).toHaveBeenCalled()
  expect(text(page)).toContain(strings.steps.stopping)
  env.sockets[0].receive({ type: 'session', data: aSession({ step: 'finished', state: 'settling', reason: 'driver' }) })
  await flush()
  expect(text(page)).toContain(strings.reasons.driver)
  expect(text(page)).toContain(strings.charging.viewOrder)
})

test('an order push redirects to the bill', async () => {
  const page = await renderPage('pages/charging/index', { order_id: 'ord-1' })
  env.sockets[0].open()
  await flush()
  env.sockets[0].receive({ type: 'order', data: anOrder() })
  expect(env.wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/order/index?id=ord-1' }))
  expect(page.data.session).not.toBeNull()
})

test('stop refused keeps the button and explains', async () => {
  env.route('POST /api/v1/driver/sessions/ord-1/stop', () => env.error(409, 'conflict'))
  const page = await renderPage('pages/charging/index', { order_id: 'ord-1' })
  env.wx.showModal.mockImplementationOnce((o) => o.success({ confirm: false }))
  await tap(page, '.stop')
  expect(env.calls.some((c) => c.path.endsWith('/stop'))).toBe(false)
  await tap(page, '.stop')
  await flush()
  expect(page.data.stopping).toBe(false)
  expect(env.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: strings.errors.conflict }))
})

test('stop-at settings are sent in Wh, fen and minutes', async () => {
  env.route('PUT /api/v1/driver/sessions/ord-1/stop-at', (req) => {
    expect(req.body).toEqual({ energy_wh: 30500, amount_fen: 4550, minutes: 90 })
    expect(req.header['X-Nonce']).toMatch(/^[A-Za-z0-9_-]{16,64}$/)
    return aSession({ stop_at: req.body })
  })
  const page = await renderPage('pages/charging/index', { order_id: 'ord-1' })
  await tap(page, '.toggle-stop-at')
  await input(page, '.stop-kwh', '30.5')
  await input(page, '.stop-yuan', '45.5')
  await input(page, '.stop-minutes', '90')
  await tap(page, '.save-stop-at')
  expect(env.wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: strings.charging.stopAtSaved }))
  await input(page, '.stop-kwh', 'abc')
  await tap(page, '.save-stop-at')
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.errors.validation_error }))
})

test('error state with retry', async () => {
  env.route('GET /api/v1/driver/sessions/ord-1', () => env.error(404, 'not_found'))
  const page = await renderPage('pages/charging/index', { order_id: 'ord-1' })
  expect(page.data.status).toBe('error')
  env.route('GET /api/v1/driver/sessions/ord-1', () => current)
  await tap(page, '.state >>> .retry')
  await flush()
  expect(page.data.status).toBe('ready')
})
