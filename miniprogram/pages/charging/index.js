/**
 * Live charging: power, kWh, time, cost, SoC from the push socket (polling while it is down),
 * a stop button and the stop-at settings (kWh, amount, minutes). Opens the bill when settled.
 */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')
const pageState = require('../../utils/page-state')
const { errorMessage, reasonText } = require('../../utils/errors')
const stopAtForm = require('../../utils/stop-at')
const sessions = require('../../services/sessions')
const live = require('../../services/live')

const OPEN_STEPS = ['awaiting_payment', 'starting', 'plug_in', 'charging', 'stopping']

function sessionView(s) {
  return {
    power: s.power_w === null || s.power_w === undefined ? '--' : fmt.wToKw(s.power_w),
    energy: fmt.whToKwh(s.energy_wh),
    elapsed: fmt.duration(s.elapsed_s),
    cost: fmt.yuan(s.cost_fen),
    funds: fmt.yuan(s.funds_fen),
    soc: s.soc === null || s.soc === undefined ? '--' : `${s.soc}%`,
    step: strings.steps[s.step] || s.step,
    reason: reasonText(s.reason),
    open: OPEN_STEPS.indexOf(s.step) >= 0,
    finished: s.step === 'finished' || s.step === 'failed',
  }
}

Component({
  behaviors: [pageState],
  data: {
    t: strings.charging,
    orderId: '',
    session: null,
    v: null,
    mode: '',
    stopping: false,
    showStopAt: false,
    stopAt: { kwh: '', yuan: '', minutes: '' },
  },
  methods: {
    onLoad(query) {
      this.setTitle(strings.charging.title)
      this.setData({ orderId: query.order_id })
      return this.reload()
    },

    onUnload() {
      this.closeWatch()
    },

    onHide() {
      this.closeWatch()
    },

    onShow() {
      if (this.data.session && !this.watcher && this.data.v && this.data.v.open) this.startWatch()
    },

    closeWatch() {
      if (this.watcher) this.watcher.close()
      this.watcher = null
    },

    reload() {
      return this.runLoad(async () => {
        const s = await sessions.get(this.data.orderId)
        this.setData({ stopAt: stopAtForm.toForm(s.stop_at) })
        this.apply(s)
        if (!this.watcher && this.data.v.open) this.startWatch()
        return s
      })
    },

    startWatch() {
      this.watcher = live.watch(this.data.orderId, {
        onSession: (s) => this.apply(s),
        onOrder: (order) => this.onOrder(order),
        onMode: (mode) => this.setData({ mode }),
      })
    },

    apply(s) {
      const v = sessionView(s)
      this.setData({ session: s, v })
      if (!v.open) this.closeWatch()
    },

    onOrder(order) {
      this.closeWatch()
      wx.redirectTo({ url: `/pages/order/index?id=${encodeURIComponent(order.id)}` })
    },

    onStop() {
      wx.showModal({
        title: strings.charging.stop,
        content: strings.charging.stopConfirm,
        success: async (r) => {
          if (!r.confirm) return
          this.setData({ stopping: true })
          try {
            this.apply(await sessions.stop(this.data.orderId))
          } catch (err) {
            this.setData({ stopping: false })
            wx.showToast({ title: errorMessage(err), icon: 'none' })
          }
        },
      })
    },

    onToggleStopAt() {
      this.setData({ showStopAt: !this.data.showStopAt })
    },

    onStopAtInput(e) {
      this.setData({ [`stopAt.${e.currentTarget.dataset.field}`]: e.detail.value })
    },

    async onSaveStopAt() {
      const { stopAt, invalid } = stopAtForm.fromForm(this.data.stopAt)
      if (invalid.length) {
        wx.showToast({ title: strings.errors.validation_error, icon: 'none' })
        return
      }
      try {
        this.apply(await sessions.setStopAt(this.data.orderId, stopAt))
        wx.showToast({ title: strings.charging.stopAtSaved, icon: 'success' })
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
    },

    onViewOrder() {
      wx.redirectTo({ url: `/pages/order/index?id=${encodeURIComponent(this.data.orderId)}` })
    },
  },
})
