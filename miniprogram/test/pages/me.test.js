const { renderPage, tap, text, flush, freshWx, fire } = require('../helpers/render')
const { aUser, aDriverConfig } = require('../helpers/builders')
const strings = require('../../utils/strings')

let env
beforeEach(() => {
  env = freshWx()
  env.route('GET /api/v1/driver/me', () => aUser())
  env.route('GET /api/v1/driver/config', () => aDriverConfig())
})

test('profile with balance and entries', async () => {
  const page = await renderPage('pages/me/index')
  const t = text(page)
  expect(t).toContain('车主')
  expect(t).toContain('¥50.00')
  expect(t).toContain(strings.me.bindPhone)
  await tap(page, '.entry-vehicles')
  expect(env.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/vehicles/index' }))
  await tap(page, '.entry-orders')
  expect(env.wx.switchTab).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/orders/index' }))
})

test('not logged in: wx.login button logs in and loads the profile', async () => {
  env = freshWx({ loggedIn: false })
  env.route('GET /api/v1/driver/me', () => aUser({ nickname: '新用户' }))
  env.route('POST /api/v1/driver/auth/wx-login', (req) => {
    expect(req.body).toEqual({ code: 'test-code' })
    expect(req.header.Authorization).toBeUndefined()
    return { access_token: 'a2', refresh_token: 'r2', token_type: 'Bearer', expires_in: 3600, sign_key: 'k2', user: aUser() }
  })
  const page = await renderPage('pages/me/index')
  expect(text(page)).toContain(strings.me.notLoggedIn)
  await tap(page, '.login')
  await flush()
  expect(env.wx.login).toHaveBeenCalled()
  expect(text(page)).toContain('新用户')
  expect(env.storage['csms.auth'].accessToken).toBe('a2')
})

test('phone binding sends the getPhoneNumber code; a refusal sends nothing', async () => {
  env.route('POST /api/v1/driver/me/phone', (req) => {
    expect(req.body).toEqual({ code: 'phone-code' })
    return aUser({ phone: '138****8000', phone_bound: true })
  })
  const page = await renderPage('pages/me/index')
  await fire(page, '.bind-phone', 'getphonenumber', { errMsg: 'getPhoneNumber:fail user deny' })
  expect(env.calls.some((c) => c.path.endsWith('/me/phone'))).toBe(false)
  await fire(page, '.bind-phone', 'getphonenumber', { code: 'phone-code' })
  expect(text(page)).toContain('138****8000')
})

test('subscribe-message consent for the bill and charging-complete templates', async () => {
  env.route('POST /api/v1/driver/me/subscriptions', (req) => {
    expect(req.body).toEqual({ results: { 'tpl-bill': 'accept', 'tpl-done': 'accept' } })
    return { quota: { 'tpl-bill': 1, 'tpl-done': 1 } }
  })
  const page = await renderPage('pages/me/index')
  await tap(page, '.subscribe')
  await flush()
  expect(env.wx.requestSubscribeMessage).toHaveBeenCalledWith(expect.objectContaining({ tmplIds: ['tpl-bill', 'tpl-done'] }))
  expect(page.data.subscribed).toBe(true)
})

test('error state when the profile cannot load', async () => {
  env.route('GET /api/v1/driver/me', () => { throw Object.assign(new Error('down'), { networkError: true }) })
  const page = await renderPage('pages/me/index')
  expect(page.data.status).toBe('error')
  expect(text(page)).toContain(strings.errors.network_error)
})

test('the phone button: WeChat asks for the privacy guide on the tap, and the page\'s popup answers', async () => {
  env.privacy.needAuthorization = true
  const page = await renderPage('pages/me/index')
  const answered = new Promise((resolve) => env.privacy.handler(resolve, { referrer: 'getPhoneNumber' }))
  await flush()
  expect(text(page)).toContain(strings.privacy.agree)
  await fire(page, '.privacy >>> #agree-privacy', 'agreeprivacyauthorization')
  expect(await answered).toEqual({ buttonId: 'agree-privacy', event: 'agree' })
  const refused = new Promise((resolve) => env.privacy.handler(resolve, { referrer: 'getPhoneNumber' }))
  await flush()
  await tap(page, '.privacy >>> .disagree')
  expect(await refused).toEqual({ event: 'disagree' })
})

test('the avatar shown is the one that did not fail its content check; the profile entry opens the editor', async () => {
  env.route('GET /api/v1/driver/me', () => aUser({ avatar_url: '/api/v1/uploads/x.png', avatar_check: 'risky' }))
  const page = await renderPage('pages/me/index')
  expect(page.data.user.avatar).toBe('')
  await tap(page, '.entry-profile')
  expect(env.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/profile/index' }))
})
