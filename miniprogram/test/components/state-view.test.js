const { renderComponent, tap, text, flush } = require('../helpers/render')
const strings = require('../../utils/strings')

describe('state-view', () => {
  test('loading, empty, error and ready', async () => {
    const comp = renderComponent('components/state-view/index', { status: 'loading' })
    expect(text(comp)).toContain(strings.common.loading)
    comp.setData({ status: 'empty', emptyText: '没有电站' })
    await flush()
    expect(text(comp)).toContain('没有电站')
    comp.setData({ status: 'error', errorText: '网络异常' })
    await flush()
    expect(text(comp)).toContain('网络异常')
    comp.setData({ status: 'ready' })
    await flush()
    expect(text(comp).trim()).toBe('')
  })

  test('retry emits an event', async () => {
    const comp = renderComponent('components/state-view/index', { status: 'error' })
    const retry = jest.fn()
    comp.addEventListener('retry', retry)
    await tap(comp, '.retry')
    expect(retry).toHaveBeenCalled()
  })
})
