/** Settings: log out, clear cached data, server and version. */
const strings = require('../../utils/strings')
const pageState = require('../../utils/page-state')
const auth = require('../../services/auth')
const driverConfig = require('../../services/driver-config')
const tokens = require('../../services/token-store')
const config = require('../../config')

Component({
  behaviors: [pageState],
  data: { t: strings.settings, server: config.apiBaseUrl, version: config.version, loggedIn: false },
  methods: {
    onLoad() {
      this.setTitle(strings.settings.title)
      this.setData({ status: 'ready', loggedIn: auth.isLoggedIn() })
    },

    onLogout() {
      wx.showModal({
        content: strings.settings.logoutConfirm,
        success: async (r) => {
          if (!r.confirm) return
          await auth.logout()
          this.setData({ loggedIn: false })
          wx.reLaunch({ url: '/pages/me/index' })
        },
      })
    },

    onClearCache() {
      const keep = tokens.get()
      wx.clearStorageSync()
      if (keep.accessToken) wx.setStorageSync(tokens.KEY, keep)
      driverConfig.reset()
      wx.showToast({ title: strings.settings.cleared, icon: 'success' })
    },
  },
})
