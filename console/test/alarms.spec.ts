// The alarm drawer against a real HTTP server: an operator acknowledges (assignee and note sent, the
// work order shown), a server refusal is said in words; a viewer sees the alarm and no action.
import { describe, expect, it, vi } from 'vitest'
import AlarmDrawer from '@/views/alarms/AlarmDrawer.vue'
import type { Alarm } from '@/api/types'
import { signIn } from '@/stores/session'
import { pageTest } from './support/page'
import { fakeToken } from './support/server'

const RAISED: Alarm = { id: 4, kind: 'connector_fault', severity: 'major', status: 'Raised', charge_point_id: 'CP-1', station_id: null,
  evse_id: 1, connector_id: 1, type: 'GroundFailure', message: 'CP-1 connector 1: Faulted (GroundFailure)', count: 1,
  raised_at: '2026-03-01T08:00:00Z', last_seen_at: '2026-03-01T08:00:00Z', acknowledged_at: null, acknowledged_by: null,
  resolved_at: null, resolved_by: null, resolution: null, cleared_at: null, work_order: null }
const WORK_ORDER = { id: 9, alarm_id: 4, status: 'open' as const, station_id: null, charge_point_id: 'CP-1', assignee: 'ann',
  created_by: 'op', resolution: null, created_at: '2026-03-01T08:01:00Z', updated_at: '2026-03-01T08:01:00Z', started_at: null,
  resolved_at: null, closed_at: null, notes: [{ author: 'op', text: 'check the earth', at: '2026-03-01T08:01:00Z' }] }

describe('AlarmDrawer', () => {
  const { ctx, $, input, mount } = pageTest('charge-point', 'work-order')
  const drawer = () => mount(AlarmDrawer, { alarmId: 4 })

  it('an operator acknowledges: the assignee (themselves by default) and the note are sent, the work order shown', async () => {
    signIn(fakeToken({ sub: '1', role: 'operator', exp: Math.floor(Date.now() / 1000) + 3600 }), 'op', null)
    ctx.server.answer((seen) => seen.method === 'GET' ? { body: RAISED }
      : { body: { ...RAISED, status: 'Acknowledged', acknowledged_by: 'op', work_order: WORK_ORDER } })
    const wrapper = drawer()
    await vi.waitFor(() => expect($('[data-test="alarm-ack"]')).not.toBeNull())
    expect(input('alarm-assignee').value).toBe('op')
    const note = input('alarm-note')
    note.value = 'check the earth'
    note.dispatchEvent(new Event('input'))
    $('[data-test="alarm-ack"]')!.click()
    await vi.waitFor(() => expect($('[data-test="alarm-work-order"]')?.textContent).toContain('check the earth'))
    const sent = ctx.server.seen.at(-1)!
    expect([sent.method, sent.url, JSON.parse(sent.body)]).toEqual(['POST', '/api/v1/admin/alarms/4/acknowledge', { assignee: 'op', note: 'check the earth' }])
    expect(wrapper.emitted('changed')?.[0]?.[0]).toMatchObject({ status: 'Acknowledged' })
    expect($('[data-test="alarm-ack"]')).toBeNull()              // acknowledged: assign and notes instead
    expect($('[data-test="alarm-assign"]')).not.toBeNull()
    wrapper.unmount()
  })

  it('an unknown assignee is refused by the server and said in words', async () => {
    signIn(fakeToken({ sub: '1', role: 'operator', exp: Math.floor(Date.now() / 1000) + 3600 }), 'op', null)
    ctx.server.answer((seen) => seen.method === 'GET' ? { body: RAISED }
      : { status: 400, body: { error: { code: 'validation_error', field: 'assignee', message: 'no active operator "bob"' } } })
    const wrapper = drawer()
    await vi.waitFor(() => expect($('[data-test="alarm-ack"]')).not.toBeNull())
    $('[data-test="alarm-ack"]')!.click()
    await vi.waitFor(() => expect($('[data-test="alarm-error"]')?.textContent).toContain('Invalid input (assignee): no active operator "bob"'))
    wrapper.unmount()
  })

  it('a viewer sees the alarm and no action', async () => {
    signIn(fakeToken({ sub: '3', role: 'viewer', exp: Math.floor(Date.now() / 1000) + 3600 }), 'vi', null, { role: 'viewer', permissions: ['viewer'] })
    ctx.server.answer(() => ({ body: RAISED }))
    const wrapper = drawer()
    await vi.waitFor(() => expect(document.body.textContent).toContain('Faulted (GroundFailure)'))
    expect($('[data-test="alarm-ack"]')).toBeNull()
    expect($('[data-test="alarm-resolve"]')).toBeNull()
    wrapper.unmount()
  })
})
