/** Photo upload (multipart `file`) with wx.uploadFile; -> the served URL. */
const config = require('../config')
const tokens = require('./token-store')
const { API_PREFIX, ApiError } = require('./request')
const auth = require('./auth')

function uploadOnce(filePath) {
  return new Promise((resolve, reject) => {
    wx.uploadFile({
      url: `${config.apiBaseUrl}${API_PREFIX}/driver/uploads`,
      filePath,
      name: 'file',
      header: { Authorization: `Bearer ${tokens.get().accessToken || ''}` },
      success: resolve,
      fail: (err) => reject(new ApiError(0, 'network_error', (err && err.errMsg) || '')),
    })
  })
}

function parse(res) {
  try {
    return typeof res.data === 'string' ? JSON.parse(res.data) : res.data
  } catch (e) {
    return {}
  }
}

async function upload(filePath) {
  await auth.ensureLogin()
  let res = await uploadOnce(filePath)
  if (res.statusCode === 401) {
    await auth.reauthenticate()
    res = await uploadOnce(filePath)
  }
  const body = parse(res) || {}
  if (res.statusCode >= 200 && res.statusCode < 300 && body.url) return body.url
  const e = body.error || {}
  throw new ApiError(res.statusCode, e.code || 'unknown', e.message || '')
}

module.exports = { upload }
