const { freshWx, flush } = require('../helpers/render')

let env
let privacy
beforeEach(() => {
  jest.resetModules()
  env = freshWx()
  privacy = require('../../services/privacy')
})

/** A popup as the component registers it: records the question, answers as told. */
function aPopup(answer) {
  const popup = { asked: [], ask: jest.fn((resolve, info) => { popup.asked.push(info.referrer); if (answer) resolve(answer) }) }
  return popup
}

test('nothing is asked when the guide was agreed before', async () => {
  await privacy.ensure()
  expect(env.wx.getPrivacySetting).toHaveBeenCalled()
  expect(env.wx.requirePrivacyAuthorize).not.toHaveBeenCalled()
})

test('WeChat asks through the handler; the popup agreeing lets the call go on', async () => {
  env.privacy.needAuthorization = true
  const popup = aPopup({ event: 'agree', buttonId: 'agree-privacy' })
  privacy.register(popup)
  expect(env.wx.onNeedPrivacyAuthorization).toHaveBeenCalledTimes(1)
  await privacy.ensure()
  expect(popup.asked).toEqual(['requirePrivacyAuthorize'])
  expect(env.privacy.needAuthorization).toBe(false)
  privacy.unregister(popup)
})

test('refusing rejects with privacy_denied, and the next question is asked again', async () => {
  env.privacy.needAuthorization = true
  const popup = aPopup({ event: 'disagree' })
  privacy.register(popup)
  await expect(privacy.ensure()).rejects.toMatchObject({ code: 'privacy_denied' })
  await expect(privacy.ensure()).rejects.toMatchObject({ code: 'privacy_denied' })
  expect(popup.asked).toEqual(['requirePrivacyAuthorize', 'requirePrivacyAuthorize'])
  privacy.unregister(popup)
})

test('a question before any popup is attached waits for the next one; the newest popup answers', async () => {
  env.privacy.needAuthorization = true
  privacy.listen()
  const result = privacy.ensure()
  await flush()
  const older = aPopup(null)
  const newer = aPopup({ event: 'agree', buttonId: 'agree-privacy' })
  privacy.register(older)
  expect(older.asked).toEqual(['requirePrivacyAuthorize'])       // the waiting question
  privacy.register(newer)
  older.ask.mock.calls[0][0]({ event: 'agree', buttonId: 'agree-privacy' })
  await result
  env.privacy.needAuthorization = true
  await privacy.ensure()
  expect(newer.asked).toEqual(['requirePrivacyAuthorize'])
})

test('a base library without the privacy API needs no agreement', async () => {
  delete env.wx.getPrivacySetting
  expect(await privacy.setting()).toEqual({ needAuthorization: false, privacyContractName: '' })
})
