/** Feedback: new report with category, text and up to 3 photos (chooseMedia + upload); my reports. */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')
const pageState = require('../../utils/page-state')
const { errorMessage } = require('../../utils/errors')
const feedback = require('../../services/feedback')
const uploads = require('../../services/uploads')
const privacy = require('../../services/privacy')

const CATEGORIES = ['fault', 'payment', 'station', 'app', 'other']
const MAX_PHOTOS = 3

/** What the author is told of the content check of the report's photos. */
function photoNote(checks) {
  const states = Object.keys(checks || {}).map((url) => checks[url])
  if (states.indexOf('risky') >= 0) return strings.feedback.photosRisky
  if (states.indexOf('pending') >= 0) return strings.feedback.photosPending
  return ''
}

function itemView(f) {
  return {
    id: f.id,
    category: strings.feedbackCategories[f.category] || f.category,
    content: f.content,
    status: strings.feedbackStatus[f.status] || f.status,
    reply: f.reply || '',
    when: fmt.dateTime(f.created_at),
    photos: f.photos || [],
    photoNote: photoNote(f.photo_checks),
  }
}

function chooseImages(count) {
  return new Promise((resolve) => {
    wx.chooseMedia({
      count, mediaType: ['image'], sizeType: ['compressed'],
      success: (res) => resolve((res.tempFiles || []).map((f) => f.tempFilePath)),
      fail: () => resolve([]),
    })
  })
}

Component({
  behaviors: [pageState],
  data: {
    t: strings.feedback,
    categories: CATEGORIES.map((key) => ({ key, label: strings.feedbackCategories[key] })),
    form: { category: 'fault', content: '', photos: [] },
    uploading: false,
    sending: false,
    items: [],
    orderId: '',
    stationId: '',
  },
  methods: {
    onLoad(query) {
      this.setTitle(strings.feedback.title)
      this.setData({ orderId: query.order_id || '', stationId: query.station_id || '' })
      return this.reload()
    },

    reload() {
      return this.runLoad(async () => {
        const page = await feedback.list()
        this.setData({ items: page.items.map(itemView) })
        return page.items
      })
    },

    async onPullDownRefresh() {
      await this.reload()
      wx.stopPullDownRefresh()
    },

    onCategory(e) {
      this.setData({ 'form.category': e.currentTarget.dataset.key })
    },

    onContent(e) {
      this.setData({ 'form.content': e.detail.value })
    },

    async onAddPhoto() {
      const room = MAX_PHOTOS - this.data.form.photos.length
      if (room <= 0) return
      try {
        await privacy.ensure()
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
        return
      }
      const paths = await chooseImages(room)
      if (!paths.length) return
      this.setData({ uploading: true })
      try {
        const urls = []
        for (const p of paths) urls.push(await uploads.upload(p))
        this.setData({ 'form.photos': this.data.form.photos.concat(urls) })
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
      this.setData({ uploading: false })
    },

    onRemovePhoto(e) {
      const photos = this.data.form.photos.slice()
      photos.splice(Number(e.currentTarget.dataset.index), 1)
      this.setData({ 'form.photos': photos })
    },

    async onSubmit() {
      const { category, content, photos } = this.data.form
      if (content.trim().length < 5) {
        wx.showToast({ title: strings.feedback.tooShort, icon: 'none' })
        return
      }
      const body = { category, content: content.trim(), photos }
      if (this.data.orderId) body.order_id = this.data.orderId
      if (this.data.stationId) body.station_id = Number(this.data.stationId)
      this.setData({ sending: true })
      try {
        await feedback.create(body)
        wx.showToast({ title: strings.feedback.sent, icon: 'success' })
        this.setData({ form: { category: 'fault', content: '', photos: [] } })
        await this.reload()
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
      this.setData({ sending: false })
    },
  },
})
