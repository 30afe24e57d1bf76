/** The mini-program: logs the driver in silently on launch (pages retry on demand). */
const auth = require('./services/auth')
const privacy = require('./services/privacy')

App({
  onLaunch() {
    // before anything private can be asked for: WeChat calls it to show the privacy popup
    privacy.listen()
    auth.ensureLogin().catch(() => {
      // Offline or WeChat refused: the personal centre shows a login button.
    })
  },
})
