/** Vehicles: list, add (plate checked first), set default, delete. */
const strings = require('../../utils/strings')
const pageState = require('../../utils/page-state')
const { errorMessage } = require('../../utils/errors')
const { isPlate, normalisePlate } = require('../../utils/validate')
const vehicles = require('../../services/vehicles')

const CONNECTOR_TYPES = ['GB/T DC', 'GB/T AC', 'CCS2', 'Type 2', 'CHAdeMO']

function confirm(content) {
  return new Promise((resolve) => {
    wx.showModal({ content, success: (r) => resolve(!!r.confirm), fail: () => resolve(false) })
  })
}

Component({
  behaviors: [pageState],
  data: {
    t: strings.vehicles,
    items: [],
    adding: false,
    types: CONNECTOR_TYPES,
    form: { plate: '', model: '', typeIndex: 0 },
  },
  methods: {
    onLoad() {
      this.setTitle(strings.vehicles.title)
      return this.reload()
    },

    reload() {
      return this.runLoad(async () => {
        const items = await vehicles.list()
        this.setData({ items })
        return items
      }, (items) => items.length === 0)
    },

    onShowForm() {
      this.setData({ adding: !this.data.adding })
    },

    onInput(e) {
      this.setData({ [`form.${e.currentTarget.dataset.field}`]: e.detail.value })
    },

    onType(e) {
      this.setData({ 'form.typeIndex': Number(e.detail.value) })
    },

    async onAdd() {
      const { plate, model, typeIndex } = this.data.form
      if (!isPlate(plate)) {
        wx.showToast({ title: strings.vehicles.invalidPlate, icon: 'none' })
        return
      }
      try {
        await vehicles.create({
          plate: normalisePlate(plate), model: model.trim() || undefined,
          connector_type: CONNECTOR_TYPES[typeIndex], is_default: this.data.items.length === 0,
        })
        this.setData({ adding: false, form: { plate: '', model: '', typeIndex: 0 } })
        await this.reload()
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
    },

    async onDefault(e) {
      try {
        await vehicles.update(e.currentTarget.dataset.id, { is_default: true })
        await this.reload()
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
    },

    async onDelete(e) {
      const id = e.currentTarget.dataset.id
      if (!(await confirm(strings.vehicles.deleteConfirm))) return
      try {
        await vehicles.remove(id)
        await this.reload()
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' })
      }
    },
  },
})
