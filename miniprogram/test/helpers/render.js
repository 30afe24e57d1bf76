/** Load and render components/pages with miniprogram-simulate (official WXML compiler, wcc). */
const path = require('path')
const simulate = require('miniprogram-simulate')
const { createWx } = require('./wx')

const ROOT = path.resolve(__dirname, '../..')

// jest keeps modules in its own registry, so a component's JS runs once per test file: load each
// path once and render that definition as often as needed.
const loaded = {}

function load(relPath) {
  if (!loaded[relPath]) loaded[relPath] = simulate.load(path.join(ROOT, relPath), { rootPath: ROOT })
  return loaded[relPath]
}

function renderComponent(relPath, props) {
  const comp = simulate.render(load(relPath), props)
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

/** Render a page (built with Component) and run onLoad(query) + onShow(). */
async function renderPage(relPath, query = {}) {
  const comp = simulate.render(load(relPath))
  comp.attach(document.createElement('parent-wrapper'))
  if (comp.instance.onLoad) await comp.instance.onLoad(query)
  if (comp.instance.onShow) await comp.instance.onShow()
  await flush()
  return comp
}

/** Let pending promises and zero-delay timers run. */
async function flush(rounds = 5) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}

/** The node for `selector`; "a >>> b" looks for b inside the custom component a. */
function find(comp, selector) {
  return selector.split('>>>').reduce((node, part) => node && node.querySelector(part.trim()), comp)
}

function findAll(comp, selector) {
  const parts = selector.split('>>>')
  const last = parts.pop()
  const host = parts.length ? find(comp, parts.join('>>>')) : comp
  return host ? host.querySelectorAll(last.trim()) : []
}

/** Tap the first node matching `selector` (see find). */
async function tap(comp, selector) {
  const node = find(comp, selector)
  if (!node) throw new Error(`no node for ${selector}`)
  node.dispatchEvent('tap')
  await flush()
}

async function input(comp, selector, value) {
  const node = find(comp, selector)
  if (!node) throw new Error(`no node for ${selector}`)
  node.dispatchEvent('input', { detail: { value } })
  await flush()
}

function text(comp) {
  return comp.dom.textContent.replace(/\s+/g, ' ')
}

/** A fresh wx mock installed as the global, with a logged-in driver unless `loggedIn` is false. */
function freshWx({ loggedIn = true } = {}) {
  const env = createWx()
  global.wx = env.wx
  if (loggedIn) {
    env.storage['csms.auth'] = {
      accessToken: 'access-1', refreshToken: 'refresh-1', signKey: 'sign-key-1',
      expiresAt: Date.now() + 3600 * 1000, user: null,
    }
  }
  return env
}

/** Fire any event (e.g. 'markertap', 'getphonenumber', 'change') with a detail. */
async function fire(comp, selector, name, detail = {}) {
  const node = find(comp, selector)
  if (!node) throw new Error(`no node for ${selector}`)
  node.dispatchEvent(name, { detail })
  await flush()
}

module.exports = { ROOT, load, find, findAll, fire, renderComponent, renderPage, flush, tap, input, text, freshWx, simulate }
