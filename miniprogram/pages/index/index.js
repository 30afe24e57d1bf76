/** Home: map and list of nearby stations, filters (fast/slow, free only), search, scan. */
const strings = require('../../utils/strings')
const pageState = require('../../utils/page-state')
const { createPager, advance } = require('../../utils/pager')
const { scanConnector, confirmUrl } = require('../../utils/scan')
const { availabilityOf } = require('../../utils/station-view')
const privacy = require('../../services/privacy')
const stations = require('../../services/stations')
const sessions = require('../../services/sessions')
const config = require('../../config')

/** The location, once the user agreed to the privacy guide (else the default centre). */
async function getLocation() {
  try {
    await privacy.ensure()
  } catch (err) {
    return Object.assign({ denied: true }, config.defaultCenter)
  }
  return new Promise((resolve) => {
    wx.getLocation({
      type: 'gcj02',
      success: (res) => resolve({ latitude: res.latitude, longitude: res.longitude, denied: false }),
      fail: () => resolve(Object.assign({ denied: true }, config.defaultCenter)),
    })
  })
}

/** Map markers coloured by availability; marker id = index in `list`. */
function markersFor(list) {
  return list.map((s, i) => {
    const availability = availabilityOf(s)
    return {
      id: i,
      latitude: s.lat,
      longitude: s.lng,
      iconPath: `/images/marker-${availability}.png`,
      width: 32,
      height: 40,
      availability,
      callout: { content: `${s.name} ${s.free}/${s.total}`, display: 'BYCLICK', padding: 8, borderRadius: 8 },
    }
  })
}

/** Search has no filters on the server: apply kind/free here. */
function applyFilters(list, kind, freeOnly) {
  return list.filter((s) => (!kind || (s.kinds || []).indexOf(kind) >= 0) && (!freeOnly || s.free > 0))
}

Component({
  behaviors: [pageState],
  data: {
    t: strings.index,
    mode: 'map',
    kind: '',
    freeOnly: false,
    query: '',
    latitude: config.defaultCenter.latitude,
    longitude: config.defaultCenter.longitude,
    locationDenied: false,
    mapKey: config.tencentMapKey,
    stations: [],
    markers: [],
    selected: null,
    pager: createPager(20),
    loadingMore: false,
    current: null,
  },
  methods: {
    async onLoad() {
      this.setTitle(strings.index.title)
      const loc = await getLocation()
      this.setData({ latitude: loc.latitude, longitude: loc.longitude, locationDenied: loc.denied })
      await this.reload()
    },

    /** A session still open (the app was closed while charging): offer to go back to it. */
    async onShow() {
      try {
        const open = await sessions.current()
        this.setData({ current: open && open.length ? open[0] : null })
      } catch (err) {
        this.setData({ current: null })
      }
    },

    onResume() {
      const s = this.data.current
      if (s) wx.navigateTo({ url: `/pages/charging/index?order_id=${encodeURIComponent(s.order_id)}` })
    },

    fetchPage(pager) {
      const { latitude, longitude, kind, freeOnly, query } = this.data
      if (query) {
        return stations.search(query, latitude, longitude, pager)
          .then((r) => ({ items: applyFilters(r.items, kind, freeOnly), total: r.total, raw: r.items.length }))
      }
      return stations.nearby(latitude, longitude, {
        kind, free: freeOnly, radiusM: config.searchRadiusM, limit: pager.limit, offset: pager.offset,
      })
    },

    reload() {
      const pager = createPager(20)
      return this.runLoad(async () => {
        const page = await this.fetchPage(pager)
        this.setData({
          stations: page.items,
          markers: markersFor(page.items),
          selected: null,
          pager: advance(pager, { items: new Array(page.raw === undefined ? page.items.length : page.raw), total: page.total }),
        })
        return page.items
      }, (items) => items.length === 0)
    },

    async loadMore() {
      const { pager, loadingMore } = this.data
      if (pager.done || loadingMore) return
      this.setData({ loadingMore: true })
      try {
        const page = await this.fetchPage(pager)
        const list = this.data.stations.concat(page.items)
        this.setData({
          stations: list,
          markers: markersFor(list),
          pager: advance(pager, { items: new Array(page.raw === undefined ? page.items.length : page.raw), total: page.total }),
        })
      } catch (err) {
        this.toastError(err)
      }
      this.setData({ loadingMore: false })
    },

    async onPullDownRefresh() {
      await this.reload()
      wx.stopPullDownRefresh()
    },

    onReachBottom() {
      if (this.data.mode === 'list') return this.loadMore()
      return undefined
    },

    onMode(e) {
      this.setData({ mode: e.currentTarget.dataset.mode })
    },

    onKind(e) {
      const kind = e.currentTarget.dataset.kind
      this.setData({ kind: this.data.kind === kind ? '' : kind })
      return this.reload()
    },

    onFreeOnly() {
      this.setData({ freeOnly: !this.data.freeOnly })
      return this.reload()
    },

    onQueryInput(e) {
      this.setData({ query: e.detail.value })
    },

    onSearch() {
      return this.reload()
    },

    onClearSearch() {
      this.setData({ query: '' })
      return this.reload()
    },

    onMarkerTap(e) {
      const s = this.data.stations[e.detail.markerId]
      if (s) this.setData({ selected: s })
    },

    onCloseCard() {
      this.setData({ selected: null })
    },

    onOpenStation(e) {
      const id = e.detail && e.detail.id !== undefined ? e.detail.id : e.currentTarget.dataset.id
      wx.navigateTo({ url: `/pages/station/index?id=${encodeURIComponent(id)}` })
    },

    onNavigate(e) {
      const s = e.detail.station
      wx.openLocation({ latitude: s.lat, longitude: s.lng, name: s.name, address: s.address, scale: 16 })
    },

    async onScan() {
      const scanned = await scanConnector()
      if (!scanned) return
      if (!scanned.parsed) {
        wx.showToast({ title: strings.scan.notOurs, icon: 'none' })
        return
      }
      wx.navigateTo({ url: confirmUrl(scanned.content) })
    },
  },
})
