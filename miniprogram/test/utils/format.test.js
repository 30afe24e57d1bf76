const fmt = require('../../utils/format')

test('fen to yuan with integer arithmetic', () => {
  expect(fmt.fenToYuan(0)).toBe('0.00')
  expect(fmt.fenToYuan(5)).toBe('0.05')
  expect(fmt.fenToYuan(1234)).toBe('12.34')
  expect(fmt.fenToYuan(-5)).toBe('-0.05')
  expect(fmt.fenToYuan(123456789)).toBe('1234567.89')
  expect(fmt.fenToYuan(null)).toBe('--')
  expect(fmt.fenToYuan(1.5)).toBe('--')
  expect(fmt.yuan(1234)).toBe('¥12.34')
  expect(fmt.yuan(-1234)).toBe('-¥12.34')
  // 0.1 + 0.2 style drift cannot happen: sums stay in fen
  expect(fmt.fenToYuan(10 + 20)).toBe('0.30')
})

test('yuan text to fen', () => {
  expect(fmt.yuanToFen('12')).toBe(1200)
  expect(fmt.yuanToFen('12.3')).toBe(1230)
  expect(fmt.yuanToFen('0.05')).toBe(5)
  expect(fmt.yuanToFen('19.99')).toBe(1999)
  expect(fmt.yuanToFen(' 1.10 ')).toBe(110)
  ;['', 'abc', '-1', '1.234', '1e3', null].forEach((bad) => expect(fmt.yuanToFen(bad)).toBeNull())
})

test('kWh from Wh, kW from W, rounding half up', () => {
  expect(fmt.whToKwh(0)).toBe('0.00')
  expect(fmt.whToKwh(5)).toBe('0.01')
  expect(fmt.whToKwh(4)).toBe('0.00')
  expect(fmt.whToKwh(12345)).toBe('12.35')
  expect(fmt.whToKwh(12345, 3)).toBe('12.345')
  expect(fmt.wToKw(7400)).toBe('7.4')
  expect(fmt.wToKw(120000, 0)).toBe('120')
  expect(fmt.whToKwh(undefined)).toBe('--')
})

test('durations, distances, prices', () => {
  expect(fmt.duration(0)).toBe('0:00:00')
  expect(fmt.duration(3725)).toBe('1:02:05')
  expect(fmt.duration(-1)).toBe('--')
  expect(fmt.minutesText(45)).toBe('45分钟')
  expect(fmt.minutesText(90)).toBe('1小时30分')
  expect(fmt.distance(850)).toBe('850 m')
  expect(fmt.distance(1250)).toBe('1.3 km')
  expect(fmt.distance(null)).toBe('')
  expect(fmt.pricePerKwh(120)).toBe('¥1.20/kWh')
  expect(fmt.parseScaled('30.5', 3)).toBe(30500)
  expect(fmt.parseScaled('1.2345', 3)).toBeNull()
})

test('times are shown in local time', () => {
  const iso = '2024-05-01T02:05:00Z'
  const d = new Date(iso)
  const pad = (n) => String(n).padStart(2, '0')
  expect(fmt.dateTime(iso)).toBe(`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`)
  expect(fmt.clock(iso)).toBe(`${pad(d.getHours())}:${pad(d.getMinutes())}`)
  expect(fmt.dateTime(null)).toBe('--')
  expect(fmt.dateTime('garbage')).toBe('--')
})
