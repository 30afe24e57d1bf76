const { renderPage, tap, text, flush, freshWx, findAll } = require('../helpers/render')
const strings = require('../../utils/strings')

let env
let list
beforeEach(() => {
  env = freshWx()
  list = [{ id: 5, state: 'active', charge_point_id: 'CP-1', connector_id: 2, expires_at: '2024-05-01T02:15:00Z', fee_fen: 200 },
    { id: 4, state: 'expired', charge_point_id: 'CP-1', connector_id: 1, expires_at: '2024-04-01T02:15:00Z', fee_fen: 0 }]
  env.route('GET /api/v1/driver/reservations', () => list)
})

test('list and signed cancel of the active one', async () => {
  env.route('DELETE /api/v1/driver/reservations/5', (req) => {
    expect(req.header['X-Signature']).toMatch(/^[0-9a-f]{64}$/)
    list = [Object.assign({}, list[0], { state: 'cancelled' }), list[1]]
    return env.respond(200, list[0])
  })
  const page = await renderPage('pages/reservations/index')
  expect(text(page)).toContain('CP-1 #2')
  expect(text(page)).toContain('¥2.00')
  expect(findAll(page, '.cancel')).toHaveLength(1)
  await tap(page, '.cancel')
  await flush()
  expect(findAll(page, '.cancel')).toHaveLength(0)
  expect(text(page)).toContain(strings.reservationStates.cancelled)
})

test('empty state', async () => {
  list = []
  const page = await renderPage('pages/reservations/index')
  expect(text(page)).toContain(strings.reservations.empty)
})
