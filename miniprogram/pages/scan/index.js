/**
 * Scan to charge: QR -> lookup (connector, power, price now, funds) -> confirm (wallet or prepay,
 * optional stop-at) -> start with step-by-step progress -> the live page. Failures say why and
 * offer a retry (of the payment when that is what failed, else of the start).
 */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')
const pageState = require('../../utils/page-state')
const { errorMessage, reasonText } = require('../../utils/errors')
const { parseQr, qrFromOptions } = require('../../utils/qr')
const { scanConnector } = require('../../utils/scan')
const stopAtForm = require('../../utils/stop-at')
const stations = require('../../services/stations')
const sessions = require('../../services/sessions')
const payment = require('../../services/payment')
const live = require('../../services/live')
const driverConfig = require('../../services/driver-config')
const config = require('../../config')

const S = strings.steps

function stepsFor(payMode) {
  const keys = payMode === 'prepay'
    ? ['create', 'awaiting_payment', 'starting', 'plug_in', 'charging']
    : ['create', 'starting', 'plug_in', 'charging']
  return keys.map((key) => ({ key, label: S[key] }))
}

Component({
  behaviors: [pageState],
  data: {
    t: strings.scan,
    tc: strings.charging,
    phase: 'lookup', // lookup | confirm | progress
    qr: '',
    info: null,
    v: null,
    payMode: 'wallet',
    prepayOptions: [],
    prepayFen: 0,
    walletOk: true,
    showStopAt: false,
    stopAt: { kwh: '', yuan: '', minutes: '' },
    steps: [],
    step: '',
    failed: false,
    failText: '',
    retryAction: '',
    session: null,
  },
  methods: {
    onLoad(query) {
      this.setTitle(strings.scan.title)
      const qr = qrFromOptions(query)
      if (qr) return this.lookup(qr)
      return this.onRescan()
    },

    onUnload() {
      this.closeWatch()
    },

    closeWatch() {
      if (this.watcher) this.watcher.close()
      this.watcher = null
    },

    async onRescan() {
      const scanned = await scanConnector()
      if (!scanned) {
        this.setData({ status: 'error', errorText: strings.scan.scanHint, phase: 'lookup' })
        return undefined
      }
      return this.lookup(scanned.content)
    },

    lookup(qr) {
      this.setData({ qr, phase: 'lookup' })
      return this.runLoad(async () => {
        const cfg = await driverConfig.load()
        if (!parseQr(qr, cfg.qr_base_url)) throw Object.assign(new Error(strings.scan.notOurs), { code: 'invalid_qr' })
        const info = await stations.scan(qr)
        const prepayOptions = config.prepayAmountsFen.filter((f) => f >= cfg.min_prepay_fen && f <= cfg.max_prepay_fen)
        const walletOk = info.balance_fen >= info.min_wallet_fen
        const c = info.connector || {}
        this.setData({
          info,
          phase: 'confirm',
          prepayOptions,
          prepayFen: prepayOptions[0] || cfg.min_prepay_fen,
          walletOk,
          payMode: walletOk ? 'wallet' : 'prepay',
          v: {
            station: info.station ? info.station.name : '',
            address: info.station ? info.station.address : '',
            connector: `${info.charge_point_id} #${info.connector_id}`,
            kind: `${strings.kinds[c.kind] || c.kind || ''} ${c.type || ''}`,
            power: `${fmt.wToKw(c.max_power_w, 0)} ${strings.common.kwUnit}`,
            status: strings.connectorStatus[c.status] || c.status || '',
            price: info.price_now ? fmt.pricePerKwh(info.price_now.total_fen_per_kwh) : '--',
            period: info.price_now ? strings.periods[info.price_now.period] || '' : '',
            balance: fmt.yuan(info.balance_fen),
            minWallet: fmt.yuan(info.min_wallet_fen),
            cannot: info.can_start ? '' : reasonText(info.reason),
          },
        })
        return info
      })
    },

    onPayMode(e) {
      const mode = e.currentTarget.dataset.mode
      if (mode === 'wallet' && !this.data.walletOk) return
      this.setData({ payMode: mode })
    },

    onPrepayAmount(e) {
      this.setData({ prepayFen: e.detail.fen || 0 })
    },

    onToggleStopAt() {
      this.setData({ showStopAt: !this.data.showStopAt })
    },

    onStopAtInput(e) {
      this.setData({ [`stopAt.${e.currentTarget.dataset.field}`]: e.detail.value })
    },

    onTopup() {
      wx.navigateTo({ url: '/pages/wallet/index' })
    },

    fail(text, retryAction) {
      this.closeWatch()
      this.setData({ failed: true, failText: text, retryAction })
    },

    /** Create the session, pay when prepaying, then follow it until charging (or failure). */
    async onStart() {
      const { info, payMode, prepayFen } = this.data
      if (!info || !info.can_start) return
      const { stopAt, invalid } = stopAtForm.fromForm(this.data.stopAt)
      if (invalid.length) {
        wx.showToast({ title: strings.errors.validation_error, icon: 'none' })
        return
      }
      if (payMode === 'prepay' && !(prepayFen > 0)) {
        wx.showToast({ title: strings.wallet.invalidAmount, icon: 'none' })
        return
      }
      this.setData({ phase: 'progress', steps: stepsFor(payMode), step: 'create', failed: false, failText: '' })
      let session
      try {
        session = await sessions.start({
          chargePointId: info.charge_point_id, connectorId: info.connector_id, payMode, prepayFen, stopAt,
        })
      } catch (err) {
        this.fail(errorMessage(err), 'start')
        return
      }
      this.setData({ session })
      if (payMode === 'prepay') {
        await this.pay()
        return
      }
      this.follow(session)
    },

    async pay() {
      const session = this.data.session
      this.setData({ step: 'awaiting_payment', failed: false, failText: '' })
      const result = await payment.pay(session.payment).catch((err) => ({ outcome: 'failed', message: errorMessage(err) }))
      if (result.outcome === 'cancelled') return this.fail(strings.scan.payCancelled, 'start')
      if (result.outcome === 'failed') return this.fail(`${strings.scan.payFailed} ${result.message || ''}`.trim(), 'pay')
      this.follow(session)
      return undefined
    },

    follow(session) {
      this.setData({ step: 'starting' })
      this.closeWatch()
      this.watcher = live.watch(session.order_id, { onSession: (s) => this.onSession(s) })
    },

    onSession(s) {
      if (this.data.failed) return
      if (s.step === 'failed') {
        this.fail(reasonText(s.reason) || strings.scan.failed, 'start')
        return
      }
      if (['starting', 'plug_in', 'awaiting_payment'].indexOf(s.step) >= 0) this.setData({ step: s.step })
      if (['charging', 'stopping', 'finished'].indexOf(s.step) >= 0) {
        this.setData({ step: 'charging' })
        this.closeWatch()
        wx.redirectTo({ url: `/pages/charging/index?order_id=${encodeURIComponent(s.order_id)}` })
      }
    },

    onRetry() {
      if (this.data.retryAction === 'pay') return this.pay()
      this.setData({ phase: 'confirm', failed: false })
      return this.lookup(this.data.qr)
    },
  },
})
