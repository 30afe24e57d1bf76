const { renderPage, tap, input, text, flush, freshWx } = require('../helpers/render')
const strings = require('../../utils/strings')

let env
let invoice
beforeEach(() => {
  env = freshWx()
  invoice = null
  env.route('GET /api/v1/driver/orders/ord-1/invoice', () => invoice || env.error(404, 'not_found'))
})

function anInvoice(o = {}) {
  return Object.assign({ id: 5, order_id: 1, amount_fen: 1234, title_type: 'company', title: '某某科技有限公司',
    tax_number: '91350100M000100Y43', email: 'f@example.com', state: 'requested', invoice_number: null, reason: null,
    created_at: '2024-05-01T02:00:00Z', decided_at: null }, o)
}

test('no invoice yet: the form; a company title needs its tax number and a valid e-mail', async () => {
  env.route('POST /api/v1/driver/orders/ord-1/invoice', (req) => {
    expect(req.body).toEqual({ title_type: 'company', title: '某某科技有限公司', tax_number: '91350100M000100Y43',
      email: 'f@example.com' })
    invoice = anInvoice()
    return env.respond(201, invoice)
  })
  const page = await renderPage('pages/invoice/index', { order_id: 'ord-1' })
  expect(page.data.status).toBe('ready')
  expect(text(page)).toContain(strings.invoice.submit)
  await tap(page, '.submit')
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.invoice.titleNeeded }))
  await tap(page, '.type-company')
  await input(page, '.title-input', '某某科技有限公司')
  await input(page, '.tax-input', '9135')
  await tap(page, '.submit')
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.invoice.taxNumberInvalid }))
  await input(page, '.tax-input', '91350100m000100y43')
  await input(page, '.email-input', 'f@example')
  await tap(page, '.submit')
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.invoice.emailInvalid }))
  await input(page, '.email-input', 'f@example.com')
  await tap(page, '.submit')
  await flush()
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.invoice.sent }))
  expect(text(page)).toContain(strings.invoiceStates.requested)
  expect(text(page)).toContain('¥12.34')
})

test('a personal title sends no tax number; a second request is explained', async () => {
  env.route('POST /api/v1/driver/orders/ord-1/invoice', (req) => {
    expect(req.body).toEqual({ title_type: 'personal', title: '张三', email: 'z@example.com' })
    return env.error(409, 'invoice_requested')
  })
  const page = await renderPage('pages/invoice/index', { order_id: 'ord-1' })
  await input(page, '.title-input', '张三')
  await input(page, '.email-input', 'z@example.com')
  await tap(page, '.submit')
  await flush()
  expect(env.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: strings.errors.invoice_requested }))
})

test('issued: the number; rejected: the reason', async () => {
  invoice = anInvoice({ state: 'issued', invoice_number: '24440000000012345678' })
  let page = await renderPage('pages/invoice/index', { order_id: 'ord-1' })
  expect(text(page)).toContain(strings.invoiceStates.issued)
  expect(text(page)).toContain('24440000000012345678')
  invoice = anInvoice({ state: 'rejected', reason: '抬头与付款人不符' })
  page = await renderPage('pages/invoice/index', { order_id: 'ord-1' })
  expect(text(page)).toContain(strings.invoiceStates.rejected)
  expect(text(page)).toContain('抬头与付款人不符')
})

test('an error loading it is an error state, not the form', async () => {
  env.route('GET /api/v1/driver/orders/ord-1/invoice', () => env.error(503, 'server_error'))
  const page = await renderPage('pages/invoice/index', { order_id: 'ord-1' })
  expect(page.data.status).toBe('error')
})
