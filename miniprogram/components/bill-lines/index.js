/** The per-period lines of a bill: period, time span, kWh, prices and amount. */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')

function view(lines) {
  return (lines || []).map((l, i) => ({
    key: i,
    period: strings.periods[l.period] || l.period,
    span: `${fmt.clock(l.start)}-${fmt.clock(l.end)}`,
    energy: `${fmt.whToKwh(l.energy_wh)} ${strings.common.kwhUnit}`,
    prices: `${fmt.pricePerKwh(l.energy_price_fen_per_kwh)} + ${fmt.pricePerKwh(l.service_price_fen_per_kwh)}`,
    amount: fmt.yuan(l.amount_fen),
  }))
}

Component({
  properties: {
    lines: { type: Array, value: [] },
  },
  data: { rows: [], t: strings.order },
  observers: {
    lines(lines) {
      this.setData({ rows: view(lines) })
    },
  },
})
