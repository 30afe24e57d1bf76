/**
 * The user privacy guide (用户隐私保护指引). WeChat requires the user to agree to the guide declared
 * in the admin console before the mini-program uses any private information: location
 * (wx.getLocation), the phone number (getPhoneNumber button), photos and the camera
 * (wx.chooseMedia), the avatar (chooseAvatar button) and the nickname (<input type="nickname">).
 *
 * - WeChat calls the handler given to wx.onNeedPrivacyAuthorization whenever one of those needs the
 *   agreement (a button tap, an API call, or wx.requirePrivacyAuthorize); the handler shows the
 *   <privacy-popup> of the current page, whose agree button (open-type="agreePrivacyAuthorization")
 *   tells WeChat, and resolves with {event: 'agree', buttonId} or {event: 'disagree'}.
 * - ensure() is called before an API: wx.getPrivacySetting says whether agreement is needed, and
 *   wx.requirePrivacyAuthorize asks for it (resolving once agreed, rejecting with code
 *   'privacy_denied' when refused).
 */
let listeningOn = null
let popups = []
let waiting = null

function listen() {
  if (listeningOn === wx || typeof wx.onNeedPrivacyAuthorization !== 'function') return
  listeningOn = wx
  wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
    const popup = popups[popups.length - 1]
    if (popup) popup.ask(resolve, eventInfo)
    else waiting = { resolve, eventInfo } // shown by the next popup that attaches
  })
}

/** A <privacy-popup> attached to the page being shown (the newest one answers). */
function register(popup) {
  listen()
  popups.push(popup)
  if (waiting) {
    const { resolve, eventInfo } = waiting
    waiting = null
    popup.ask(resolve, eventInfo)
  }
}

function unregister(popup) {
  popups = popups.filter((p) => p !== popup)
}

/** {needAuthorization, privacyContractName}; a base library without the API needs nothing. */
function setting() {
  return new Promise((resolve) => {
    if (typeof wx.getPrivacySetting !== 'function') {
      resolve({ needAuthorization: false, privacyContractName: '' })
      return
    }
    wx.getPrivacySetting({
      success: (res) => resolve({ needAuthorization: !!res.needAuthorization, privacyContractName: res.privacyContractName || '' }),
      fail: () => resolve({ needAuthorization: false, privacyContractName: '' }),
    })
  })
}

function denied() {
  return Object.assign(new Error('privacy guide not agreed'), { code: 'privacy_denied' })
}

/** Resolves once the user has agreed to the privacy guide (at once when agreed before). */
async function ensure() {
  listen()
  const s = await setting()
  if (!s.needAuthorization) return
  await new Promise((resolve, reject) => {
    wx.requirePrivacyAuthorize({ success: () => resolve(), fail: () => reject(denied()) })
  })
}

/** The guide itself, as declared in the admin console. */
function openContract() {
  if (typeof wx.openPrivacyContract === 'function') wx.openPrivacyContract({})
}

module.exports = { listen, register, unregister, setting, ensure, openContract }
