const { freshWx } = require('../helpers/render')
const live = require('../../services/live')
const { aSession } = require('../helpers/builders')

let env
beforeEach(() => {
  env = freshWx()
  jest.useFakeTimers()
  env.route('GET /api/v1/driver/sessions/ord-1', () => aSession({ energy_wh: 42 }))
})
afterEach(() => jest.useRealTimers())

test('backoff doubles up to the maximum and resets after a successful open', async () => {
  const w = live.watch('ord-1', {}, { pollMs: 1000, maxBackoffMs: 4000 })
  const delays = []
  let last = Date.now()
  for (let i = 0; i < 5; i++) {
    env.sockets[env.sockets.length - 1].drop(1006)
    const count = env.sockets.length
    while (env.sockets.length === count) await jest.advanceTimersByTimeAsync(250)
    delays.push(Date.now() - last)
    last = Date.now()
  }
  expect(delays).toEqual([1000, 2000, 4000, 4000, 4000])
  env.sockets[env.sockets.length - 1].open()
  await jest.advanceTimersByTimeAsync(1)
  env.sockets[env.sockets.length - 1].drop(1006)
  last = Date.now()
  const count = env.sockets.length
  while (env.sockets.length === count) await jest.advanceTimersByTimeAsync(250)
  expect(Date.now() - last).toBe(1000)
  w.close()
})

test('a 4401 close (bad token) refreshes the token before reconnecting with the new one', async () => {
  env.route('POST /api/v1/driver/auth/refresh', () => ({ access_token: 'fresh', refresh_token: 'r2', expires_in: 900, sign_key: 'k' }))
  const w = live.watch('ord-1', {})
  env.sockets[0].drop(4401)
  await jest.advanceTimersByTimeAsync(1100)
  expect(env.sockets).toHaveLength(2)
  expect(env.sockets[1].url).toContain('token=fresh')
  w.close()
})

test('pings while open; close stops everything', async () => {
  const onSession = jest.fn()
  const w = live.watch('ord-1', { onSession })
  env.sockets[0].open()
  await jest.advanceTimersByTimeAsync(25000)
  expect(env.sockets[0].sent).toContain('{"type":"ping"}')
  expect(onSession).toHaveBeenCalledWith(expect.objectContaining({ energy_wh: 42 }))
  w.close()
  expect(env.sockets[0].closed).toBe(true)
  const calls = env.calls.length
  await jest.advanceTimersByTimeAsync(60000)
  expect(env.sockets).toHaveLength(1)
  expect(env.calls.length).toBe(calls)
})

test('ignores other orders, non-JSON and pongs', async () => {
  const onSession = jest.fn()
  const onOrder = jest.fn()
  const w = live.watch('ord-1', { onSession, onOrder })
  const s = env.sockets[0]
  s.handlers.message.forEach((fn) => fn({ data: 'not json' }))
  s.receive({ type: 'pong' })
  s.receive({ type: 'session', data: aSession({ order_id: 'ord-2' }) })
  s.receive({ type: 'order', data: { id: 'ord-2' } })
  expect(onSession).not.toHaveBeenCalled()
  s.receive({ type: 'order', data: { id: 'ord-1' } })
  expect(onOrder).toHaveBeenCalledWith({ id: 'ord-1' })
  w.close()
})

test('a numeric order id from the API matches the string id of the page query', async () => {
  const onSession = jest.fn()
  const w = live.watch('7', { onSession })
  env.sockets[0].receive({ type: 'session', data: aSession({ order_id: 7 }) })
  expect(onSession).toHaveBeenCalledWith(expect.objectContaining({ order_id: 7 }))
  w.close()
})
