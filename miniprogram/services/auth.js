/**
 * Driver login: wx.login -> code -> POST /driver/auth/wx-login; refresh with rotation; logout.
 * Login and re-authentication are single-flight: concurrent 401s share one refresh.
 */
const { request } = require('./request')
const tokens = require('./token-store')

let loginFlight = null
let reauthFlight = null

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res && res.code ? resolve(res.code) : reject(new Error('wx.login: no code'))),
      fail: (err) => reject(Object.assign(new Error((err && err.errMsg) || 'wx.login failed'), { code: 'wechat_login_failed' })),
    })
  })
}

/** A fresh login through wx.login (shared by concurrent callers). */
function login(profile) {
  if (!loginFlight) {
    loginFlight = (async () => {
      const code = await wxLoginCode()
      const data = Object.assign({ code }, profile || {})
      const res = await request({ method: 'POST', path: '/driver/auth/wx-login', data, auth: false })
      return tokens.saveLogin(res.data)
    })()
    loginFlight.then(() => { loginFlight = null }, () => { loginFlight = null })
  }
  return loginFlight
}

async function refresh() {
  const { refreshToken } = tokens.get()
  if (!refreshToken) throw new Error('no refresh token')
  const res = await request({
    method: 'POST', path: '/driver/auth/refresh', data: { refresh_token: refreshToken }, auth: false,
  })
  return tokens.saveLogin(res.data)
}

/** After a 401: refresh once; when that is refused, log in again with wx.login. */
function reauthenticate() {
  if (!reauthFlight) {
    reauthFlight = (async () => {
      try {
        return await refresh()
      } catch (e) {
        if (e && e.status === 0) throw e // offline: keep the tokens, report the network error
        tokens.clear()
        return login()
      }
    })()
    reauthFlight.then(() => { reauthFlight = null }, () => { reauthFlight = null })
  }
  return reauthFlight
}

/** Resolves once a usable access token is stored (logging in or refreshing when needed). */
async function ensureLogin() {
  const t = tokens.get()
  if (!t.accessToken) return login()
  if (t.expiresAt && t.expiresAt - 30000 < Date.now()) return reauthenticate()
  return t
}

async function logout() {
  const t = tokens.get()
  if (t.accessToken) {
    try {
      await request({ method: 'POST', path: '/driver/auth/logout', data: { refresh_token: t.refreshToken } })
    } catch (e) {
      // Logging out locally is what matters; the refresh token expires on its own.
    }
  }
  tokens.clear()
}

function isLoggedIn() {
  return !!tokens.get().accessToken
}

module.exports = { login, refresh, reauthenticate, ensureLogin, logout, isLoggedIn }
