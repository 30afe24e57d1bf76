// The time-of-use editor: the slot model, and the component painting periods, sending a version and
// showing the server's validation error on the field it names (a real HTTP server answers).
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import TariffEditor from '@/components/TariffEditor.vue'
import { setBase } from '@/api/http'
import { i18n } from '@/i18n'
import { errorTarget, hoursByPeriod, missingPrices, paint, segmentsFrom, slotsFrom, tariffBody } from '@/lib/tariff'
import type { Segment, TariffVersion } from '@/api/types'
import { signIn } from '@/stores/session'
import { WAIT, fakeToken, startServer, type TestServer } from './support/server'

const DAY: Segment[] = [{ start: '00:00', end: '08:00', period: 'valley' }, { start: '08:00', end: '18:00', period: 'flat' },
  { start: '18:00', end: '22:00', period: 'peak' }, { start: '22:00', end: '24:00', period: 'valley' }]

describe('the slot model', () => {
  it('round-trips segments on half hours', () => {
    expect(segmentsFrom(slotsFrom(DAY))).toEqual(DAY)
  })

  it('painting merges neighbours of one period and always covers 00:00-24:00', () => {
    const slots = paint(slotsFrom(DAY), 37, 35, 'sharp')        // 17:30-19:00, dragged backwards
    expect(segmentsFrom(slots)).toEqual([
      { start: '00:00', end: '08:00', period: 'valley' }, { start: '08:00', end: '17:30', period: 'flat' },
      { start: '17:30', end: '19:00', period: 'sharp' }, { start: '19:00', end: '22:00', period: 'peak' },
      { start: '22:00', end: '24:00', period: 'valley' }])
    const all = segmentsFrom(paint(slots, 0, 47, 'flat'))
    expect(all).toEqual([{ start: '00:00', end: '24:00', period: 'flat' }])
    expect(hoursByPeriod(all)).toEqual({ sharp: 0, peak: 0, flat: 24, valley: 0 })
  })

  it('only used periods need and send prices', () => {
    const prices = { valley: { energy_fen_per_kwh: 30, service_fen_per_kwh: 40 }, flat: { energy_fen_per_kwh: 70, service_fen_per_kwh: 60 } }
    expect(missingPrices(DAY, prices)).toEqual(['peak'])
    const body = tariffBody(DAY, { ...prices, peak: { energy_fen_per_kwh: 100, service_fen_per_kwh: 80 }, sharp: { energy_fen_per_kwh: 1, service_fen_per_kwh: 1 } },
      new Date('2030-01-01T00:00:00Z'), 5, 15)
    expect(Object.keys(body.prices as object).sort()).toEqual(['flat', 'peak', 'valley'])
    expect(body.effective_from).toBe('2030-01-01T00:00:00.000Z')
    expect(tariffBody(DAY, prices, null, 0, 15)).not.toHaveProperty('effective_from')
  })

  it('puts a server error on the field it names', () => {
    expect(errorTarget('segments[1].start')).toBe('segments')
    expect(errorTarget('prices.peak.energy_fen_per_kwh')).toBe('prices.peak')
    expect(errorTarget('prices.sharp')).toBe('prices.sharp')
    expect(errorTarget('effective_from')).toBe('effective_from')
    expect(errorTarget('body')).toBe('')
    expect(errorTarget(null)).toBe('')
  })
})

describe('TariffEditor', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer()
    setBase(server.url)
    signIn(fakeToken({ sub: '1', role: 'operator', exp: Math.floor(Date.now() / 1000) + 3600 }), 'op', null)
    i18n.global.locale.value = 'en'
  })
  afterAll(() => server.close())

  const base: TariffVersion = { id: 1, station_id: 3, effective_from: '2025-01-01T00:00:00Z', segments: DAY,
    prices: { valley: { energy_fen_per_kwh: 30, service_fen_per_kwh: 40 }, flat: { energy_fen_per_kwh: 70, service_fen_per_kwh: 60 },
      peak: { energy_fen_per_kwh: 100, service_fen_per_kwh: 80 } },
    idle_fee_fen_per_min: 0, idle_grace_minutes: 15, created_at: '2025-01-01T00:00:00Z' }

  function editor() {
    return mount(TariffEditor, { props: { stationId: 3, base, timezone: 'Asia/Shanghai' }, global: { plugins: [ElementPlus, i18n] } })
  }

  it('paints by dragging and sends the new version in fen', async () => {
    server.answer(() => ({ status: 201, body: { ...base, id: 2 } }))
    const wrapper = editor()
    await wrapper.find('[data-test="tariff-brush"] .brush-sharp input').setValue(true)
    await wrapper.find('[data-slot="36"]').trigger('mousedown')     // 18:00
    await wrapper.find('[data-slot="37"]').trigger('mouseenter')    // .. 19:00
    await wrapper.find('[data-test="tariff-editor"]').trigger('mouseup')
    expect(wrapper.find('[data-slot="37"]').classes()).toContain('period-sharp')
    expect(wrapper.find('[data-slot="38"]').classes()).toContain('period-peak')
    // the sharp period needs a price: the defaults fill it (1.20 + 0.80 yuan)
    const before = server.seen.length
    await wrapper.find('[data-test="tariff-save"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.emitted('saved')).toBeTruthy(), WAIT)
    expect(server.seen.length).toBe(before + 1)
    const sent = JSON.parse(server.seen.at(-1)!.body)
    expect(server.seen.at(-1)!.method).toBe('PUT')
    expect(server.seen.at(-1)!.url).toBe('/api/v1/admin/stations/3/tariff')
    expect(sent.segments).toContainEqual({ start: '18:00', end: '19:00', period: 'sharp' })
    expect(sent.prices.sharp).toEqual({ energy_fen_per_kwh: 120, service_fen_per_kwh: 80 })
    expect(sent.prices.peak).toEqual({ energy_fen_per_kwh: 100, service_fen_per_kwh: 80 })
    expect(wrapper.emitted('saved')?.[0]?.[0]).toMatchObject({ id: 2 })
  })

  it("shows the server's validation error on the field it names", async () => {
    server.answer(() => ({ status: 400, body: { error: { code: 'validation_error', field: 'effective_from',
      message: 'a version from 2025-01-01T00:00:00+00:00 exists' } } }))
    const wrapper = editor()
    await wrapper.find('[data-test="tariff-save"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[data-error-field="effective_from"] .el-form-item__error').exists()).toBe(true), WAIT)
    const item = wrapper.find('[data-error-field="effective_from"]')
    expect(item.find('.el-form-item__error').text()).toContain('a version from 2025-01-01T00:00:00+00:00 exists')
    expect(wrapper.find('[data-test="tariff-error"]').exists()).toBe(false)

    server.answer(() => ({ status: 400, body: { error: { code: 'validation_error', field: 'prices.peak.energy_fen_per_kwh',
      message: 'must be smaller than or equal to 100000' } } }))
    await wrapper.find('[data-test="tariff-save"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[data-error="prices.peak"]').exists()).toBe(true), WAIT)
    await flushPromises()
    expect(wrapper.find('[data-error="prices.peak"]').text()).toContain('must be smaller than or equal to 100000')
    expect(wrapper.emitted('saved')).toBeUndefined()
  })
})
