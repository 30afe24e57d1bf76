/** Profile, phone binding, message subscriptions. */
const api = require('./request')
const tokens = require('./token-store')

async function profile() {
  const user = await api.get('/driver/me')
  tokens.saveUser(user)
  return user
}

function update(fields) {
  return api.patch('/driver/me', fields)
}

/** code: from <button open-type="getPhoneNumber"> (e.detail.code). */
async function bindPhone(code) {
  const user = await api.post('/driver/me/phone', { code })
  tokens.saveUser(user)
  return user
}

/** results: what wx.requestSubscribeMessage returned, {templateId: 'accept'|'reject'|'ban'}. */
function saveSubscriptions(results) {
  return api.post('/driver/me/subscriptions', { results })
}

module.exports = { profile, update, bindPhone, saveSubscriptions }
