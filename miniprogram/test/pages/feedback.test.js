const { renderPage, tap, input, text, flush, freshWx, findAll, fire } = require('../helpers/render')
const strings = require('../../utils/strings')

let env
let items
beforeEach(() => {
  env = freshWx()
  items = [{ id: 1, category: 'fault', content: '充电枪坏了', photos: [], order_id: null, station_id: 1, status: 'resolved', reply: '已修复', created_at: '2024-05-01T02:00:00Z', updated_at: '2024-05-01T02:00:00Z' }]
  env.route('GET /api/v1/driver/feedback', () => env.respond(200, items, { 'X-Total-Count': String(items.length) }))
})

test('my reports with status and reply', async () => {
  const page = await renderPage('pages/feedback/index')
  expect(text(page)).toContain('充电枪坏了')
  expect(text(page)).toContain(strings.feedbackStatus.resolved)
  expect(text(page)).toContain('已修复')
})

test('new report with photos chosen and uploaded with the token', async () => {
  env.wx.chooseMedia.mockImplementation((o) => o.success({ tempFiles: [{ tempFilePath: 'wxfile://tmp/a.jpg' }, { tempFilePath: 'wxfile://tmp/b.jpg' }] }))
  env.route('POST /api/v1/driver/feedback', (req) => {
    expect(req.body).toEqual({ category: 'payment', content: '扣费不对，请核实', photos: ['/api/v1/uploads/a.jpg', '/api/v1/uploads/b.jpg'], order_id: 'o9' })
    items = [Object.assign({ id: 2, status: 'open', reply: null, created_at: '2024-05-02T00:00:00Z' }, req.body)].concat(items)
    return env.respond(201, items[0])
  })
  const page = await renderPage('pages/feedback/index', { order_id: 'o9' })
  await tap(page, '.cat-payment')
  await input(page, '.content', '扣费')
  await tap(page, '.submit')
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.feedback.tooShort }))
  await input(page, '.content', '扣费不对，请核实')
  await tap(page, '.add-photo')
  await flush()
  expect(env.wx.chooseMedia).toHaveBeenCalledWith(expect.objectContaining({ count: 3, mediaType: ['image'] }))
  expect(env.wx.uploadFile).toHaveBeenCalledWith(expect.objectContaining({
    url: 'https://csms.example.com/api/v1/driver/uploads', name: 'file', header: { Authorization: 'Bearer access-1' } }))
  expect(findAll(page, '.thumb')).toHaveLength(2)
  await tap(page, '.submit')
  await flush()
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.feedback.sent }))
  expect(findAll(page, '.feedback-item')).toHaveLength(2)
  expect(page.data.form.photos).toEqual([])
})

test('a photo can be removed; upload failure explained', async () => {
  const page = await renderPage('pages/feedback/index')
  await tap(page, '.add-photo')
  await flush()
  expect(findAll(page, '.thumb')).toHaveLength(1)
  await tap(page, '.remove-photo')
  expect(findAll(page, '.thumb')).toHaveLength(0)
  env.wx.uploadFile.mockImplementation((o) => o.success({ statusCode: 400, data: JSON.stringify({ error: { code: 'validation_error', message: 'too big' } }) }))
  await tap(page, '.add-photo')
  await flush()
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.errors.validation_error }))
})

test('error state for the list', async () => {
  env.route('GET /api/v1/driver/feedback', () => env.error(503, 'server_error'))
  const page = await renderPage('pages/feedback/index')
  expect(page.data.status).toBe('error')
})

test('photos wait for the privacy guide: refused, nothing is chosen; agreed, chosen and uploaded', async () => {
  env.privacy.needAuthorization = true
  const page = await renderPage('pages/feedback/index')
  const refused = tap(page, '.add-photo')
  await flush()
  expect(text(page)).toContain(strings.privacy.title)
  await tap(page, '.privacy >>> .disagree')
  await refused
  expect(env.wx.chooseMedia).not.toHaveBeenCalled()
  const agreed = tap(page, '.add-photo')
  await flush()
  await fire(page, '.privacy >>> #agree-privacy', 'agreeprivacyauthorization')
  await agreed
  await flush()
  expect(env.wx.chooseMedia).toHaveBeenCalled()
  expect(page.data.form.photos).toEqual(['/api/v1/uploads/a.jpg'])
})

test('the author is told how the content check of their photos went', async () => {
  items = [
    Object.assign({}, items[0], { id: 3, photos: ['/u/a.jpg', '/u/b.jpg'], photo_checks: { '/u/a.jpg': 'pass', '/u/b.jpg': 'risky' } }),
    Object.assign({}, items[0], { id: 2, photos: ['/u/c.jpg'], photo_checks: { '/u/c.jpg': 'pending' } }),
    items[0],
  ]
  const page = await renderPage('pages/feedback/index')
  expect(findAll(page, '.photo-note').map((n) => n.dom.textContent)).toEqual([strings.feedback.photosRisky, strings.feedback.photosPending])
})
