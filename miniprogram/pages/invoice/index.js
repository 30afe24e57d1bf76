/** The invoice (发票) of one paid order: ask for it once (personal or company title, e-mail), then see
 * whether it was issued (with its number) or rejected (and why). */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')
const pageState = require('../../utils/page-state')
const { errorMessage } = require('../../utils/errors')
const invoices = require('../../services/invoices')

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]{2,}$/
const TAX_NUMBER = /^[0-9A-Z]{15}$|^[0-9A-Z]{17,18}$|^[0-9A-Z]{20}$/

function invoiceView(i) {
  return {
    state: i.state,
    stateText: strings.invoiceStates[i.state] || i.state,
    amount: fmt.yuan(i.amount_fen),
    title: i.title,
    taxNumber: i.tax_number || '',
    email: i.email,
    number: i.invoice_number || '',
    reason: i.reason || '',
    requested: fmt.dateTime(i.created_at),
  }
}

/** The form -> the request body, or the strings key of what is wrong. */
function requestBody(form) {
  const body = { title_type: form.titleType, title: form.title.trim(), email: form.email.trim() }
  if (!body.title) return { problem: 'titleNeeded' }
  if (form.titleType === 'company') {
    body.tax_number = form.taxNumber.trim().toUpperCase()
    if (!TAX_NUMBER.test(body.tax_number)) return { problem: 'taxNumberInvalid' }
  }
  if (!EMAIL.test(body.email)) return { problem: 'emailInvalid' }
  return { body }
}

Component({
  behaviors: [pageState],
  data: {
    t: strings.invoice,
    orderId: '',
    v: null,
    types: [{ key: 'personal', label: strings.invoice.personal }, { key: 'company', label: strings.invoice.company }],
    form: { titleType: 'personal', title: '', taxNumber: '', email: '' },
    sending: false,
  },
  methods: {
    onLoad(query) {
      this.setTitle(strings.invoice.title)
      this.setData({ orderId: query.order_id || '' })
      return this.reload()
    },

    reload() {
      return this.runLoad(async () => {
        try {
          this.setData({ v: invoiceView(await invoices.forOrder(this.data.orderId)) })
        } catch (err) {
          if (err.status !== 404) throw err
          this.setData({ v: null }) // none asked yet: the form
        }
        return true
      })
    },

    onType(e) {
      this.setData({ 'form.titleType': e.currentTarget.dataset.key })
    },

    onField(e) {
      this.setData({ [`form.${e.currentTarget.dataset.field}`]: e.detail.value })
    },

    async onSubmit() {
      const { body, problem } = requestBody(this.data.form)
      if (problem) {
        wx.showToast({ title: strings.invoice[problem], icon: 'none' })
        return
      }
      this.setData({ sending: true })
      try {
        this.setData({ v: invoiceView(await invoices.request(this.data.orderId, body)) })
        wx.showToast({ title: strings.invoice.sent, icon: 'success' })
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
      this.setData({ sending: false })
    },
  },
})
