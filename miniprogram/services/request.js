/**
 * The one HTTP wrapper (the only caller of wx.request): JSON in and out, the driver's bearer
 * token, request signatures, and on a 401 for an expired/invalid token one single-flight refresh
 * (or a new wx.login) and one retry. Errors reject with ApiError {status, code, message}.
 */
const config = require('../config')
const tokens = require('./token-store')
const { signatureHeaders } = require('../utils/signing')

const API_PREFIX = '/api/v1'
const REAUTH_CODES = ['token_expired', 'invalid_token', 'unauthorized']

class ApiError extends Error {
  constructor(status, code, message, extra) {
    super(message || code)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    Object.assign(this, extra || {})
  }
}

let clockOffsetS = 0

function nowS() {
  return Math.floor(Date.now() / 1000) + clockOffsetS
}

function headerValue(header, name) {
  if (!header) return undefined
  const wanted = name.toLowerCase()
  const key = Object.keys(header).find((k) => k.toLowerCase() === wanted)
  return key === undefined ? undefined : header[key]
}

/** Follow the server clock when the device is more than 30 s off (signatures have a 300 s window). */
function trackClock(header) {
  const date = headerValue(header, 'Date')
  const server = date ? Date.parse(date) : NaN
  if (Number.isNaN(server)) return
  const offset = Math.round((server - Date.now()) / 1000)
  clockOffsetS = Math.abs(offset) > 30 ? offset : 0
}

function buildQuery(query) {
  if (!query) return ''
  return Object.keys(query)
    .filter((k) => query[k] !== undefined && query[k] !== null && query[k] !== '')
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(query[k])}`)
    .join('&')
}

function send(options) {
  return new Promise((resolve, reject) => {
    wx.request(Object.assign({}, options, {
      timeout: config.requestTimeoutMs,
      dataType: 'json',
      success: resolve,
      fail: (err) => {
        const text = (err && err.errMsg) || ''
        const code = /timeout/i.test(text) ? 'timeout' : 'network_error'
        reject(new ApiError(0, code, text))
      },
    }))
  })
}

function toApiError(res) {
  const body = res.data && typeof res.data === 'object' ? res.data : {}
  const e = body.error || {}
  const retryAfter = headerValue(res.header, 'Retry-After')
  const code = e.code || (res.statusCode >= 500 ? 'server_error' : 'unknown')
  return new ApiError(res.statusCode, code, e.message || '', {
    field: e.field,
    details: e,
    retryAfter: retryAfter ? parseInt(retryAfter, 10) : undefined,
  })
}

function auth() {
  // Required lazily: auth.js itself calls request() for the public login endpoints.
  return require('./auth')
}

/**
 * request({method, path, query, data, auth = true, signed = false}) -> {status, data, header}.
 * `path` is below /api/v1; `data` is serialised once and that exact string is signed and sent.
 */
async function request(opts) {
  const method = (opts.method || 'GET').toUpperCase()
  const needsAuth = opts.auth !== false
  if (needsAuth) await auth().ensureLogin()
  const qs = buildQuery(opts.query)
  const pathWithQuery = API_PREFIX + opts.path + (qs ? `?${qs}` : '')
  const body = opts.data === undefined ? '' : JSON.stringify(opts.data)
  const header = { 'Content-Type': 'application/json' }
  const stored = tokens.get()
  if (needsAuth && stored.accessToken) header.Authorization = `Bearer ${stored.accessToken}`
  if (opts.signed) {
    Object.assign(header, signatureHeaders({
      method, pathWithQuery, body, signKey: stored.signKey || '', timestamp: nowS(),
    }))
  }
  const res = await send({ url: config.apiBaseUrl + pathWithQuery, method, data: body || undefined, header })
  trackClock(res.header)
  if (res.statusCode >= 200 && res.statusCode < 300) {
    return { status: res.statusCode, data: res.data, header: res.header || {} }
  }
  const err = toApiError(res)
  if (!opts._retried && needsAuth && res.statusCode === 401 && REAUTH_CODES.indexOf(err.code) >= 0) {
    await auth().reauthenticate()
    return request(Object.assign({}, opts, { _retried: true }))
  }
  if (!opts._retried && err.code === 'signature_expired') {
    return request(Object.assign({}, opts, { _retried: true }))
  }
  throw err
}

async function get(path, query) {
  return (await request({ path, query })).data
}

/** A paged list: {items, total} (total from X-Total-Count, else the items' length). */
async function page(path, query) {
  const res = await request({ path, query })
  const total = parseInt(headerValue(res.header, 'X-Total-Count'), 10)
  const items = Array.isArray(res.data) ? res.data : []
  return { items, total: Number.isNaN(total) ? items.length : total }
}

async function post(path, data, opts) {
  return (await request(Object.assign({ method: 'POST', path, data }, opts))).data
}

async function put(path, data, opts) {
  return (await request(Object.assign({ method: 'PUT', path, data }, opts))).data
}

async function patch(path, data, opts) {
  return (await request(Object.assign({ method: 'PATCH', path, data }, opts))).data
}

async function del(path, opts) {
  return (await request(Object.assign({ method: 'DELETE', path }, opts))).data
}

module.exports = {
  API_PREFIX, ApiError, request, get, page, post, put, patch, del, buildQuery, headerValue,
  _setClockOffset: (s) => { clockOffsetS = s },
}
