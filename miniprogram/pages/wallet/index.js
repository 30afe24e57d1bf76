/** Wallet: balance, top-up with WeChat Pay (success / cancel / failure), paged ledger. */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')
const pageState = require('../../utils/page-state')
const { errorMessage } = require('../../utils/errors')
const { createPager, advance } = require('../../utils/pager')
const wallet = require('../../services/wallet')
const payment = require('../../services/payment')
const config = require('../../config')

function entryView(e) {
  return {
    id: e.id,
    kind: strings.ledgerKinds[e.kind] || e.kind,
    amount: (e.amount_fen > 0 ? '+' : '') + fmt.fenToYuan(e.amount_fen),
    positive: e.amount_fen > 0,
    after: fmt.yuan(e.balance_after_fen),
    when: fmt.dateTime(e.created_at),
    note: e.note || '',
    paymentId: e.payment_id || '',
    orderId: e.order_id || '',
  }
}

Component({
  behaviors: [pageState],
  data: {
    t: strings.wallet,
    balance: '--',
    amounts: config.topupAmountsFen,
    amountFen: config.topupAmountsFen[1] || config.topupAmountsFen[0],
    entries: [],
    pager: createPager(20),
    loadingMore: false,
    paying: false,
  },
  methods: {
    onLoad() {
      this.setTitle(strings.wallet.title)
      return this.reload()
    },

    reload() {
      const pager = createPager(20)
      return this.runLoad(async () => {
        const [b, page] = await Promise.all([wallet.balance(), wallet.ledger({ limit: pager.limit, offset: 0 })])
        this.setData({ balance: fmt.yuan(b.balance_fen), entries: page.items.map(entryView), pager: advance(pager, page) })
        return b
      })
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
        const page = await wallet.ledger({ limit: pager.limit, offset: pager.offset })
        this.setData({ entries: this.data.entries.concat(page.items.map(entryView)), pager: advance(pager, page) })
      } catch (err) {
        this.toastError(err)
      }
      this.setData({ loadingMore: false })
    },

    onAmount(e) {
      this.setData({ amountFen: e.detail.fen || 0 })
    },

    async onTopup() {
      const fen = this.data.amountFen
      if (!(fen > 0)) {
        wx.showToast({ title: strings.wallet.invalidAmount, icon: 'none' })
        return
      }
      this.setData({ paying: true })
      try {
        const p = await wallet.topup(fen)
        const result = await payment.pay(p)
        const titles = {
          paid: strings.pay.success, pending: strings.pay.pending, cancelled: strings.pay.cancelled,
          failed: strings.pay.failed,
        }
        wx.showToast({ title: titles[result.outcome], icon: result.outcome === 'paid' ? 'success' : 'none' })
        if (result.outcome === 'paid' || result.outcome === 'pending') await this.reload()
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
      this.setData({ paying: false })
    },

    onEntry(e) {
      const { paymentId, orderId } = e.currentTarget.dataset
      if (paymentId) wx.navigateTo({ url: `/pages/payment/index?id=${encodeURIComponent(paymentId)}` })
      else if (orderId) wx.navigateTo({ url: `/pages/order/index?id=${encodeURIComponent(orderId)}` })
    },
  },
})
