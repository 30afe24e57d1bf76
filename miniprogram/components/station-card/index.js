/** A station in the list/map: name, distance, price now, free/total, kinds. Emits open / navigate. */
const strings = require('../../utils/strings')
const { stationView } = require('../../utils/station-view')

Component({
  properties: {
    station: { type: Object, value: null },
  },
  data: { t: strings.index, v: null },
  observers: {
    station(s) {
      this.setData({ v: stationView(s) })
    },
  },
  methods: {
    onOpen() {
      this.triggerEvent('open', { id: this.data.station && this.data.station.id })
    },
    onNavigate() {
      this.triggerEvent('navigate', { station: this.data.station })
    },
  },
})
