/** Input checks done before a request (the server validates again). */
const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领'

/** Chinese plate: province + letter + 5 (petrol) or 6 (new energy) characters. */
function isPlate(text) {
  const s = String(text || '').trim().toUpperCase()
  const re = new RegExp(`^[${PROVINCES}][A-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]$`)
  return re.test(s)
}

function normalisePlate(text) {
  return String(text || '').trim().toUpperCase()
}

module.exports = { isPlate, normalisePlate }
