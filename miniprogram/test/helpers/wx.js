/**
 * A mocked `wx` for page and component tests: in-memory storage, a fake backend behind
 * wx.request (routes "METHOD /api/v1/path" -> handler), controllable sockets, and jest.fn for
 * every other API with a success by default.
 */
function parseUrl(url) {
  const m = /^[a-z]+:\/\/[^/]+(\/[^?]*)(?:\?(.*))?$/i.exec(url)
  const query = {}
  if (m && m[2]) {
    m[2].split('&').forEach((pair) => {
      const [k, v = ''] = pair.split('=')
      query[decodeURIComponent(k)] = decodeURIComponent(v)
    })
  }
  return { path: m ? m[1] : url, query }
}

class FakeSocketTask {
  constructor(url) {
    this.url = url
    this.sent = []
    this.closed = false
    this.handlers = { open: [], message: [], close: [], error: [] }
  }

  onOpen(fn) { this.handlers.open.push(fn) }

  onMessage(fn) { this.handlers.message.push(fn) }

  onClose(fn) { this.handlers.close.push(fn) }

  onError(fn) { this.handlers.error.push(fn) }

  send(opts) { this.sent.push(opts.data) }

  close() {
    if (this.closed) return
    this.closed = true
    this.handlers.close.forEach((fn) => fn({ code: 1000 }))
  }

  // test controls
  open() { this.handlers.open.forEach((fn) => fn({})) }

  receive(obj) { this.handlers.message.forEach((fn) => fn({ data: JSON.stringify(obj) })) }

  drop(code = 1006) {
    this.closed = true
    this.handlers.close.forEach((fn) => fn({ code }))
  }
}

function createWx() {
  const storage = {}
  const routes = {}
  const calls = []
  const sockets = []

  function route(key, handler) {
    routes[key] = handler
  }

  function callback(opts, method, value) {
    Promise.resolve().then(() => {
      if (opts && typeof opts[method] === 'function') opts[method](value)
      if (opts && typeof opts.complete === 'function') opts.complete(value)
    })
  }

  function ok(result = {}) {
    return jest.fn((opts) => callback(opts, 'success', Object.assign({ errMsg: 'ok' }, result)))
  }

  // The privacy guide as WeChat keeps it: agreed unless a test says otherwise. A private API (or
  // wx.requirePrivacyAuthorize) before the agreement calls the onNeedPrivacyAuthorization handler and
  // goes on only when it resolves {event: 'agree'}; otherwise it fails with errno 104.
  const privacy = { needAuthorization: false, contractName: '《充电小程序隐私保护指引》', handler: null, asked: [] }
  function privacyGate(opts, referrer, proceed) {
    if (!privacy.needAuthorization) return proceed()
    const refuse = () => callback(opts, 'fail', { errMsg: `${referrer}:fail privacy permission is not authorized`, errno: 104 })
    if (!privacy.handler) return refuse()
    privacy.asked.push(referrer)
    privacy.handler((answer) => {
      if (answer && answer.event === 'agree') {
        privacy.needAuthorization = false
        proceed()
      } else {
        refuse()
      }
    }, { referrer })
    return undefined
  }
  function privateApi(name, result) {
    return jest.fn((opts) => privacyGate(opts, name, () => callback(opts, 'success', Object.assign({ errMsg: `${name}:ok` }, result))))
  }

  const wx = {
    // storage
    getStorageSync: jest.fn((k) => (k in storage ? storage[k] : '')),
    setStorageSync: jest.fn((k, v) => { storage[k] = JSON.parse(JSON.stringify(v)) }),
    removeStorageSync: jest.fn((k) => { delete storage[k] }),
    clearStorageSync: jest.fn(() => { Object.keys(storage).forEach((k) => delete storage[k]) }),

    request: jest.fn((opts) => {
      const { path, query } = parseUrl(opts.url)
      const method = (opts.method || 'GET').toUpperCase()
      const body = opts.data === undefined ? undefined : JSON.parse(opts.data)
      const call = { method, path, query, body, rawBody: opts.data, header: opts.header || {} }
      calls.push(call)
      Promise.resolve().then(async () => {
        const handler = routes[`${method} ${path}`]
        if (!handler) {
          opts.success({ statusCode: 404, data: { error: { code: 'not_found', message: `${method} ${path}` } }, header: {} })
          return
        }
        let out
        try {
          out = await handler(call)
        } catch (e) {
          if (e && e.networkError) return opts.fail({ errMsg: 'request:fail' })
          throw e
        }
        if (out && out.__response) {
          opts.success({ statusCode: out.status, data: out.data === undefined ? '' : out.data, header: out.header || {} })
        } else {
          opts.success({ statusCode: method === 'POST' ? 201 : 200, data: out === undefined ? '' : out, header: {} })
        }
      })
    }),
    uploadFile: jest.fn((opts) => callback(opts, 'success', { statusCode: 201, data: JSON.stringify({ url: `/api/v1/uploads/${opts.filePath.split('/').pop()}` }) })),
    connectSocket: jest.fn((opts) => {
      const task = new FakeSocketTask(opts.url)
      sockets.push(task)
      return task
    }),

    login: ok({ code: 'test-code' }),
    requestPayment: ok(),
    requestSubscribeMessage: jest.fn((opts) => {
      const res = {}
      opts.tmplIds.forEach((id) => { res[id] = 'accept' })
      callback(opts, 'success', Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, res))
    }),
    scanCode: ok({ result: 'https://qr.example.com/c/CP-1/1', scanType: 'QR_CODE' }),
    getLocation: privateApi('getLocation', { latitude: 22.54, longitude: 114.05 }),
    openLocation: ok(),
    chooseMedia: privateApi('chooseMedia', { tempFiles: [{ tempFilePath: 'wxfile://tmp/a.jpg', size: 1000 }] }),
    onNeedPrivacyAuthorization: jest.fn((fn) => { privacy.handler = fn }),
    getPrivacySetting: jest.fn((opts) => callback(opts, 'success', {
      needAuthorization: privacy.needAuthorization, privacyContractName: privacy.contractName })),
    requirePrivacyAuthorize: privateApi('requirePrivacyAuthorize', {}),
    openPrivacyContract: ok(),
    showToast: jest.fn(),
    showLoading: jest.fn(),
    hideLoading: jest.fn(),
    showModal: jest.fn((opts) => callback(opts, 'success', { confirm: true, cancel: false })),
    navigateTo: ok(),
    redirectTo: ok(),
    switchTab: ok(),
    navigateBack: ok(),
    reLaunch: ok(),
    setNavigationBarTitle: jest.fn(),
    stopPullDownRefresh: jest.fn(),
    previewImage: jest.fn(),
    getAccountInfoSync: jest.fn(() => ({ miniProgram: { envVersion: 'develop', version: '' } })),
    createMapContext: jest.fn(() => ({ moveToLocation: jest.fn(), includePoints: jest.fn() })),
  }

  /** A response with a status/header of one's choosing (handlers return plain data for 200/201). */
  function respond(status, data, header) {
    return { __response: true, status, data, header }
  }

  function error(status, code, message = '') {
    return respond(status, { error: { code, message } })
  }

  return { wx, storage, route, routes, calls, sockets, respond, error, privacy }
}

module.exports = { createWx, FakeSocketTask, parseUrl }
