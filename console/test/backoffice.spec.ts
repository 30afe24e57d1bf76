// The back office's logic: the live alarm list, work order moves, what a reviewer may decide and the
// bodies sent, the dashboard's axis and totals; the review drawer against a real HTTP server (only the
// decisions the role grants, the body sent, and a 403 in plain words).
import { describe, expect, it, vi } from 'vitest'
import ReviewDrawer from '@/views/orders/ReviewDrawer.vue'
import type { Alarm, OrderReview, StatPoint } from '@/api/types'
import { applyAlarm, matches, openCounts, seconds, workOrderMoves } from '@/lib/alarms'
import { decisionBody, decisions, refundable } from '@/lib/review'
import { defaultRange, energyRevenueOption, onAxis, periods, rankingOption, totals, zeroPoint } from '@/lib/stats'
import { grants, permissionsOf } from '@/lib/roles'
import { can, signIn } from '@/stores/session'
import { pageTest } from './support/page'
import { fakeToken } from './support/server'

function alarm(id: number, over: Partial<Alarm> = {}): Alarm {
  return { id, kind: 'connector_fault', severity: 'major', status: 'Raised', charge_point_id: 'CP-1', station_id: 1, evse_id: 1,
    connector_id: 1, type: 'GroundFailure', message: 'm', count: 1, raised_at: `2026-03-01T08:00:0${id}Z`,
    last_seen_at: '2026-03-01T08:00:00Z', acknowledged_at: null, acknowledged_by: null, resolved_at: null, resolved_by: null,
    resolution: null, cleared_at: null, work_order: null, ...over }
}

describe('the live alarm list', () => {
  it('keeps the worst first, then the newest; a new alarm that matches is added in its place', () => {
    let list = [alarm(1, { severity: 'warning' }), alarm(2)]
    list = applyAlarm(list, alarm(1, { severity: 'warning' }), { status: 'open' })
    expect(list.map((a) => a.id)).toEqual([2, 1])
    list = applyAlarm(list, alarm(3, { severity: 'critical' }), { status: 'open' })
    expect(list.map((a) => a.id)).toEqual([3, 2, 1])
    list = applyAlarm(list, alarm(4, { severity: 'major' }), { status: 'open' })
    expect(list.map((a) => a.id)).toEqual([3, 4, 2, 1])
    expect(openCounts(list)).toEqual({ critical: 1, major: 2, warning: 1, info: 0 })
  })

  it('a change that no longer matches drops the row; the feed (without a work order) keeps the one known', () => {
    const wo = { id: 9, status: 'open' as const, assignee: 'ann' }
    let list = [alarm(1, { status: 'Acknowledged', work_order: wo })]
    list = applyAlarm(list, alarm(1, { status: 'Acknowledged', count: 2 }), { status: 'open' })
    expect(list[0].work_order).toEqual(wo)
    expect(list[0].count).toBe(2)
    expect(applyAlarm(list, alarm(1, { status: 'Resolved' }), { status: 'open' })).toEqual([])
    expect(applyAlarm(list, alarm(1, { status: 'Acknowledged' }), { status: 'Raised' })).toEqual([])
    expect(applyAlarm([], alarm(5, { station_id: 2 }), { status: 'open', station_id: 1 })).toEqual([])
    expect(matches(alarm(6, { status: 'Resolved' }), { status: '' })).toBe(true)
  })

  it('work orders move as their lifecycle allows; durations read as words', () => {
    expect(workOrderMoves('open')).toEqual(['in_progress', 'resolved', 'closed'])
    expect(workOrderMoves('resolved')).toEqual(['closed'])
    expect(workOrderMoves('closed')).toEqual([])
    expect([seconds(null), seconds(42), seconds(200), seconds(7500), seconds(90000)]).toEqual(['—', '42 s', '3 min 20 s', '2 h 5 min', '1 d 1 h'])
  })
})

