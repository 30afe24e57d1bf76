/** Preset amounts (fen) plus a custom amount in yuan; emits change {fen} (null when invalid). */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')

Component({
  properties: {
    amounts: { type: Array, value: [] },
    value: { type: Number, value: 0 },
    allowCustom: { type: Boolean, value: true },
  },
  data: { t: strings.wallet, options: [], custom: '', customActive: false },
  observers: {
    amounts(list) {
      this.setData({ options: list.map((fen) => ({ fen, label: `${fmt.fenToYuan(fen).replace(/\.00$/, '')}${strings.common.yuanUnit}` })) })
    },
  },
  methods: {
    onPick(e) {
      const fen = Number(e.currentTarget.dataset.fen)
      this.setData({ value: fen, customActive: false, custom: '' })
      this.triggerEvent('change', { fen })
    },
    onCustom(e) {
      const custom = e.detail.value
      const fen = fmt.yuanToFen(custom)
      this.setData({ custom, customActive: true, value: fen || 0 })
      this.triggerEvent('change', { fen: fen && fen > 0 ? fen : null })
    },
  },
})
