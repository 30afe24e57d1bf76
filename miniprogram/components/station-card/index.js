/** A station in the list/map: name, distance, price now, free/total, kinds. Emits open / navigate. */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')

function view(s) {
  if (!s) return null
  const price = s.price_now
  let availability = 'free'
  if (!s.free) availability = s.occupied ? 'occupied' : 'offline'
  return {
    name: s.name,
    address: s.address,
    distance: fmt.distance(s.distance_m),
    price: price ? fmt.pricePerKwh(price.total_fen_per_kwh) : '--',
    period: price ? strings.periods[price.period] || price.period : '',
    free: s.free || 0,
    total: s.total || 0,
    availability,
    kinds: (s.kinds || []).map((k) => strings.kinds[k] || k),
    maxPower: s.max_power_w ? `${fmt.wToKw(s.max_power_w, 0)} ${strings.common.kwUnit}` : '',
    rating: s.rating && s.rating.count ? `${s.rating.average}` : '',
  }
}

Component({
  properties: {
    station: { type: Object, value: null },
  },
  data: { t: strings.index, v: null },
  observers: {
    station(s) {
      this.setData({ v: view(s) })
    },
  },
  methods: {
    onOpen() {
      this.triggerEvent('open', { id: this.data.station && this.data.station.id })
    },
    onNavigate() {
      this.triggerEvent('navigate', { station: this.data.station })
    },
  },
})

module.exports = { view }
