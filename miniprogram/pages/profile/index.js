/**
 * Avatar and nickname, chosen as WeChat wants them: <button open-type="chooseAvatar"> and
 * <input type="nickname"> (both make WeChat ask for the privacy guide first: the page's
 * <privacy-popup> answers). The server has them checked by WeChat's content security: the nickname
 * at once (a refused one is not saved), the avatar shortly after (others see it once it passed).
 */
const strings = require('../../utils/strings')
const pageState = require('../../utils/page-state')
const { errorMessage } = require('../../utils/errors')
const me = require('../../services/me')
const uploads = require('../../services/uploads')

const NOTES = { pending: strings.profile.avatarPending, risky: strings.profile.avatarRisky }

Component({
  behaviors: [pageState],
  data: { t: strings.profile, avatar: '', avatarNote: '', nickname: '', saving: false },
  methods: {
    onLoad() {
      this.setTitle(strings.profile.title)
      return this.reload()
    },

    reload() {
      return this.runLoad(async () => {
        const user = await me.profile()
        this.show(user)
        return user
      })
    },

    show(user) {
      this.setData({
        avatar: user.avatar_check === 'risky' ? '' : (user.avatar_url || ''), // a risky file is served to nobody
        avatarNote: NOTES[user.avatar_check] || '',
        nickname: user.nickname || '',
      })
    },

    async onChooseAvatar(e) {
      const path = e.detail && e.detail.avatarUrl
      if (!path) return
      this.setData({ saving: true })
      try {
        const url = await uploads.upload(path)
        this.show(await me.update({ avatar_url: url }))
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
      this.setData({ saving: false })
    },

    onNickname(e) {
      this.setData({ nickname: e.detail.value })
    },

    async onSave() {
      const nickname = this.data.nickname.trim()
      if (!nickname) {
        wx.showToast({ title: strings.profile.nicknameEmpty, icon: 'none' })
        return
      }
      this.setData({ saving: true })
      try {
        this.show(await me.update({ nickname }))
        wx.showToast({ title: strings.profile.saved, icon: 'success' })
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
      this.setData({ saving: false })
    },
  },
})
