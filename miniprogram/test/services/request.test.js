const { freshWx, flush } = require('../helpers/render')
const api = require('../../services/request')
const auth = require('../../services/auth')
const { hmacSha256Hex, sha256Hex } = require('../../utils/sha256')

let env
beforeEach(() => {
  env = freshWx()
  api._setClockOffset(0)
})

test('adds the bearer token, JSON and parses the error envelope', async () => {
  env.route('GET /api/v1/driver/me', (req) => {
    expect(req.header.Authorization).toBe('Bearer access-1')
    expect(req.header['Content-Type']).toBe('application/json')
    return env.error(400, 'validation_error', 'bad field')
  })
  await expect(api.get('/driver/me')).rejects.toMatchObject({ status: 400, code: 'validation_error', message: 'bad field' })
})

test('query strings are encoded; paged lists read X-Total-Count', async () => {
  env.route('GET /api/v1/driver/stations/search', (req) => {
    expect(req.query).toEqual({ q: '科技 园', limit: '5' })
    return env.respond(200, [1, 2], { 'x-total-count': '9' })
  })
  expect(await api.page('/driver/stations/search', { q: '科技 园', limit: 5, empty: '', none: undefined })).toEqual({ items: [1, 2], total: 9 })
})

test('signed requests sign exactly the bytes sent', async () => {
  let seen
  env.route('POST /api/v1/driver/wallet/topups', (req) => { seen = req; return {} })
  await api.post('/driver/wallet/topups', { amount_fen: 5000, note: '充值' }, { signed: true })
  const h = seen.header
  expect(seen.rawBody).toBe('{"amount_fen":5000,"note":"充值"}')
  expect(Math.abs(Number(h['X-Timestamp']) - Date.now() / 1000)).toBeLessThan(5)
  const canonical = `POST\n/api/v1/driver/wallet/topups\n${h['X-Timestamp']}\n${h['X-Nonce']}\n${sha256Hex(seen.rawBody)}`
  expect(h['X-Signature']).toBe(hmacSha256Hex('sign-key-1', canonical))
})

test('an expired token is refreshed once for concurrent calls (single flight) and the calls retried', async () => {
  let refreshes = 0
  env.route('GET /api/v1/driver/wallet', (req) => (req.header.Authorization === 'Bearer access-2' ? { balance_fen: 1 } : env.error(401, 'token_expired')))
  env.route('POST /api/v1/driver/auth/refresh', async (req) => {
    refreshes++
    expect(req.body).toEqual({ refresh_token: 'refresh-1' })
    await new Promise((r) => setTimeout(r, 5))
    return { access_token: 'access-2', refresh_token: 'refresh-2', token_type: 'Bearer', expires_in: 900, sign_key: 'sign-key-2' }
  })
  const results = await Promise.all([api.get('/driver/wallet'), api.get('/driver/wallet'), api.get('/driver/wallet')])
  expect(results).toEqual([{ balance_fen: 1 }, { balance_fen: 1 }, { balance_fen: 1 }])
  expect(refreshes).toBe(1)
  expect(env.storage['csms.auth']).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-2', signKey: 'sign-key-2' })
})

test('a refused refresh falls back to wx.login; a second 401 is returned, not looped', async () => {
  env.route('GET /api/v1/driver/wallet', (req) => (req.header.Authorization === 'Bearer access-3' ? { balance_fen: 2 } : env.error(401, 'invalid_token')))
  env.route('POST /api/v1/driver/auth/refresh', () => env.error(401, 'invalid_refresh_token'))
  env.route('POST /api/v1/driver/auth/wx-login', () => ({ access_token: 'access-3', refresh_token: 'r3', expires_in: 900, sign_key: 'k3', user: { id: 1 } }))
  expect(await api.get('/driver/wallet')).toEqual({ balance_fen: 2 })
  expect(env.wx.login).toHaveBeenCalledTimes(1)

  env.route('GET /api/v1/driver/wallet', () => env.error(401, 'invalid_token'))
  env.route('POST /api/v1/driver/auth/refresh', () => ({ access_token: 'access-4', refresh_token: 'r4', expires_in: 900, sign_key: 'k4' }))
  await expect(api.get('/driver/wallet')).rejects.toMatchObject({ status: 401, code: 'invalid_token' })
  expect(env.calls.filter((c) => c.path === '/api/v1/driver/wallet').length).toBe(4)
})

test('no token yet: logs in first; an access token about to expire is refreshed before the call', async () => {
  env = freshWx({ loggedIn: false })
  env.route('POST /api/v1/driver/auth/wx-login', () => ({ access_token: 'a1', refresh_token: 'r1', expires_in: 10, sign_key: 'k1' }))
  env.route('POST /api/v1/driver/auth/refresh', () => ({ access_token: 'a2', refresh_token: 'r2', expires_in: 900, sign_key: 'k2' }))
  env.route('GET /api/v1/driver/wallet', (req) => ({ auth: req.header.Authorization }))
  expect(await api.get('/driver/wallet')).toEqual({ auth: 'Bearer a1' })
  // expires_in 10 s is inside the 30 s margin: the next call refreshes first
  expect(await api.get('/driver/wallet')).toEqual({ auth: 'Bearer a2' })
})

test('network failure and timeout are ApiErrors with status 0', async () => {
  env.route('GET /api/v1/driver/wallet', () => { throw Object.assign(new Error(), { networkError: true }) })
  await expect(api.get('/driver/wallet')).rejects.toMatchObject({ status: 0, code: 'network_error' })
  env.wx.request.mockImplementationOnce((o) => o.fail({ errMsg: 'request:fail timeout' }))
  await expect(api.get('/driver/wallet')).rejects.toMatchObject({ status: 0, code: 'timeout' })
})

test('a device clock far off is corrected from the Date header and the signed call retried', async () => {
  const serverNow = Date.now() + 3600 * 1000
  const stamps = []
  env.route('POST /api/v1/driver/orders/o1/pay', (req) => {
    stamps.push(Number(req.header['X-Timestamp']))
    const header = { Date: new Date(serverNow).toUTCString() }
    if (Math.abs(Number(req.header['X-Timestamp']) - serverNow / 1000) > 300) return env.respond(401, { error: { code: 'signature_expired' } }, header)
    return env.respond(200, { ok: true }, header)
  })
  expect(await api.post('/driver/orders/o1/pay', undefined, { signed: true })).toEqual({ ok: true })
  expect(stamps).toHaveLength(2)
  expect(stamps[1] - stamps[0]).toBeGreaterThan(3500)
})

test('429 exposes Retry-After', async () => {
  env.route('POST /api/v1/driver/sessions', () => env.respond(429, { error: { code: 'rate_limited' } }, { 'Retry-After': '30' }))
  await expect(api.post('/driver/sessions', {}, { signed: true })).rejects.toMatchObject({ code: 'rate_limited', retryAfter: 30 })
})

test('logout revokes and clears even when offline', async () => {
  env.route('POST /api/v1/driver/auth/logout', () => { throw Object.assign(new Error(), { networkError: true }) })
  await auth.logout()
  await flush()
  expect(env.storage['csms.auth']).toBeUndefined()
  expect(auth.isLoggedIn()).toBe(false)
})
