/**
 * The privacy popup: shown when WeChat asks for the user's agreement to the privacy guide
 * (services/privacy.js). Agreeing goes through WeChat's own button (open-type
 * "agreePrivacyAuthorization"), which is what lets WeChat go on with the call that asked.
 */
const strings = require('../../utils/strings')
const privacy = require('../../services/privacy')

const AGREE_BUTTON = 'agree-privacy'

Component({
  data: { t: strings.privacy, show: false, contractName: '' },
  lifetimes: {
    attached() {
      privacy.register(this)
    },
    detached() {
      privacy.unregister(this)
      this.answer({ event: 'disagree' })
    },
  },
  methods: {
    /** WeChat needs the agreement: show the popup until the user answers. */
    async ask(resolve, eventInfo) {
      if (this.resolve) this.resolve({ event: 'disagree' }) // an older question is superseded
      this.resolve = resolve
      this.referrer = (eventInfo && eventInfo.referrer) || ''
      const s = await privacy.setting()
      this.setData({ show: true, contractName: s.privacyContractName || strings.privacy.contract })
    },

    answer(result) {
      const resolve = this.resolve
      this.resolve = null
      if (this.data.show) this.setData({ show: false })
      if (resolve) resolve(result)
    },

    onAgree() {
      this.answer({ buttonId: AGREE_BUTTON, event: 'agree' })
    },

    onDisagree() {
      this.answer({ event: 'disagree' })
      wx.showToast({ title: strings.errors.privacy_denied, icon: 'none' })
    },

    onContract() {
      privacy.openContract()
    },
  },
})
