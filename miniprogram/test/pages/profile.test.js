const { renderPage, tap, input, text, flush, freshWx, fire, find } = require('../helpers/render')
const { aUser } = require('../helpers/builders')
const strings = require('../../utils/strings')

let env
let user
beforeEach(() => {
  env = freshWx()
  user = aUser({ nickname: '老司机', avatar_url: '/api/v1/uploads/old.png', avatar_check: 'pass' })
  env.route('GET /api/v1/driver/me', () => user)
})

test('a chosen avatar is uploaded and set; it is checked before others see it', async () => {
  env.route('PATCH /api/v1/driver/me', (req) => {
    expect(req.body).toEqual({ avatar_url: '/api/v1/uploads/avatar.png' })
    user = Object.assign({}, user, { avatar_url: req.body.avatar_url, avatar_check: 'pending' })
    return user
  })
  const page = await renderPage('pages/profile/index')
  expect(page.data.avatar).toBe('/api/v1/uploads/old.png')
  await fire(page, '.avatar-btn', 'chooseavatar', { avatarUrl: 'wxfile://tmp/avatar.png' })
  await flush()
  expect(env.wx.uploadFile).toHaveBeenCalledWith(expect.objectContaining({ filePath: 'wxfile://tmp/avatar.png', name: 'file' }))
  expect(page.data.avatar).toBe('/api/v1/uploads/avatar.png')
  expect(text(page)).toContain(strings.profile.avatarPending)
})

test('a risky avatar is not shown and the driver is asked for another', async () => {
  user = Object.assign({}, user, { avatar_check: 'risky' })
  const page = await renderPage('pages/profile/index')
  expect(page.data.avatar).toBe('')
  expect(text(page)).toContain(strings.profile.avatarRisky)
  expect(text(page)).toContain(strings.profile.chooseAvatar)
})

test('the nickname is saved; one WeChat refuses is explained and not kept', async () => {
  let answer = null
  env.route('PATCH /api/v1/driver/me', (req) => {
    if (answer) return answer
    user = Object.assign({}, user, { nickname: req.body.nickname })
    return user
  })
  const page = await renderPage('pages/profile/index')
  expect(find(page, '.nickname')).toBeTruthy()
  await input(page, '.nickname', '  ')
  await tap(page, '.save')
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.profile.nicknameEmpty }))
  await input(page, '.nickname', '新昵称')
  await tap(page, '.save')
  await flush()
  expect(env.calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([{ nickname: '新昵称' }])
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.profile.saved }))
  answer = env.error(422, 'content_risky', 'the nickname did not pass')
  await input(page, '.nickname', '不良昵称')
  await tap(page, '.save')
  await flush()
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.errors.content_risky }))
  expect(user.nickname).toBe('新昵称')
})

test('the avatar and nickname components ask for the privacy guide through the page\'s popup', async () => {
  env.privacy.needAuthorization = true
  const page = await renderPage('pages/profile/index')
  const answered = new Promise((resolve) => env.privacy.handler(resolve, { referrer: 'chooseAvatar' }))
  await flush()
  await fire(page, '.privacy >>> #agree-privacy', 'agreeprivacyauthorization')
  expect(await answered).toMatchObject({ event: 'agree' })
})