function review(over: Partial<OrderReview> = {}, order: Partial<NonNullable<OrderReview['order']>> = {}): OrderReview {
  return { id: 7, order_id: 70, user_id: 3, station_id: 1, charge_point_id: 'CP-1', state: 'flagged',
    anomalies: [{ code: 'meter_backwards', detail: 'the register went back 2000 Wh' }], total_before_fen: null, total_after_fen: null,
    refund_fen: null, note: null, decided_by: null, decided_at: null, created_at: '2026-03-01T08:00:00Z', updated_at: '2026-03-01T08:00:00Z',
    order: { id: 70, state: 'paid', user_id: 3, charge_point_id: 'CP-1', connector_id: 1, station_id: 1, station_name: 'S',
      transaction_id: 1, pay_mode: 'wallet', prepay_fen: 0, energy_wh: 5000, energy_fen: 500, service_fen: 250, idle_fee_fen: 0,
      total_fen: 750, paid_fen: 750, refunded_fen: 0, stop_reason: null, created_at: '', started_at: null, stopped_at: null,
      settled_at: null, bill_lines: [], ...order }, ...over }
}

describe('what a reviewer may decide', () => {
  const as = (role: string) => (p: Parameters<typeof grants>[1]) => grants(permissionsOf(role), p)

  it('operators approve and close, finance adjusts and refunds, admins all; a decided review nothing', () => {
    expect(decisions(review(), as('operator'))).toEqual(['approve', 'close'])
    expect(decisions(review(), as('finance'))).toEqual(['adjust', 'refund'])
    expect(decisions(review(), as('admin'))).toEqual(['approve', 'adjust', 'refund', 'close'])
    expect(decisions(review(), as('viewer'))).toEqual([])
    expect(decisions(review({ state: 'adjusted' }), as('admin'))).toEqual([])
  })

  it('refund: the paid part not yet refunded, or the prepayment of an unbilled order; adjust: settled or abnormal', () => {
    expect(refundable(review({}, { paid_fen: 750, refunded_fen: 100 }))).toBe(650)
    expect(refundable(review({}, { state: 'abnormal', paid_fen: 0, prepay_fen: 3000, refunded_fen: 0 }))).toBe(3000)
    expect(decisions(review({}, { state: 'cancelled', prepay_fen: 0 }), as('admin'))).toEqual(['approve', 'close'])
  })

  it('bodies: a reason for money, amounts in fen, notes optional', () => {
    expect(decisionBody('approve', { note: ' ', totalFen: null, amountFen: null })).toEqual({ body: {} })
    expect(decisionBody('close', { note: 'dup', totalFen: null, amountFen: null })).toEqual({ body: { note: 'dup' } })
    expect(decisionBody('adjust', { note: '', totalFen: 500, amountFen: null })).toEqual({ error: 'reason' })
    expect(decisionBody('adjust', { note: '电表故障', totalFen: 500, amountFen: null })).toEqual({ body: { total_fen: 500, reason: '电表故障' } })
    expect(decisionBody('refund', { note: 'r', totalFen: null, amountFen: 0 })).toEqual({ error: 'amount' })
    expect(decisionBody('refund', { note: 'r', totalFen: null, amountFen: 120 })).toEqual({ body: { amount_fen: 120, reason: 'r' } })
  })
})

