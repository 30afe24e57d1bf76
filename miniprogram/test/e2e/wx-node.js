/**
 * A `wx` for Node over real sockets, for the end-to-end test: wx.request -> fetch, wx.connectSocket
 * -> ws, wx.uploadFile -> multipart fetch, and the WeChat side played by the CSMS's WeChat
 * emulator: wx.login asks POST /emulator/login-code, wx.requestPayment answers
 * POST /emulator/pay/{prepay_id} as the payer would.
 */
const fs = require('fs')
const path = require('path')
const WebSocket = require('ws')

async function emulatorPost(emulatorUrl, pathname, body) {
  const res = await fetch(`${emulatorUrl}${pathname}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`emulator ${pathname}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : {}
}

function headersObject(headers) {
  const out = {}
  headers.forEach((v, k) => { out[k] = v })
  return out
}

function createNodeWx({ emulatorUrl, user }) {
  const storage = {}
  const payer = { result: 'SUCCESS' } // what the payer answers next: SUCCESS | CANCEL | FAIL
  const log = { requests: [], sockets: [] }
  const identity = { openid: '' }

  const wx = {
    getStorageSync: (k) => (k in storage ? storage[k] : ''),
    setStorageSync: (k, v) => { storage[k] = JSON.parse(JSON.stringify(v)) },
    removeStorageSync: (k) => { delete storage[k] },
    clearStorageSync: () => Object.keys(storage).forEach((k) => delete storage[k]),

    request(opts) {
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(), opts.timeout || 15000)
      log.requests.push(`${opts.method || 'GET'} ${opts.url}`)
      fetch(opts.url, { method: opts.method || 'GET', headers: opts.header, body: opts.data, signal: controller.signal })
        .then(async (res) => {
          const text = await res.text()
          let data = text
          try { data = text ? JSON.parse(text) : '' } catch (e) { /* not JSON: keep the text, as wx does */ }
          opts.success({ statusCode: res.status, data, header: headersObject(res.headers) })
        })
        .catch((err) => opts.fail({ errMsg: `request:fail ${err.name === 'AbortError' ? 'timeout' : err.message}` }))
        .finally(() => clearTimeout(timer))
    },

    uploadFile(opts) {
      const form = new FormData()
      const bytes = fs.readFileSync(opts.filePath)
      const type = opts.filePath.endsWith('.png') ? 'image/png' : 'image/jpeg'
      form.append(opts.name, new Blob([bytes], { type }), path.basename(opts.filePath))
      fetch(opts.url, { method: 'POST', headers: opts.header, body: form })
        .then(async (res) => opts.success({ statusCode: res.status, data: await res.text() }))
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

    // The user accepts every template once (the emulator records the consent WeChat would hold).
    requestSubscribeMessage(opts) {
      Promise.all(opts.tmplIds.map((id) => emulatorPost(emulatorUrl, '/emulator/subscriptions', { openid: identity.openid, template_id: id })))
        .then(() => {
          const res = { errMsg: 'requestSubscribeMessage:ok' }
          opts.tmplIds.forEach((id) => { res[id] = 'accept' })
          opts.success(res)
        }, (e) => opts.fail({ errMsg: `requestSubscribeMessage:fail ${e.message}` }))
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
  }

  function closeAll() {
    log.sockets.forEach((s) => { try { s.terminate() } catch (e) { /* closed */ } })
  }

  return { wx, storage, payer, log, identity, closeAll }
}

module.exports = { createNodeWx, emulatorPost }
