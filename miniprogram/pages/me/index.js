/**
 * Personal centre: login, phone binding, balance, entries, notification consent. The phone button
 * makes WeChat ask for the privacy guide first: the page's <privacy-popup> answers.
 */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')
const pageState = require('../../utils/page-state')
const { errorMessage } = require('../../utils/errors')
const auth = require('../../services/auth')
const me = require('../../services/me')
const driverConfig = require('../../services/driver-config')

const ENTRIES = [
  { key: 'profile', url: '/pages/profile/index' },
  { key: 'wallet', url: '/pages/wallet/index' },
  { key: 'vehicles', url: '/pages/vehicles/index' },
  { key: 'favourites', url: '/pages/favourites/index' },
  { key: 'reservations', url: '/pages/reservations/index' },
  { key: 'feedback', url: '/pages/feedback/index' },
  { key: 'settings', url: '/pages/settings/index' },
]

function userView(u) {
  return {
    nickname: u.nickname || strings.me.title,
    avatar: u.avatar_check === 'risky' ? '' : (u.avatar_url || ''), // a risky file is served to nobody
    phone: u.phone || '',
    phoneBound: !!u.phone_bound,
    balance: fmt.yuan(u.balance_fen),
  }
}

function subscribe(tmplIds) {
  return new Promise((resolve, reject) => {
    wx.requestSubscribeMessage({ tmplIds, success: resolve, fail: reject })
  })
}

Component({
  behaviors: [pageState],
  data: {
    t: strings.me,
    loggedIn: false,
    user: null,
    entries: ENTRIES.map((e) => ({ key: e.key, url: e.url, label: strings.me[e.key] })),
    subscribed: false,
  },
  methods: {
    onLoad() {
      this.setTitle(strings.me.title)
    },

    onShow() {
      if (!auth.isLoggedIn()) {
        this.setData({ loggedIn: false, status: 'ready' })
        return undefined
      }
      return this.reload()
    },

    reload() {
      return this.runLoad(async () => {
        const u = await me.profile()
        this.setData({ loggedIn: true, user: userView(u) })
        return u
      })
    },

    async onLogin() {
      try {
        await auth.login()
        await this.reload()
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
    },

    async onPhone(e) {
      const code = e.detail && e.detail.code
      if (!code) return // the driver declined
      try {
        const u = await me.bindPhone(code)
        this.setData({ user: userView(u) })
        wx.showToast({ title: strings.me.phoneBound, icon: 'success' })
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
    },

    async onSubscribe() {
      try {
        const cfg = await driverConfig.load()
        const ids = [cfg.bill_template_id, cfg.complete_template_id].filter(Boolean)
        if (!ids.length) return
        const res = await subscribe(ids)
        const results = {}
        ids.forEach((id) => { if (res[id]) results[id] = res[id] })
        await me.saveSubscriptions(results)
        this.setData({ subscribed: true })
        wx.showToast({ title: strings.me.notifyDone, icon: 'success' })
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
    },

    onOpen(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },

    onOrders() {
      wx.switchTab({ url: '/pages/orders/index' })
    },
  },
})
