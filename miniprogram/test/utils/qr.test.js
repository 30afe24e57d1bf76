const { parseQr, qrFromOptions } = require('../../utils/qr')

const BASE = 'https://qr.example.com/c'

test('our QR codes', () => {
  expect(parseQr('https://qr.example.com/c/CP-1/1', BASE)).toEqual({ chargePointId: 'CP-1', connectorId: 1, content: 'https://qr.example.com/c/CP-1/1' })
  expect(parseQr('https://qr.example.com/c/CP%201/12', BASE).chargePointId).toBe('CP 1')
  expect(parseQr('https://qr.example.com/c/CP-1/2', `${BASE}/`).connectorId).toBe(2)
  expect(parseQr('https://any.example.com/x/CP-9/3').chargePointId).toBe('CP-9')
})

test('anything else is refused', () => {
  expect(parseQr('https://evil.example.com/c/CP-1/1', BASE)).toBeNull()
  expect(parseQr('https://qr.example.com/c/CP-1', BASE)).toBeNull()
  expect(parseQr('https://qr.example.com/c/CP-1/one', BASE)).toBeNull()
  expect(parseQr('hello', BASE)).toBeNull()
  expect(parseQr(undefined, BASE)).toBeNull()
})

test('page options: qr from our navigation, q from a WeChat launch', () => {
  expect(qrFromOptions({ qr: encodeURIComponent('https://a/b/1') })).toBe('https://a/b/1')
  expect(qrFromOptions({ q: encodeURIComponent('https://a/b/2') })).toBe('https://a/b/2')
  expect(qrFromOptions({})).toBe('')
  expect(qrFromOptions(undefined)).toBe('')
})
