/** One payment: amount, state, refund status; a pending one can be paid from here. */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')
const pageState = require('../../utils/page-state')
const wallet = require('../../services/wallet')
const payment = require('../../services/payment')

function paymentView(p) {
  let refund = strings.payment.noRefund
  if (p.state === 'refunding') refund = strings.paymentStates.refunding
  else if (p.refunded_fen) refund = `${strings.paymentStates.refunded} ${fmt.yuan(p.refunded_fen)}`
  return {
    kind: strings.ledgerKinds[p.kind] || (p.kind === 'prepay' ? strings.scan.prepay : p.kind),
    amount: fmt.yuan(p.amount_fen),
    state: p.state,
    stateText: strings.paymentStates[p.state] || p.state,
    refund,
    outTradeNo: p.out_trade_no || '',
    created: fmt.dateTime(p.created_at),
    paidAt: p.paid_at ? fmt.dateTime(p.paid_at) : '',
    payable: p.state === 'pending' && !!p.pay_params,
  }
}

Component({
  behaviors: [pageState],
  data: { t: strings.payment, id: '', payment: null, v: null },
  methods: {
    onLoad(query) {
      this.setTitle(strings.payment.title)
      this.setData({ id: query.id })
      return this.reload()
    },

    reload() {
      return this.runLoad(async () => {
        const p = await wallet.payment(this.data.id)
        this.setData({ payment: p, v: paymentView(p) })
        return p
      })
    },

    async onPay() {
      const result = await payment.pay(this.data.payment).catch(() => ({ outcome: 'failed' }))
      const titles = { paid: strings.pay.success, pending: strings.pay.pending, cancelled: strings.pay.cancelled, failed: strings.pay.failed }
      wx.showToast({ title: titles[result.outcome], icon: 'none' })
      await this.reload()
    },
  },
})
