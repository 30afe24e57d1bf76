/** The stop-at form (kWh, yuan, minutes as typed) <-> the API's {energy_wh?, amount_fen?, minutes?}. */
const fmt = require('./format')

/** -> {stopAt, invalid: [field]}; blank fields are left out. */
function fromForm(form) {
  const stopAt = {}
  const invalid = []
  const take = (field, key, value) => {
    if (form[field] === undefined || String(form[field]).trim() === '') return
    if (value === null || value <= 0) invalid.push(field)
    else stopAt[key] = value
  }
  take('kwh', 'energy_wh', fmt.parseScaled(form.kwh, 3))
  take('yuan', 'amount_fen', fmt.yuanToFen(form.yuan))
  take('minutes', 'minutes', fmt.parseScaled(form.minutes, 0))
  return { stopAt, invalid }
}

function toForm(stopAt) {
  const s = stopAt || {}
  return {
    kwh: s.energy_wh ? fmt.whToKwh(s.energy_wh, 3).replace(/\.?0+$/, '') : '',
    yuan: s.amount_fen ? fmt.fenToYuan(s.amount_fen).replace(/\.00$/, '') : '',
    minutes: s.minutes ? String(s.minutes) : '',
  }
}

module.exports = { fromForm, toForm }
