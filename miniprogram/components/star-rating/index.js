/** 1-5 stars; tap sets the value (emits change {value}) unless readonly. */
Component({
  properties: {
    value: { type: Number, value: 0 },
    readonly: { type: Boolean, value: false },
  },
  data: { stars: [1, 2, 3, 4, 5] },
  methods: {
    onTap(e) {
      if (this.data.readonly) return
      const value = Number(e.currentTarget.dataset.value)
      this.setData({ value })
      this.triggerEvent('change', { value })
    },
  },
})
