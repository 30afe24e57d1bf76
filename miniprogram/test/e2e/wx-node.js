/**
 * A `wx` for Node over real sockets, for the end-to-end tests: wx.request and wx.uploadFile on
 * Node's http(s), wx.connectSocket on `ws`, and the WeChat side played by the CSMS's WeChat
 * emulator: wx.login asks POST /emulator/login-code, wx.requestPayment answers
 * POST /emulator/pay/{prepay_id} as the payer would, wx.requestSubscribeMessage records consent.
 * UI calls (toast, modal, navigation) are recorded; showModal confirms. Works under jest's node and
 * jsdom environments (no fetch needed).
 */
const fs = require('fs')
const http = require('http')
const https = require('https')
const path = require('path')
const { Buffer } = require('buffer')
const WebSocket = require('ws')

/** -> Promise<{statusCode, headers, body: Buffer}>. */
function httpCall(method, url, { headers = {}, body, timeout = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url)
    const lib = u.protocol === 'https:' ? https : http
    const h = Object.assign({}, headers)
    if (body !== undefined) h['Content-Length'] = body.length
    const req = lib.request(u, { method, headers: h, timeout }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

async function emulatorPost(emulatorUrl, pathname, payload) {
  const res = await httpCall('POST', `${emulatorUrl}${pathname}`, {
    headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(payload)),
  })
  const text = res.body.toString('utf8')
  if (res.statusCode >= 300) throw new Error(`emulator ${pathname}: ${res.statusCode} ${text}`)
  return text ? JSON.parse(text) : {}
}

function parseBody(buf) {
  const text = buf.toString('utf8')
  try {
    return text ? JSON.parse(text) : ''
  } catch (e) {
    return text // not JSON: wx hands the text over
  }
}

function multipart(field, filePath) {
  const boundary = `----csmsE2E${Date.now().toString(16)}`
  const type = filePath.endsWith('.png') ? 'image/png' : 'image/jpeg'
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${path.basename(filePath)}"\r\n`
    + `Content-Type: ${type}\r\n\r\n`)
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  return { body: Buffer.concat([head, fs.readFileSync(filePath), tail]), contentType: `multipart/form-data; boundary=${boundary}` }
}

function createNodeWx({ emulatorUrl, user }) {
  const storage = {}
  const payer = { result: 'SUCCESS' } // what the payer answers next: SUCCESS | CANCEL | FAIL
  const identity = { openid: '' }
  const location = { latitude: 31.23, longitude: 121.47 } // where the phone is (GCJ-02)
  const log = { requests: [], sockets: [], toasts: [], navigations: [] }
  const done = (opts, value) => { if (opts && opts.success) opts.success(Object.assign({ errMsg: 'ok' }, value)) }

  const wx = {
    getStorageSync: (k) => (k in storage ? storage[k] : ''),
    setStorageSync: (k, v) => { storage[k] = JSON.parse(JSON.stringify(v)) },
    removeStorageSync: (k) => { delete storage[k] },
    clearStorageSync: () => Object.keys(storage).forEach((k) => delete storage[k]),

    request(opts) {
      const method = opts.method || 'GET'
      log.requests.push(`${method} ${opts.url}`)
      const body = opts.data === undefined ? undefined : Buffer.from(opts.data, 'utf8')
      httpCall(method, opts.url, { headers: opts.header, body, timeout: opts.timeout })
        .then((res) => opts.success({ statusCode: res.statusCode, data: parseBody(res.body), header: res.headers }))
        .catch((err) => opts.fail({ errMsg: `request:fail ${err.message}` }))
    },

    uploadFile(opts) {
      const { body, contentType } = multipart(opts.name, opts.filePath)
      httpCall('POST', opts.url, { headers: Object.assign({}, opts.header, { 'Content-Type': contentType }), body })
        .then((res) => opts.success({ statusCode: res.statusCode, data: res.body.toString('utf8') }))
        .catch((err) => opts.fail({ errMsg: `uploadFile:fail ${err.message}` }))
    },

    connectSocket(opts) {
      const socket = new WebSocket(opts.url)
      log.sockets.push(socket)
      return {
        onOpen: (fn) => socket.on('open', () => fn({})),
        onMessage: (fn) => socket.on('message', (data) => fn({ data: data.toString() })),
        onClose: (fn) => socket.on('close', (code, reason) => fn({ code, reason: reason.toString() })),
        onError: (fn) => socket.on('error', (err) => fn({ errMsg: err.message })),
        send: ({ data }) => socket.readyState === WebSocket.OPEN && socket.send(data),
        close: ({ code } = {}) => socket.close(code || 1000),
      }
    },

    login(opts) {
      emulatorPost(emulatorUrl, '/emulator/login-code', { user })
        .then((r) => {
          identity.openid = r.openid
          opts.success({ code: r.code, errMsg: 'login:ok' })
        }, (e) => opts.fail({ errMsg: `login:fail ${e.message}` }))
    },

    requestPayment(opts) {
      const prepayId = String(opts.package || '').replace(/^prepay_id=/, '')
      const result = payer.result
      emulatorPost(emulatorUrl, `/emulator/pay/${encodeURIComponent(prepayId)}`, { result })
        .then(() => {
          if (result === 'SUCCESS') opts.success({ errMsg: 'requestPayment:ok' })
          else if (result === 'CANCEL') opts.fail({ errMsg: 'requestPayment:fail cancel' })
          else opts.fail({ errMsg: 'requestPayment:fail' })
        }, (e) => opts.fail({ errMsg: `requestPayment:fail ${e.message}` }))
    },

    // The user accepts every template once (the emulator records the consent WeChat would hold).
    requestSubscribeMessage(opts) {
      Promise.all(opts.tmplIds.map((id) => emulatorPost(emulatorUrl, '/emulator/subscriptions', { openid: identity.openid, template_id: id })))
        .then(() => {
          const res = { errMsg: 'requestSubscribeMessage:ok' }
          opts.tmplIds.forEach((id) => { res[id] = 'accept' })
          opts.success(res)
        }, (e) => opts.fail({ errMsg: `requestSubscribeMessage:fail ${e.message}` }))
    },

    getLocation: (o) => setTimeout(() => done(o, { latitude: location.latitude, longitude: location.longitude }), 0),

    // UI: recorded, modals confirmed
    showToast: (o) => log.toasts.push(o.title),
    showLoading: () => {},
    hideLoading: () => {},
    showModal: (o) => setTimeout(() => done(o, { confirm: true, cancel: false }), 0),
    setNavigationBarTitle: () => {},
    stopPullDownRefresh: () => {},
    navigateTo: (o) => { log.navigations.push(o.url); done(o) },
    redirectTo: (o) => { log.navigations.push(o.url); done(o) },
    switchTab: (o) => { log.navigations.push(o.url); done(o) },
    reLaunch: (o) => { log.navigations.push(o.url); done(o) },
    navigateBack: (o) => done(o),
  }

  function closeAll() {
    log.sockets.forEach((s) => { try { s.terminate() } catch (e) { /* closed */ } })
  }

  return { wx, storage, payer, log, identity, location, closeAll }
}

module.exports = { createNodeWx, emulatorPost, httpCall }
