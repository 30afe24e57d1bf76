/**
 * Behavior shared by every page: `status` ('loading' | 'ready' | 'empty' | 'error'), `errorText`,
 * the common strings in `c`, and `runLoad(fn)` that drives those states around a loader.
 */
const strings = require('./strings')
const { errorMessage } = require('./errors')

module.exports = Behavior({
  data: { status: 'loading', errorText: '', c: strings.common },
  methods: {
    /** Run `fn` (returns a promise); `isEmpty(result)` decides the empty state. */
    async runLoad(fn, isEmpty) {
      this.setData({ status: 'loading', errorText: '' })
      try {
        const result = await fn()
        const empty = isEmpty ? isEmpty(result) : false
        this.setData({ status: empty ? 'empty' : 'ready' })
        return result
      } catch (err) {
        this.setData({ status: 'error', errorText: errorMessage(err) })
        return undefined
      }
    },
    toastError(err) {
      wx.showToast({ title: errorMessage(err), icon: 'none' })
    },
    setTitle(title) {
      if (title) wx.setNavigationBarTitle({ title })
    },
  },
})
