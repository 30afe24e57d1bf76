// What a reviewer may decide on an abnormal order (docs/contract.md "Abnormal orders"): only a
// flagged review is open; approve and close need the operator permission, adjust and refund finance
// (money moves). Adjust needs a settled or abnormal order; refund a billed order's paid part or an
// unbilled order's prepayment.
import type { Decision } from '@/api/backoffice'
import type { OrderReview } from '@/api/types'
import type { Permission } from './roles'

export const NEEDS: Record<Decision, Permission> = { approve: 'operator', adjust: 'finance', refund: 'finance', close: 'operator' }
const SETTLED = new Set(['paid', 'unpaid', 'refunded'])

export function decisions(review: OrderReview, can: (p: Permission) => boolean): Decision[] {
  if (review.state !== 'flagged') return []
  const state = review.order?.state
  return (Object.keys(NEEDS) as Decision[]).filter((d) => {
    if (!can(NEEDS[d])) return false
    if (d === 'adjust') return !state || SETTLED.has(state) || state === 'abnormal'
    if (d === 'refund') return !state || refundable(review) > 0
    return true
  })
}

/** What a refund may give back at most: a billed order's paid part not yet refunded; an unbilled
 *  one's prepayment not yet given back. */
export function refundable(review: OrderReview): number {
  const o = review.order
  if (!o) return 0
  if (SETTLED.has(o.state)) return Math.max(0, o.paid_fen - o.refunded_fen)
  return Math.max(0, (o.prepay_fen ?? 0) - o.refunded_fen)
}

/** The body of a decision, checked: a reason for adjust and refund, amounts in fen. */
export function decisionBody(d: Decision, form: { note: string; totalFen: number | null; amountFen: number | null }):
  { body: Record<string, unknown> } | { error: 'reason' | 'amount' } {
  const note = form.note.trim()
  if (d === 'approve' || d === 'close') return { body: note ? { note } : {} }
  if (!note) return { error: 'reason' }
  if (d === 'adjust') {
    if (form.totalFen === null || form.totalFen < 0) return { error: 'amount' }
    return { body: { total_fen: form.totalFen, reason: note } }
  }
  if (form.amountFen !== null && form.amountFen < 1) return { error: 'amount' }
  return { body: form.amountFen === null ? { reason: note } : { amount_fen: form.amountFen, reason: note } }
}
