/** wx.scanCode for a connector QR: -> {content, parsed} ({parsed: null} when not one of ours), or null on cancel. */
const { parseQr } = require('./qr')

function scanConnector() {
  return new Promise((resolve) => {
    wx.scanCode({
      onlyFromCamera: false,
      scanType: ['qrCode'],
      success: (res) => resolve({ content: res.result, parsed: parseQr(res.result) }),
      fail: () => resolve(null),
    })
  })
}

/** The page that confirms a scanned connector. */
function confirmUrl(content) {
  return `/pages/scan/index?qr=${encodeURIComponent(content)}`
}

module.exports = { scanConnector, confirmUrl }
