const { renderPage, tap, text, freshWx, find } = require('../helpers/render')
const { aStation } = require('../helpers/builders')
const strings = require('../../utils/strings')

let env
let list
beforeEach(() => {
  env = freshWx()
  list = [aStation()]
  env.route('GET /api/v1/driver/favourites', () => list)
  env.route('DELETE /api/v1/driver/favourites/1', () => { list = []; return env.respond(204) })
})

test('favourite stations open, navigate and can be removed down to the empty state', async () => {
  const page = await renderPage('pages/favourites/index')
  expect(text(page)).toContain('科技园充电站')
  await tap(page, '.fav-card >>> .station-card')
  expect(env.wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/station/index?id=1' }))
  await tap(page, '.fav-card >>> .nav')
  expect(env.wx.openLocation).toHaveBeenCalled()
  await tap(page, '.remove')
  expect(page.data.status).toBe('empty')
  expect(text(page)).toContain(strings.favourites.empty)
  expect(find(page, '.remove')).toBeUndefined()
})
