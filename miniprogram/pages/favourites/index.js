/** Favourite stations: open, navigate, remove. */
const strings = require('../../utils/strings')
const pageState = require('../../utils/page-state')
const { errorMessage } = require('../../utils/errors')
const favourites = require('../../services/favourites')

Component({
  behaviors: [pageState],
  data: { t: strings.favourites, items: [] },
  methods: {
    onLoad() {
      this.setTitle(strings.favourites.title)
    },

    onShow() {
      return this.reload()
    },

    reload() {
      return this.runLoad(async () => {
        const items = await favourites.list()
        this.setData({ items })
        return items
      }, (items) => items.length === 0)
    },

    onOpenStation(e) {
      wx.navigateTo({ url: `/pages/station/index?id=${encodeURIComponent(e.detail.id)}` })
    },

    onNavigate(e) {
      const s = e.detail.station
      wx.openLocation({ latitude: s.lat, longitude: s.lng, name: s.name, address: s.address, scale: 16 })
    },

    async onRemove(e) {
      try {
        await favourites.remove(e.currentTarget.dataset.id)
        await this.reload()
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
    },
  },
})
