/** Order detail: bill lines and totals, refund status, wallet pay when unpaid, rating. */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')
const pageState = require('../../utils/page-state')
const { errorMessage, reasonText } = require('../../utils/errors')
const orders = require('../../services/orders')

const RATEABLE = ['paid', 'unpaid', 'refunded']
const INVOICEABLE = ['paid', 'refunded']

function orderView(o) {
  return {
    station: o.station_name || '',
    connector: `${o.charge_point_id} #${o.connector_id}`,
    state: o.state,
    stateText: strings.orderStates[o.state] || o.state,
    started: fmt.dateTime(o.started_at),
    stopped: fmt.dateTime(o.stopped_at),
    energy: `${fmt.whToKwh(o.energy_wh)} ${strings.common.kwhUnit}`,
    energyFee: fmt.yuan(o.energy_fen),
    serviceFee: fmt.yuan(o.service_fen),
    idleFee: o.idle_fee_fen ? fmt.yuan(o.idle_fee_fen) : '',
    total: fmt.yuan(o.total_fen),
    paid: fmt.yuan(o.paid_fen),
    refunded: o.refunded_fen ? fmt.yuan(o.refunded_fen) : '',
    refundStatus: o.state === 'refunded' ? strings.paymentStates.refunded : (o.refunded_fen ? strings.paymentStates.refunding : ''),
    stopReason: reasonText(o.stop_reason),
    unpaid: o.state === 'unpaid',
    canRate: RATEABLE.indexOf(o.state) >= 0 && !o.rated,
    canInvoice: INVOICEABLE.indexOf(o.state) >= 0 && o.paid_fen > 0,
    rated: !!o.rated,
  }
}

Component({
  behaviors: [pageState],
  data: {
    t: strings.order,
    id: '',
    order: null,
    v: null,
    paying: false,
    rating: { station: 0, experience: 0, comment: '' },
  },
  methods: {
    onLoad(query) {
      this.setTitle(strings.order.title)
      this.setData({ id: query.id })
      return this.reload()
    },

    reload() {
      return this.runLoad(async () => {
        const o = await orders.get(this.data.id)
        this.setData({ order: o, v: orderView(o) })
        return o
      })
    },

    async onPay() {
      this.setData({ paying: true })
      try {
        await orders.pay(this.data.id)
        wx.showToast({ title: strings.order.paid_ok, icon: 'success' })
        await this.reload()
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
        if (err.code === 'insufficient_funds') wx.navigateTo({ url: '/pages/wallet/index' })
      }
      this.setData({ paying: false })
    },

    onInvoice() {
      wx.navigateTo({ url: `/pages/invoice/index?order_id=${encodeURIComponent(this.data.id)}` })
    },

    onStationStars(e) {
      this.setData({ 'rating.station': e.detail.value })
    },

    onExperienceStars(e) {
      this.setData({ 'rating.experience': e.detail.value })
    },

    onComment(e) {
      this.setData({ 'rating.comment': e.detail.value })
    },

    async onRate() {
      const r = this.data.rating
      if (!r.station || !r.experience) {
        wx.showToast({ title: strings.errors.validation_error, icon: 'none' })
        return
      }
      const body = { station_stars: r.station, experience_stars: r.experience }
      if (r.comment.trim()) body.comment = r.comment.trim()
      try {
        await orders.rate(this.data.id, body)
        wx.showToast({ title: strings.order.thanks, icon: 'success' })
        this.setData({ 'v.canRate': false, 'v.rated': true })
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
        if (err.code === 'already_rated') this.setData({ 'v.canRate': false, 'v.rated': true })
      }
    },
  },
})
