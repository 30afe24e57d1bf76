/** The popup's behaviour on each page is tested with the page (test/pages/index, feedback, me,
 * profile): a component file runs once per jest file, so one page type per file. */
const fs = require('fs')
const path = require('path')

const ROOT = path.join(__dirname, '../..')

test('the agree button is WeChat\'s own, and every page using private information has the popup', () => {
  const popup = fs.readFileSync(path.join(ROOT, 'components/privacy-popup/index.wxml'), 'utf8')
  expect(popup).toMatch(/id="agree-privacy"[^>]*open-type="agreePrivacyAuthorization"[^>]*bindagreeprivacyauthorization="onAgree"/)
  for (const page of ['index', 'feedback', 'me', 'profile']) {
    const wxml = fs.readFileSync(path.join(ROOT, `pages/${page}/index.wxml`), 'utf8')
    const json = JSON.parse(fs.readFileSync(path.join(ROOT, `pages/${page}/index.json`), 'utf8'))
    expect([page, wxml.startsWith('<privacy-popup'), json.usingComponents['privacy-popup']])
      .toEqual([page, true, '/components/privacy-popup/index'])
  }
})

test('app.json declares the private interfaces and their purposes, and turns the privacy check on', () => {
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
  expect(app.__usePrivacyCheck__).toBe(true)
  expect(app.requiredPrivateInfos).toEqual(['getLocation'])
  expect(app.permission['scope.userLocation'].desc).toBeTruthy()
  const appJs = fs.readFileSync(path.join(ROOT, 'app.js'), 'utf8')
  expect(appJs).toMatch(/privacy\.listen\(\)/)
})
