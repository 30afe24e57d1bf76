// Failures in plain words: what went wrong for the operator, not the HTTP status. Returns an i18n key
// and its parameters; components show it with t() (useErrorText in src/i18n).
import { ApiError } from './http'

export interface Explained {
  key: string
  params: Record<string, string>
}

const SIGNATURE = new Set(['signature_required', 'bad_signature', 'signature_expired', 'replayed_request'])

export function explain(err: unknown): Explained {
  if (!(err instanceof ApiError)) {
    return { key: 'errors.generic', params: { message: err instanceof Error ? err.message : String(err) } }
  }
  const message = err.message
  const p = { message, code: err.ocppCode ?? err.code, field: err.field ?? '' }
  if (err.status === 0) return { key: 'errors.network', params: p }
  if (err.code === 'charge_point_offline') return { key: 'errors.offline', params: p }
  if (err.status === 502) return { key: 'errors.rejected', params: p }
  if (err.status === 504 || err.code === 'timeout') return { key: 'errors.timeout', params: p }
  if (err.code === 'invalid_payload') return { key: 'errors.invalidPayload', params: p }
  if (err.code === 'unknown_action') return { key: 'errors.unknownAction', params: p }
  if (err.code === 'validation_error') return { key: err.field ? 'errors.validationField' : 'errors.validation', params: p }
  if (err.code === 'invalid_credentials') return { key: 'errors.credentials', params: p }
  if (err.code === 'token_expired') return { key: 'errors.expired', params: p }
  if (SIGNATURE.has(err.code)) return { key: 'errors.signature', params: p }
  if (err.status === 401) return { key: 'errors.loginAgain', params: p }
  if (err.status === 403) return { key: 'errors.forbidden', params: p }
  if (err.status === 404) return { key: 'errors.notFound', params: p }
  if (err.code === 'conflict') return { key: 'errors.conflict', params: p }
  if (err.status === 409) return { key: 'errors.state', params: p }
  if (err.status === 429) return { key: 'errors.rateLimited', params: p }
  if (err.status === 503) return { key: 'errors.unavailable', params: p }
  if (err.status >= 500) return { key: 'errors.server', params: p }
  return { key: 'errors.generic', params: p }
}

/** The field a server validation error names, as the dotted path a form uses
 *  (`segments[1].start` stays as it is; `body` means the whole request). */
export function fieldOf(err: unknown): string | null {
  return err instanceof ApiError && err.code === 'validation_error' && err.field && err.field !== 'body'
    ? err.field : null
}
