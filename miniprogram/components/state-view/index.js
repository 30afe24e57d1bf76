/** Loading / empty / error placeholder with a retry button; renders nothing once `ready`. */
const strings = require('../../utils/strings')

Component({
  properties: {
    status: { type: String, value: 'loading' },
    errorText: { type: String, value: '' },
    emptyText: { type: String, value: '' },
  },
  data: { c: strings.common },
  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
  },
})
