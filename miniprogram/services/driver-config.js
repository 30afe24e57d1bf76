/** GET /driver/config (public), cached for the life of the mini-program. */
const { request } = require('./request')

let cached = null

function load() {
  if (!cached) {
    cached = request({ path: '/driver/config', auth: false }).then((r) => r.data)
    cached.catch(() => { cached = null })
  }
  return cached
}

function reset() {
  cached = null
}

module.exports = { load, reset }