describe('the dashboard arithmetic', () => {
  const point = (period: string, over: Partial<StatPoint>): StatPoint => ({ ...zeroPoint(period), ...over })

  it('an axis of every day or month; a period without a roll-up is zero', () => {
    expect(periods('2026-02-27', '2026-03-02', 'day')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'])
    expect(periods('2025-11-01', '2026-02-15', 'month')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02'])
    const filled = onAxis([point('2026-03-01', { energy_wh: 1500 })], ['2026-02-28', '2026-03-01'], zeroPoint)
    expect(filled.map((p) => p.energy_wh)).toEqual([0, 1500])
    expect(defaultRange('day', new Date(2026, 2, 30))).toEqual(['2026-03-01', '2026-03-30'])
    expect(defaultRange('month', new Date(2026, 2, 30))).toEqual(['2025-04-01', '2026-03-30'])
  })

  it('totals: utilisation and fault rate from the minutes, not averaged rates', () => {
    const sum = totals([point('a', { energy_wh: 1000, revenue_fen: 150, sessions: 1, occupied_minutes: 60, available_minutes: 60,
      connector_minutes: 1440, faulted_minutes: 144 }), point('b', { occupied_minutes: 0, available_minutes: 120, connector_minutes: 1440 })])
    expect(sum).toEqual({ energy_wh: 1000, revenue_fen: 150, sessions: 1, utilisation: 0.25, fault_rate: 0.05 })
    expect(totals([]).utilisation).toBeNull()
  })

  it('charts: kWh and yuan per period; rankings highest on top', () => {
    const t = (k: string) => k
    const option = energyRevenueOption([point('2026-03-01', { energy_wh: 12345, revenue_fen: 1597 })], t)
    expect(option.series.map((s) => [s.id, s.data])).toEqual([['energy', [12.35]], ['revenue', [15.97]]])
    const ranked = rankingOption([point('', { station_id: 1, fault_rate: 0.1234 }), point('', { station_id: 2, fault_rate: 0.01 })],
      'fault_rate', 'rate', (id) => `S${id}`)
    expect(ranked.yAxis.data).toEqual(['S2', 'S1'])
    expect(ranked.series[0].data).toEqual([1, 12.34])
  })
})

describe('ReviewDrawer', () => {
  const { ctx, $, $$, input, mount } = pageTest('order', 'user')
  const drawer = () => mount(ReviewDrawer, { reviewId: 7 })

  it('a finance login sees adjust and refund only, and an adjustment sends the new total in fen with the reason', async () => {
    signIn(fakeToken({ sub: '2', role: 'finance', exp: Math.floor(Date.now() / 1000) + 3600 }), 'fin', null,
      { role: 'finance', permissions: ['finance', 'viewer'] })
    expect([can('finance'), can('operator')]).toEqual([true, false])
    ctx.server.answer((seen) => seen.method === 'GET' ? { body: review() }
      : { body: review({ state: 'adjusted', total_before_fen: 750, total_after_fen: 500, note: '电表故障', decided_by: 'fin' }) })
    const wrapper = drawer()
    await vi.waitFor(() => expect($$('[data-decision]').map((b) => b.dataset.decision)).toEqual(['adjust', 'refund']))
    $('[data-decision="adjust"]')!.click()
    await vi.waitFor(() => expect($('[data-test="decision-send"]')).not.toBeNull())
    const total = input('decision-total')
    total.value = '5'
    total.dispatchEvent(new Event('input'))
    total.dispatchEvent(new Event('change'))
    $('[data-test="decision-send"]')!.click()
    await vi.waitFor(() => expect($('[data-test="decision-error"]')?.textContent).toContain('Give a reason'))
    const note = input('decision-note')
    note.value = '电表故障'
    note.dispatchEvent(new Event('input'))
    $('[data-test="decision-send"]')!.click()
    await vi.waitFor(() => expect($('[data-test="review-outcome"]')?.textContent).toContain('¥7.50 → ¥5.00'))
    const sent = ctx.server.seen.at(-1)!
    expect([sent.method, sent.url, JSON.parse(sent.body)]).toEqual(['POST', '/api/v1/admin/order-reviews/7/adjust', { total_fen: 500, reason: '电表故障' }])
    expect(wrapper.emitted('decided')).toHaveLength(1)
    wrapper.unmount()
  })

  it("the server's 403 is said in plain words", async () => {
    signIn(fakeToken({ sub: '1', role: 'operator', exp: Math.floor(Date.now() / 1000) + 3600 }), 'op', null)
    ctx.server.answer((seen) => seen.method === 'GET' ? { body: review() }
      : { status: 403, body: { error: { code: 'forbidden', message: 'this endpoint needs the operator permission' } } })
    const wrapper = drawer()
    await vi.waitFor(() => expect($$('[data-decision]').map((b) => b.dataset.decision)).toEqual(['approve', 'close']))
    $('[data-decision="close"]')!.click()
    await vi.waitFor(() => expect($('[data-test="decision-send"]')).not.toBeNull())
    $('[data-test="decision-send"]')!.click()
    await vi.waitFor(() => expect($('[data-test="decision-error"]')?.textContent).toContain('Your role may not do this'))
    wrapper.unmount()
  })
})
