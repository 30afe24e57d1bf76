// The back office (docs/contract.md "Operations back office"): the abnormal-order review queue,
// drivers' accounts, the feedback inbox, operator accounts and the audit log.
import { http, type Query } from './http'
import type {
  AuditRecord, Driver, Feedback, FeedbackStatus, LedgerEntry, OperatorAccount, OrderReview,
} from './types'

const A = '/api/v1/admin'

export type Decision = 'approve' | 'adjust' | 'refund' | 'close'

export const backofficeApi = {
  reviews: (query: Query) => http.page<OrderReview>(`${A}/order-reviews`, query),
  review: (id: number) => http.get<OrderReview>(`${A}/order-reviews/${id}`),
  decide: (id: number, decision: Decision, body: Record<string, unknown>) =>
    http.post<OrderReview>(`${A}/order-reviews/${id}/${decision}`, body),
  sweep: () => http.post<{ flagged: number }>(`${A}/order-reviews/sweep`, {}),

  users: (query: Query) => http.page<Driver>(`${A}/users`, query),
  user: (id: number) => http.get<Driver>(`${A}/users/${id}`),
  ledger: (id: number, query: Query) => http.page<LedgerEntry>(`${A}/users/${id}/ledger`, query),
  block: (id: number, reason: string) => http.post<Driver>(`${A}/users/${id}/block`, { reason }),
  unblock: (id: number) => http.post<Driver>(`${A}/users/${id}/unblock`, {}),
  /** `note` is the reason the ledger and the audit log keep */
  adjustBalance: (id: number, amount_fen: number, note: string) =>
    http.post<LedgerEntry>(`${A}/users/${id}/wallet/adjustments`, { amount_fen, note }),

  feedback: (query: Query) => http.page<Feedback>(`${A}/feedback`, query),
  feedbackCounts: () => http.get<Record<FeedbackStatus, number>>(`${A}/feedback/counts`),
  answerFeedback: (id: number, body: { status?: FeedbackStatus; reply?: string }) =>
    http.patch<Feedback>(`${A}/feedback/${id}`, body),

  operators: () => http.all<OperatorAccount>(`${A}/operators`),
  updateOperator: (id: number, body: { role?: string; active?: boolean }) =>
    http.patch<OperatorAccount>(`${A}/operators/${id}`, body),
  audit: (query: Query) => http.page<AuditRecord>(`${A}/audit`, query),
}
