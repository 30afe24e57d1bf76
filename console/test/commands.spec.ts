// The command forms: the bodies they build, and the dialog's form -> confirmation -> answer, against
// a real HTTP server playing the CSMS (the charger's answer, and its failures in plain words).
import { mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import CommandDialog from '@/components/CommandDialog.vue'
import { setBase } from '@/api/http'
import { COMMANDS, buildBody, initialValues, missingFields, profileFrom, visibleFields } from '@/commands/catalog'
import { i18n } from '@/i18n'
import { signIn } from '@/stores/session'
import { WAIT, fakeToken, startServer, type TestServer } from './support/server'

const NOW = new Date('2026-03-01T08:00:00Z')

describe('bodies', () => {
  it('remote start sends the id tag, and the connector only when one is chosen', () => {
    const spec = COMMANDS['remote-start']
    expect(buildBody(spec, { id_tag: 'TAG1', connector_id: null })).toEqual({ id_tag: 'TAG1' })
    expect(buildBody(spec, { id_tag: 'TAG1', connector_id: 2 })).toEqual({ id_tag: 'TAG1', connector_id: 2 })
    expect(missingFields(spec, initialValues(spec))).toEqual(['id_tag'])
  })

  it('defaults: a soft reset, availability of the whole charge point', () => {
    expect(buildBody(COMMANDS.reset, initialValues(COMMANDS.reset))).toEqual({ type: 'Soft' })
    expect(buildBody(COMMANDS['change-availability'], initialValues(COMMANDS['change-availability']))).toEqual({ connector_id: 0, operative: true })
    expect(buildBody(COMMANDS['change-availability'], { connector_id: 2, operative: false })).toEqual({ connector_id: 2, operative: false })
  })

  it('a reservation expires the chosen minutes from now', () => {
    expect(buildBody(COMMANDS['reserve-now'], { connector_id: 1, id_tag: 'T', expiry_minutes: 30 }, NOW))
      .toEqual({ connector_id: 1, id_tag: 'T', expiry_date: '2026-03-01T08:30:00.000Z' })
  })

  it('a charging profile from the short form', () => {
    expect(profileFrom({ purpose: 'TxDefaultProfile', connector_id: 1, profile_id: 7, stack_level: 2, kind: 'Relative',
      charging_rate_unit: 'W', limit: 11000, duration_minutes: 60 }, NOW)).toEqual({ connector_id: 1, profile: {
      id: 7, stack_level: 2, purpose: 'TxDefaultProfile', kind: 'Relative',
      schedule: { charging_rate_unit: 'W', periods: [{ start_period: 0, limit: 11000 }], duration: 3600 } } })
    const max = profileFrom({ purpose: 'ChargePointMaxProfile', connector_id: 3, profile_id: 1, kind: 'Absolute', limit: 32 }, NOW)
    expect(max.connector_id).toBe(0)                            // a ChargePointMaxProfile goes on connector 0
    expect((max.profile as { schedule: { start_schedule: string } }).schedule.start_schedule).toBe(NOW.toISOString())
    const tx = profileFrom({ purpose: 'TxProfile', connector_id: 1, transaction_id: 42, profile_id: 2, limit: 10 }, NOW)
    expect((tx.profile as { transaction_id: number }).transaction_id).toBe(42)
  })

  it('shows the transaction field only for a TxProfile', () => {
    const spec = COMMANDS['set-charging-profile']
    const keys = (v: Record<string, unknown>) => visibleFields(spec, v).map((f) => f.key)
    expect(keys({ purpose: 'TxDefaultProfile' })).not.toContain('transaction_id')
    expect(keys({ purpose: 'TxProfile' })).toContain('transaction_id')
    expect(keys({ purpose: 'ChargePointMaxProfile' })).not.toContain('connector_id')
  })

  it('date pickers go as ISO UTC, empty optional fields are left out', () => {
    expect(buildBody(COMMANDS['update-firmware'], { location: 'https://fw.example/1.2.bin', retrieve_date: NOW, retries: null, retry_interval: '' }))
      .toEqual({ location: 'https://fw.example/1.2.bin', retrieve_date: NOW.toISOString() })
  })
})

describe('CommandDialog', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer()
    setBase(server.url)
    signIn(fakeToken({ sub: '1', role: 'operator', exp: Math.floor(Date.now() / 1000) + 3600 }), 'op', null)
    i18n.global.locale.value = 'en'
  })
  afterAll(() => server.close())

  function dialog(name: string) {
    return mount(CommandDialog, {
      props: { spec: COMMANDS[name], cpId: 'CP 1', connectors: [1, 2], transactions: [{ id: 42, connector_id: 1 }] },
      global: { plugins: [ElementPlus, i18n] }, attachTo: document.body,
    })
  }
  const $ = (selector: string) => document.body.querySelector(selector) as HTMLElement | null
  const click = async (selector: string) => { $(selector)!.click(); await vi.dynamicImportSettled() }

  it('asks for what is missing, confirms, sends and shows the answer', async () => {
    server.answer(() => ({ body: { status: 'Accepted', remote_start_id: 5 } }))
    const wrapper = dialog('remote-start')
    await vi.waitFor(() => expect($('[data-test="command-review"]')).not.toBeNull(), WAIT)
    await click('[data-test="command-review"]')
    await vi.waitFor(() => expect(document.body.textContent).toContain('Required'), WAIT)
    expect(server.seen).toHaveLength(0)

    const input = $('[data-field="id_tag"] input') ?? $('input[data-field="id_tag"]')
    ;(input as HTMLInputElement).value = 'TAG-9'
    input!.dispatchEvent(new Event('input'))
    await click('[data-test="command-review"]')
    await vi.waitFor(() => expect($('[data-test="command-confirm"]')?.textContent).toContain('Send "Remote start" to CP 1?'), WAIT)
    expect($('[data-test="command-confirm"]')!.textContent).toContain('"id_tag": "TAG-9"')
    await click('[data-test="command-send"]')
    await vi.waitFor(() => expect($('[data-test="command-status"]')?.textContent).toContain('The charge point answered: Accepted'), WAIT)
    expect(server.seen.at(-1)!.url).toBe('/api/v1/admin/charge-points/CP%201/commands/remote-start')
    expect(JSON.parse(server.seen.at(-1)!.body)).toEqual({ id_tag: 'TAG-9' })
    expect(wrapper.emitted('done')?.[0]).toEqual(['remote-start', { status: 'Accepted', remote_start_id: 5 }])
    wrapper.unmount()
  })

  it.each([
    [409, { code: 'charge_point_offline', message: 'CP 1 is not connected' }, 'The charge point is offline: nothing was sent.'],
    [504, { code: 'timeout', message: 'no answer' }, 'did not answer in time'],
    [502, { code: 'NotSupported', ocpp_code: 'NotSupported', message: 'the charge point answered CALLERROR NotSupported: no' }, 'refused (NotSupported)'],
  ])('a %i is said in plain words', async (status, error, words) => {
    server.answer(() => ({ status, body: { error } }))
    const wrapper = dialog('clear-cache')
    await vi.waitFor(() => expect($('[data-test="command-review"]')).not.toBeNull(), WAIT)
    await click('[data-test="command-review"]')
    await vi.waitFor(() => expect($('[data-test="command-send"]')).not.toBeNull(), WAIT)
    await click('[data-test="command-send"]')
    await vi.waitFor(() => expect($('[data-test="command-error"]')?.textContent).toContain(words), WAIT)
    expect(wrapper.emitted('done')).toBeUndefined()
    wrapper.unmount()
  })

  it('a Rejected answer is shown as a warning, not a success', async () => {
    server.answer(() => ({ body: { status: 'Rejected' } }))
    const wrapper = dialog('reset')
    await vi.waitFor(() => expect($('[data-test="command-review"]')).not.toBeNull(), WAIT)
    await click('[data-test="command-review"]')
    await vi.waitFor(() => expect($('[data-test="command-confirm"]')?.textContent).toContain('This affects charging'), WAIT)
    await click('[data-test="command-send"]')
    // (vue-test-utils stubs the alert's transition: the data attribute sits on the stub around it)
    await vi.waitFor(() => expect($('[data-test="command-status"] .el-alert--warning')?.textContent).toContain('Rejected'), WAIT)
    expect($('[data-test="command-status"] .el-alert--success')).toBeNull()
    wrapper.unmount()
  })
})
