/** The mini-program: logs the driver in silently on launch (pages retry on demand). */
const auth = require('./services/auth')

App({
  onLaunch() {
    auth.ensureLogin().catch(() => {
      // Offline or WeChat refused: the personal centre shows a login button.
    })
  },
})
