/**
 * Start-up progress: steps [{key, label}] and the current step key; steps before it are done,
 * the current one active (or failed when `failed`).
 */
Component({
  properties: {
    steps: { type: Array, value: [] },
    current: { type: String, value: '' },
    failed: { type: Boolean, value: false },
  },
  data: { items: [] },
  observers: {
    'steps, current, failed'(steps, current, failed) {
      const idx = steps.findIndex((s) => s.key === current)
      const items = steps.map((s, i) => {
        let state = 'todo'
        if (idx < 0) state = 'todo'
        else if (i < idx) state = 'done'
        else if (i === idx) state = failed ? 'failed' : 'active'
        return { key: s.key, label: s.label, state }
      })
      this.setData({ items })
    },
  },
})
