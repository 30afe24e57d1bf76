/** Station detail: connectors, today's tariff, rating and reviews, favourite, navigation, reserve. */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')
const pageState = require('../../utils/page-state')
const { errorMessage } = require('../../utils/errors')
const stations = require('../../services/stations')
const favourites = require('../../services/favourites')
const reservations = require('../../services/reservations')
const driverConfig = require('../../services/driver-config')

function connectorView(c) {
  return {
    key: `${c.charge_point_id}/${c.connector_id}`,
    chargePointId: c.charge_point_id,
    connectorId: c.connector_id,
    label: `${c.charge_point_id} #${c.connector_id}`,
    kind: strings.kinds[c.kind] || c.kind,
    type: c.type || '',
    power: `${fmt.wToKw(c.max_power_w, 0)} ${strings.common.kwUnit}`,
    status: c.status,
    statusText: strings.connectorStatus[c.status] || c.status,
    free: c.status === 'free',
    qr: c.qr,
  }
}

function tariffView(rows) {
  return (rows || []).map((r) => ({
    key: r.start,
    span: `${r.start}-${r.end}`,
    period: strings.periods[r.period] || r.period,
    energy: fmt.yuan(r.energy_fen_per_kwh),
    service: fmt.yuan(r.service_fen_per_kwh),
    total: fmt.pricePerKwh(r.total_fen_per_kwh),
  }))
}

function reviewView(r) {
  return {
    key: r.order_id,
    nickname: r.nickname || '',
    stars: r.station_stars,
    comment: r.comment || '',
    date: fmt.dateTime(r.created_at),
  }
}

Component({
  behaviors: [pageState],
  data: {
    t: strings.station,
    id: null,
    station: null,
    v: null,
    connectors: [],
    tariff: [],
    reviews: [],
    favourite: false,
  },
  methods: {
    onLoad(query) {
      this.setTitle(strings.station.title)
      this.setData({ id: query.id })
      return this.reload()
    },

    reload() {
      return this.runLoad(async () => {
        const [s, reviews] = await Promise.all([
          stations.detail(this.data.id),
          stations.reviews(this.data.id).catch(() => ({ items: [] })),
        ])
        this.setData({
          station: s,
          favourite: !!s.favourite,
          v: {
            name: s.name,
            address: s.address,
            distance: fmt.distance(s.distance_m),
            price: s.price_now ? fmt.pricePerKwh(s.price_now.total_fen_per_kwh) : '--',
            freeOfTotal: `${s.free}/${s.total}`,
            rating: s.rating && s.rating.count ? s.rating.average : 0,
            ratingText: s.rating && s.rating.count ? `${s.rating.average} (${s.rating.count})` : '',
            openingHours: s.opening_hours || '',
            idleFee: s.idle_fee_fen_per_min ? `${fmt.yuan(s.idle_fee_fen_per_min)}${strings.station.perMinute}` : '',
            grace: s.idle_grace_minutes ? fmt.minutesText(s.idle_grace_minutes) : '',
          },
          connectors: (s.connectors || []).map(connectorView),
          tariff: tariffView(s.tariff_today),
          reviews: reviews.items.map(reviewView),
        })
        return s
      })
    },

    async onFavourite() {
      const next = !this.data.favourite
      this.setData({ favourite: next })
      try {
        if (next) await favourites.add(this.data.id)
        else await favourites.remove(this.data.id)
      } catch (err) {
        this.setData({ favourite: !next })
        this.toastError(err)
      }
    },

    onNavigate() {
      const s = this.data.station
      wx.openLocation({ latitude: s.lat, longitude: s.lng, name: s.name, address: s.address, scale: 16 })
    },

    onCharge(e) {
      const qr = e.currentTarget.dataset.qr
      if (qr) wx.navigateTo({ url: `/pages/scan/index?qr=${encodeURIComponent(qr)}` })
    },

    async onReserve(e) {
      const { cp, connector } = e.currentTarget.dataset
      let minutes = ''
      try {
        const cfg = await driverConfig.load()
        minutes = fmt.minutesText(cfg.reservation_hold_minutes)
      } catch (err) {
        // the confirmation still works without the hold time
      }
      const confirmed = await new Promise((resolve) => {
        wx.showModal({
          title: strings.station.reserve,
          content: `${strings.station.reserveConfirm} ${minutes}`,
          success: (r) => resolve(!!r.confirm),
          fail: () => resolve(false),
        })
      })
      if (!confirmed) return
      try {
        const r = await reservations.create(cp, Number(connector))
        wx.showToast({ title: strings.station.reserved.replace('{time}', fmt.clock(r.expires_at)), icon: 'none' })
        await this.reload()
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
    },
  },
})
