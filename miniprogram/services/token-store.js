/** Tokens and the signing key of the logged-in driver, kept with wx storage. */
const KEY = 'csms.auth'

function get() {
  try {
    return wx.getStorageSync(KEY) || {}
  } catch (e) {
    return {}
  }
}

/** Store a login/refresh answer: {access_token, refresh_token, expires_in, sign_key, user?}. */
function saveLogin(answer, now = Date.now()) {
  const prev = get()
  const value = {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    signKey: answer.sign_key,
    expiresAt: now + (answer.expires_in || 0) * 1000,
    user: answer.user || prev.user || null,
  }
  wx.setStorageSync(KEY, value)
  return value
}

function saveUser(user) {
  const value = Object.assign({}, get(), { user })
  wx.setStorageSync(KEY, value)
}

function clear() {
  wx.removeStorageSync(KEY)
}

module.exports = { KEY, get, saveLogin, saveUser, clear }
