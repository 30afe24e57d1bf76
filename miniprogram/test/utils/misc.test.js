const { isPlate, normalisePlate } = require('../../utils/validate')
const stopAt = require('../../utils/stop-at')
const { createPager, advance } = require('../../utils/pager')
const { errorMessage, reasonText } = require('../../utils/errors')
const strings = require('../../utils/strings')

test('Chinese plates', () => {
  ;['粤B12345', '粤B12345D', '京AD12345', '沪a88888f'].forEach((p) => expect(isPlate(p)).toBe(true))
  ;['', 'AB12345', '粤12345', '粤B1234', '粤B1234567', '粤BI2345'].forEach((p) => expect(isPlate(p)).toBe(false))
  expect(normalisePlate(' 沪a1 ')).toBe('沪A1')
})

test('stop-at form round trip', () => {
  expect(stopAt.fromForm({ kwh: '20.5', yuan: '30', minutes: '90' })).toEqual({ stopAt: { energy_wh: 20500, amount_fen: 3000, minutes: 90 }, invalid: [] })
  expect(stopAt.fromForm({ kwh: '', yuan: ' ', minutes: '' })).toEqual({ stopAt: {}, invalid: [] })
  expect(stopAt.fromForm({ kwh: '0', yuan: 'x', minutes: '1.5' }).invalid).toEqual(['kwh', 'yuan', 'minutes'])
  expect(stopAt.toForm({ energy_wh: 20500, amount_fen: 3050, minutes: 90 })).toEqual({ kwh: '20.5', yuan: '30.50', minutes: '90' })
  expect(stopAt.toForm(null)).toEqual({ kwh: '', yuan: '', minutes: '' })
})

test('pager', () => {
  let p = createPager(2)
  p = advance(p, { items: [1, 2], total: 3 })
  expect(p).toEqual({ limit: 2, offset: 2, total: 3, done: false })
  p = advance(p, { items: [3], total: 3 })
  expect(p.done).toBe(true)
})

test('error texts', () => {
  expect(errorMessage({ code: 'insufficient_funds' })).toBe(strings.errors.insufficient_funds)
  expect(errorMessage({ status: 502, code: 'bad_gateway' })).toBe(strings.errors.server_error)
  expect(errorMessage({ code: 'weird', message: 'server says' })).toBe('server says')
  expect(errorMessage(null)).toBe(strings.errors.unknown)
  expect(reasonText('stop_at_energy')).toBe(strings.reasons.stop_at_energy)
  expect(reasonText('new_reason')).toBe('new_reason')
  expect(reasonText(null)).toBe('')
})

test('every WXML {{t.x}} / {{c.x}} used by a page exists in strings', () => {
  const fs = require('fs')
  const path = require('path')
  const root = path.join(__dirname, '../..')
  const groups = { pages: {}, components: {} }
  const pageGroups = {
    index: 'index', station: 'station', scan: 'scan', charging: 'charging', orders: 'orders', order: 'order', me: 'me',
    wallet: 'wallet', payment: 'payment', vehicles: 'vehicles', favourites: 'favourites', feedback: 'feedback',
    reservations: 'reservations', settings: 'settings',
  }
  Object.keys(pageGroups).forEach((name) => {
    const wxml = fs.readFileSync(path.join(root, 'pages', name, 'index.wxml'), 'utf8')
    const used = [...wxml.matchAll(/\bt\.(\w+)/g)].map((m) => m[1])
    used.forEach((key) => expect([name, key, strings[pageGroups[name]][key]]).toEqual([name, key, expect.any(String)]))
    const common = [...wxml.matchAll(/\bc\.(\w+)/g)].map((m) => m[1])
    common.forEach((key) => expect([name, key, strings.common[key]]).toEqual([name, key, expect.any(String)]))
    groups.pages[name] = used.length
  })
})
