const { freshWx } = require('../helpers/render')
const payment = require('../../services/payment')
const { aPayment } = require('../helpers/builders')

let env
beforeEach(() => { env = freshWx() })

test('paid after the notification lags: sync says pending, a later read says paid', async () => {
  let reads = 0
  env.route('POST /api/v1/driver/payments/pay-1/sync', () => aPayment())
  env.route('GET /api/v1/driver/payments/pay-1', () => { reads++; return aPayment({ state: reads > 1 ? 'paid' : 'pending' }) })
  const r = await payment.pay(aPayment(), { confirmDelayMs: 1 })
  expect(r.outcome).toBe('paid')
  expect(reads).toBe(2)
})

test('still pending after the attempts is reported as pending', async () => {
  env.route('POST /api/v1/driver/payments/pay-1/sync', () => aPayment())
  env.route('GET /api/v1/driver/payments/pay-1', () => aPayment())
  expect((await payment.pay(aPayment(), { confirmDelayMs: 1, confirmAttempts: 2 })).outcome).toBe('pending')
})

test('no pay_params is a failure without calling WeChat', async () => {
  expect((await payment.pay(aPayment({ pay_params: null }))).outcome).toBe('failed')
  expect(env.wx.requestPayment).not.toHaveBeenCalled()
})

test('cancel is reported even when closing the payment fails', async () => {
  env.wx.requestPayment.mockImplementation((o) => o.fail({ errMsg: 'requestPayment:fail cancel' }))
  env.route('POST /api/v1/driver/payments/pay-1/cancel', () => env.error(409, 'conflict'))
  expect((await payment.pay(aPayment())).outcome).toBe('cancelled')
})
