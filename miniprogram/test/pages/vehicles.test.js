const { renderPage, tap, input, text, flush, freshWx, fire } = require('../helpers/render')
const strings = require('../../utils/strings')

let env
let list
beforeEach(() => {
  env = freshWx()
  list = [{ id: 1, plate: '粤B12345D', model: '比亚迪 汉', connector_type: 'GB/T DC', is_default: true, created_at: '2024-01-01T00:00:00Z' },
    { id: 2, plate: '京A12345', model: '', connector_type: 'GB/T AC', is_default: false, created_at: '2024-01-01T00:00:00Z' }]
  env.route('GET /api/v1/driver/vehicles', () => list)
})

test('list, set default, delete after confirm', async () => {
  env.route('PATCH /api/v1/driver/vehicles/2', (req) => { expect(req.body).toEqual({ is_default: true }); return list[1] })
  env.route('DELETE /api/v1/driver/vehicles/2', () => env.respond(204))
  const page = await renderPage('pages/vehicles/index')
  expect(text(page)).toContain('粤B12345D')
  expect(text(page)).toContain(strings.vehicles.isDefault)
  await tap(page, '.set-default')
  expect(env.calls.some((c) => c.method === 'PATCH')).toBe(true)
  env.wx.showModal.mockImplementationOnce((o) => o.success({ confirm: false }))
  page.querySelectorAll('.delete')[1].dispatchEvent('tap')
  await flush()
  expect(env.calls.some((c) => c.method === 'DELETE')).toBe(false)
  page.querySelectorAll('.delete')[1].dispatchEvent('tap')
  await flush()
  expect(env.calls.some((c) => c.method === 'DELETE' && c.path.endsWith('/vehicles/2'))).toBe(true)
})

test('add: plate checked locally, then created with the connector type', async () => {
  env.route('POST /api/v1/driver/vehicles', (req) => {
    expect(req.body).toEqual({ plate: '沪A88888F', model: 'Model 3', connector_type: 'CCS2', is_default: false })
    return env.respond(201, Object.assign({ id: 3 }, req.body))
  })
  const page = await renderPage('pages/vehicles/index')
  await tap(page, '.show-form')
  await input(page, '.plate-input', 'abc')
  await tap(page, '.add')
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.vehicles.invalidPlate }))
  await input(page, '.plate-input', '沪a88888f')
  await input(page, '.model-input', 'Model 3')
  await fire(page, '.type-select', 'change', { value: '2' })
  await tap(page, '.add')
  expect(env.calls.some((c) => c.method === 'POST')).toBe(true)
  expect(page.data.adding).toBe(false)
})

test('empty state still offers adding; duplicate plate explained', async () => {
  list = []
  env.route('POST /api/v1/driver/vehicles', () => env.error(409, 'conflict'))
  const page = await renderPage('pages/vehicles/index')
  expect(text(page)).toContain(strings.vehicles.empty)
  await tap(page, '.show-form')
  await input(page, '.plate-input', '粤B12345D')
  await tap(page, '.add')
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.errors.conflict }))
})
