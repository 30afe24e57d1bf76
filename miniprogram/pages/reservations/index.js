/** Reservations: list with expiry; cancel an active one (signed). */
const strings = require('../../utils/strings')
const fmt = require('../../utils/format')
const pageState = require('../../utils/page-state')
const { errorMessage } = require('../../utils/errors')
const reservations = require('../../services/reservations')

function itemView(r) {
  return {
    id: r.id,
    connector: `${r.charge_point_id} #${r.connector_id}`,
    state: r.state,
    stateText: strings.reservationStates[r.state] || r.state,
    expires: fmt.dateTime(r.expires_at),
    fee: r.fee_fen ? fmt.yuan(r.fee_fen) : '',
    active: r.state === 'active',
  }
}

Component({
  behaviors: [pageState],
  data: { t: strings.reservations, items: [] },
  methods: {
    onLoad() {
      this.setTitle(strings.reservations.title)
      return this.reload()
    },

    reload() {
      return this.runLoad(async () => {
        const items = await reservations.list()
        this.setData({ items: items.map(itemView) })
        return items
      }, (items) => items.length === 0)
    },

    onCancel(e) {
      const id = e.currentTarget.dataset.id
      wx.showModal({
        content: strings.reservations.cancelConfirm,
        success: async (r) => {
          if (!r.confirm) return
          try {
            await reservations.cancel(id)
            await this.reload()
          } catch (err) {
            wx.showToast({ title: errorMessage(err), icon: 'none' })
          }
        },
      })
    },
  },
})
