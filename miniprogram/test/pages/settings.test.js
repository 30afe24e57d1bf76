const { renderPage, tap, text, flush, freshWx } = require('../helpers/render')

test('log out revokes and clears the tokens; clear cache keeps the login', async () => {
  const env = freshWx()
  env.route('POST /api/v1/driver/auth/logout', () => env.respond(204))
  env.storage.other = 'x'
  const page = await renderPage('pages/settings/index')
  expect(text(page)).toContain('https://csms.example.com')
  await tap(page, '.clear-cache')
  expect(env.storage.other).toBeUndefined()
  expect(env.storage['csms.auth'].accessToken).toBe('access-1')
  await tap(page, '.logout')
  await flush()
  expect(env.calls.some((c) => c.path === '/api/v1/driver/auth/logout')).toBe(true)
  expect(env.storage['csms.auth']).toBeUndefined()
  expect(env.wx.reLaunch).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/me/index' }))
})
