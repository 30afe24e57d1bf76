/** Orders: paged list (pull-to-refresh, load more), all or unpaid. */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')
const pageState = require('../../utils/page-state')
const { createPager, advance } = require('../../utils/pager')
const orders = require('../../services/orders')

function orderView(o) {
  return {
    id: o.id,
    station: o.station_name || '',
    state: o.state,
    stateText: strings.orderStates[o.state] || o.state,
    when: fmt.dateTime(o.started_at || o.created_at),
    energy: `${fmt.whToKwh(o.energy_wh)} ${strings.common.kwhUnit}`,
    total: fmt.yuan(o.total_fen),
  }
}

Component({
  behaviors: [pageState],
  data: { t: strings.orders, filter: '', items: [], pager: createPager(20), loadingMore: false },
  methods: {
    onLoad() {
      this.setTitle(strings.orders.title)
      this.loaded = true
      return this.reload()
    },

    onShow() {
      // Coming back from a bill: refresh quietly (onLoad already loaded the first time).
      if (this.shown) return this.refreshQuietly()
      this.shown = true
      return undefined
    },

    async refreshQuietly() {
      try {
        const pager = createPager(20)
        const page = await orders.list({ state: this.data.filter, limit: pager.limit, offset: 0 })
        this.setData({ items: page.items.map(orderView), pager: advance(pager, page), status: page.items.length ? 'ready' : 'empty' })
      } catch (err) {
        // keep what is shown
      }
    },

    reload() {
      const pager = createPager(20)
      return this.runLoad(async () => {
        const page = await orders.list({ state: this.data.filter, limit: pager.limit, offset: 0 })
        this.setData({ items: page.items.map(orderView), pager: advance(pager, page) })
        return page.items
      }, (items) => items.length === 0)
    },

    async onPullDownRefresh() {
      await this.reload()
      wx.stopPullDownRefresh()
    },

    async onReachBottom() {
      const { pager, loadingMore } = this.data
      if (pager.done || loadingMore) return
      this.setData({ loadingMore: true })
      try {
        const page = await orders.list({ state: this.data.filter, limit: pager.limit, offset: pager.offset })
        this.setData({ items: this.data.items.concat(page.items.map(orderView)), pager: advance(pager, page) })
      } catch (err) {
        this.toastError(err)
      }
      this.setData({ loadingMore: false })
    },

    onFilter(e) {
      this.setData({ filter: e.currentTarget.dataset.state })
      return this.reload()
    },

    onOpen(e) {
      wx.navigateTo({ url: `/pages/order/index?id=${encodeURIComponent(e.currentTarget.dataset.id)}` })
    },
  },
})
