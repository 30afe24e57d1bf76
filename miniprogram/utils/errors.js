/** An error (ApiError, wx fail object, Error) -> the text shown to the driver. */
const strings = require('./strings')

function errorMessage(err) {
  if (!err) return strings.errors.unknown
  const code = err.code
  if (code && strings.errors[code]) return strings.errors[code]
  if (code && strings.reasons[code]) return strings.reasons[code]
  if (err.status >= 500) return strings.errors.server_error
  return err.message || err.errMsg || strings.errors.unknown
}

/** Session failure/stop reason -> text. */
function reasonText(reason) {
  if (!reason) return ''
  return strings.reasons[reason] || strings.errors[reason] || reason
}

module.exports = { errorMessage, reasonText }
