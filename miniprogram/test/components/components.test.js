const { renderComponent, tap, input, text, flush, freshWx } = require('../helpers/render')
const { aStation } = require('../helpers/builders')
const strings = require('../../utils/strings')

beforeEach(() => freshWx())

describe('station-card', () => {
  test('shows price now, free/total, distance, kinds; emits open and navigate', async () => {
    const comp = renderComponent('components/station-card/index', { station: aStation() })
    await flush()
    const t = text(comp)
    expect(t).toContain('科技园充电站')
    expect(t).toContain('¥1.20/kWh')
    expect(t).toContain('3/8')
    expect(t).toContain('850 m')
    expect(t).toContain(strings.kinds.dc)
    expect(t).toContain('120 kW')
    const open = jest.fn()
    const nav = jest.fn()
    comp.addEventListener('open', open)
    comp.addEventListener('navigate', nav)
    await tap(comp, '.nav')
    expect(nav).toHaveBeenCalled()
    expect(open).not.toHaveBeenCalled() // catchtap keeps the card closed
    await tap(comp, '.station-card')
    expect(open.mock.calls[0][0].detail).toEqual({ id: 1 })
  })

  test('no price and no free connector', async () => {
    const comp = renderComponent('components/station-card/index', { station: aStation({ price_now: null, free: 0, occupied: 0 }) })
    await flush()
    expect(text(comp)).toContain('--')
    expect(comp.data.v.availability).toBe('offline')
  })
})

describe('step-progress', () => {
  const steps = [{ key: 'a', label: 'A' }, { key: 'b', label: 'B' }, { key: 'c', label: 'C' }]

  test('done, active, todo and failed', async () => {
    const comp = renderComponent('components/step-progress/index', { steps, current: 'b' })
    await flush()
    expect(comp.data.items.map((i) => i.state)).toEqual(['done', 'active', 'todo'])
    comp.setData({ failed: true })
    await flush()
    expect(comp.data.items.map((i) => i.state)).toEqual(['done', 'failed', 'todo'])
    expect(text(comp)).toContain('✕')
  })
})

describe('bill-lines', () => {
  test('one row per period with prices and amount', async () => {
    const comp = renderComponent('components/bill-lines/index', {
      lines: [{ period: 'peak', start: '2024-05-01T02:00:00Z', end: '2024-05-01T03:00:00Z', energy_wh: 7250, energy_price_fen_per_kwh: 120, service_price_fen_per_kwh: 50, energy_fen: 870, service_fen: 363, amount_fen: 1233 }],
    })
    await flush()
    const t = text(comp)
    expect(t).toContain(strings.periods.peak)
    expect(t).toContain('7.25 kWh')
    expect(t).toContain('¥1.20/kWh + ¥0.50/kWh')
    expect(t).toContain('¥12.33')
  })
})

describe('star-rating', () => {
  test('tap sets and emits the value; readonly ignores taps', async () => {
    const comp = renderComponent('components/star-rating/index', { value: 0 })
    const change = jest.fn()
    comp.addEventListener('change', change)
    comp.querySelectorAll('.star')[2].dispatchEvent('tap')
    await flush()
    expect(change.mock.calls[0][0].detail).toEqual({ value: 3 })
    expect(comp.querySelectorAll('.on')).toHaveLength(3)
    const ro = renderComponent('components/star-rating/index', { value: 4, readonly: true })
    ro.querySelectorAll('.star')[0].dispatchEvent('tap')
    await flush()
    expect(ro.data.value).toBe(4)
  })
})

describe('amount-picker', () => {
  test('presets in yuan and a custom amount converted to fen', async () => {
    const comp = renderComponent('components/amount-picker/index', { amounts: [2000, 5050], value: 2000 })
    await flush()
    expect(text(comp)).toContain('20元')
    expect(text(comp)).toContain('50.50元')
    const change = jest.fn()
    comp.addEventListener('change', change)
    await tap(comp, '.amount-5050')
    expect(change.mock.calls[0][0].detail).toEqual({ fen: 5050 })
    await input(comp, '.custom', '8.8')
    expect(change.mock.calls[1][0].detail).toEqual({ fen: 880 })
    await input(comp, '.custom', '0')
    expect(change.mock.calls[2][0].detail).toEqual({ fen: null })
  })
})
