/** A <station card> of the API -> what the card and the map show (availability colours the marker). */
const strings = require('./strings')
const fmt = require('./format')

function availabilityOf(s) {
  if (s.free) return 'free'
  return s.occupied ? 'occupied' : 'offline'
}

function stationView(s) {
  if (!s) return null
  const price = s.price_now
  return {
    name: s.name,
    address: s.address,
    distance: fmt.distance(s.distance_m),
    price: price ? fmt.pricePerKwh(price.total_fen_per_kwh) : '--',
    period: price ? strings.periods[price.period] || price.period : '',
    free: s.free || 0,
    total: s.total || 0,
    availability: availabilityOf(s),
    kinds: (s.kinds || []).map((k) => strings.kinds[k] || k),
    maxPower: s.max_power_w ? `${fmt.wToKw(s.max_power_w, 0)} ${strings.common.kwUnit}` : '',
    rating: s.rating && s.rating.count ? `${s.rating.average}` : '',
  }
}

module.exports = { stationView, availabilityOf }
