/**
 * Live view of one charging session: the push WebSocket (`/api/v1/ws?token=`) with reconnect and
 * exponential backoff, and polling GET /driver/sessions/{id} while the socket is down.
 *
 * watch(orderId, {onSession, onOrder, onMode}) -> {close()}; onMode('live'|'polling').
 */
const config = require('../config')
const tokens = require('./token-store')
const sessions = require('./sessions')

const PING_MS = 25000
const CLOSE_BAD_TOKEN = 4401

function watch(orderId, handlers = {}, options = {}) {
  const pollMs = options.pollMs || config.livePollMs
  const maxBackoffMs = options.maxBackoffMs || config.liveMaxBackoffMs
  const onSession = handlers.onSession || (() => {})
  const onOrder = handlers.onOrder || (() => {})
  const onMode = handlers.onMode || (() => {})
  const key = String(orderId)
  let task = null
  let closed = false
  let attempts = 0
  let pollTimer = null
  let pingTimer = null
  let reconnectTimer = null
  let mode = null

  function setMode(m) {
    if (m !== mode) {
      mode = m
      onMode(m)
    }
  }

  function pollOnce() {
    return sessions.get(orderId).then((s) => { if (!closed) onSession(s) }, () => {})
  }

  function startPolling() {
    setMode('polling')
    if (pollTimer || closed) return
    pollOnce()
    pollTimer = setInterval(pollOnce, pollMs)
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer)
    pollTimer = null
  }

  function scheduleReconnect(refreshFirst) {
    if (closed || reconnectTimer) return
    const delay = Math.min(1000 * Math.pow(2, attempts), maxBackoffMs)
    attempts++
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null
      if (!refreshFirst) return connect()
      require('./auth').reauthenticate().then(connect, () => scheduleReconnect(false))
    }, delay)
  }

  function handleMessage(msg) {
    let payload
    try {
      payload = JSON.parse(msg.data)
    } catch (e) {
      return
    }
    if (!payload || closed) return
    // ids arrive as numbers from the API and as strings from page query options
    if (payload.type === 'session' && payload.data && String(payload.data.order_id) === key) onSession(payload.data)
    else if (payload.type === 'order' && payload.data && String(payload.data.id) === key) onOrder(payload.data)
  }

  function connect() {
    if (closed) return
    const token = tokens.get().accessToken || ''
    const socket = wx.connectSocket({
      url: `${config.wsBaseUrl}/api/v1/ws?token=${encodeURIComponent(token)}`,
      fail: () => {},
    })
    task = socket
    let down = false
    const onDown = (code) => {
      if (down || socket !== task) return
      down = true
      if (pingTimer) clearInterval(pingTimer)
      pingTimer = null
      if (closed) return
      startPolling()
      scheduleReconnect(code === CLOSE_BAD_TOKEN)
    }
    socket.onOpen(() => {
      if (closed) return socket.close({ code: 1000 })
      attempts = 0
      stopPolling()
      setMode('live')
      pollOnce() // catch up with what happened while the socket was down
      pingTimer = setInterval(() => socket.send({ data: JSON.stringify({ type: 'ping' }) }), PING_MS)
    })
    socket.onMessage(handleMessage)
    socket.onClose((res) => onDown(res && res.code))
    socket.onError(() => onDown(0))
  }

  connect()

  return {
    close() {
      closed = true
      stopPolling()
      if (pingTimer) clearInterval(pingTimer)
      if (reconnectTimer) clearTimeout(reconnectTimer)
      if (task) {
        try {
          task.close({ code: 1000 })
        } catch (e) {
          // already closed
        }
      }
    },
    get mode() {
      return mode
    },
  }
}

module.exports = { watch }
