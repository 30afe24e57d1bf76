const fs = require('fs')
const path = require('path')
const { freshWx, flush } = require('./helpers/render')

const ROOT = path.join(__dirname, '..')

test('app logs in silently on launch', async () => {
  const env = freshWx({ loggedIn: false })
  env.route('POST /api/v1/driver/auth/wx-login', () => ({ access_token: 'a', refresh_token: 'r', expires_in: 900, sign_key: 'k' }))
  let options
  global.App = (o) => { options = o }
  require('../app')
  options.onLaunch()
  await flush()
  expect(env.storage['csms.auth'].accessToken).toBe('a')
  // offline: no crash
  freshWx({ loggedIn: false }).wx.login.mockImplementation((o) => o.fail({ errMsg: 'login:fail' }))
  options.onLaunch()
  await flush()
})

test('every page in app.json exists with its four files, and tab pages are first', () => {
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
  app.pages.forEach((p) => ['js', 'json', 'wxml', 'wxss'].forEach((ext) => expect(fs.existsSync(path.join(ROOT, `${p}.${ext}`))).toBe(true)))
  app.tabBar.list.forEach((tab) => expect(app.pages).toContain(tab.pagePath))
})

test('project.config.json carries the appid of config.js (npm run configure)', () => {
  const config = require('../config')
  const project = JSON.parse(fs.readFileSync(path.join(ROOT, 'project.config.json'), 'utf8'))
  expect(project.appid).toBe(config.appid)
  expect(project.projectname).toBe(config.projectName)
})

test('only services/ call wx.request, wx.uploadFile and wx.connectSocket; pages call only services', () => {
  const files = []
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).forEach((d) => {
    if (['node_modules', 'test', 'scripts'].includes(d.name)) return
    const p = path.join(dir, d.name)
    if (d.isDirectory()) walk(p)
    else if (p.endsWith('.js')) files.push(p)
  })
  walk(ROOT)
  files.forEach((f) => {
    const rel = path.relative(ROOT, f)
    const src = fs.readFileSync(f, 'utf8')
    if (!rel.startsWith('services')) expect([rel, /wx\.(request|uploadFile|connectSocket)\(/.test(src)]).toEqual([rel, false])
  })
})
