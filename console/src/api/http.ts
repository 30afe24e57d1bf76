// The one place that calls fetch: adds the token, signs what changes something, turns every failure
// into an ApiError with the server's {"error": {"code", "message", ...}}, and ends the session on a
// 401 for an expired or invalid token (the login page says why).
import { session, signOut } from '@/stores/session'
import { signature } from './sha256'

export class ApiError extends Error {
  readonly status: number      // 0: the server could not be reached
  readonly code: string
  readonly field?: string
  readonly ocppCode?: string
  readonly details?: unknown

  constructor(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = typeof extra.field === 'string' ? extra.field : undefined
    this.ocppCode = typeof extra.ocpp_code === 'string' ? extra.ocpp_code : undefined
    this.details = extra.details
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface Page<T> {
  items: T[]
  total: number
}

/** Where the API is: same origin in production (/console/ is served by the API) and in `npm run dev`
 *  (Vite proxies /api). Tests point it at their own server. */
let base = ''
export function setBase(url: string): void {
  base = url.replace(/\/$/, '')
}

export function pathWithQuery(path: string, query?: Query): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.append(key, String(value))
  }
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

/** An id in a path: percent-encoded once, so the request line is exactly what was signed. */
export function seg(value: string | number): string {
  return encodeURIComponent(String(value))
}

const SESSION_ENDING = new Set(['token_expired', 'invalid_token', 'unauthorized'])
const utf8 = new TextEncoder()

function nonce(): string {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

async function errorFrom(resp: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await resp.json()
  } catch {
    /* not JSON: a proxy's page */
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error
  if (error && typeof error.code === 'string') {
    const { code, message, ...extra } = error
    return new ApiError(resp.status, code, String(message ?? code), extra)
  }
  return new ApiError(resp.status, `http_${resp.status}`, resp.statusText || `HTTP ${resp.status}`)
}

export interface RequestOptions {
  query?: Query
  body?: unknown
  signal?: AbortSignal
  auth?: boolean                // default true
}

export async function send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const target = pathWithQuery(path, options.query)
  const headers: Record<string, string> = { Accept: 'application/json' }
  let payload: Uint8Array | undefined
  if (options.body !== undefined) {
    payload = utf8.encode(JSON.stringify(options.body))
    headers['Content-Type'] = 'application/json'
  }
  if (options.auth !== false && session.token) {
    headers.Authorization = `Bearer ${session.token}`
    // every change is signed when the key is known: required for remote control and money once
    // driver.operator_signatures = "required", ignored by endpoints that do not check it
    if (method !== 'GET' && session.signKey) {
      const timestamp = String(Math.floor(Date.now() / 1000))
      const n = nonce()
      headers['X-Timestamp'] = timestamp
      headers['X-Nonce'] = n
      headers['X-Signature'] = signature(session.signKey, method, target, timestamp, n, payload ?? new Uint8Array())
    }
  }
  let resp: Response
  try {
    resp = await fetch(base + target, { method, headers, body: payload as BodyInit | undefined, signal: options.signal })
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError(0, 'network_error', (err as Error).message || 'network error')
  }
  if (!resp.ok) {
    const error = await errorFrom(resp)
    if (resp.status === 401 && SESSION_ENDING.has(error.code) && options.auth !== false) {
      signOut(error.code === 'token_expired' ? 'session.expired' : 'session.invalid')
    }
    throw error
  }
  return resp
}

async function json<T>(resp: Response): Promise<T> {
  if (resp.status === 204) return undefined as T
  const text = await resp.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export const http = {
  async get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return json<T>(await send('GET', path, { query, signal }))
  },
  /** A page of a list: the array and the X-Total-Count header. */
  async page<T>(path: string, query?: Query, signal?: AbortSignal): Promise<Page<T>> {
    const resp = await send('GET', path, { query, signal })
    const items = await json<T[]>(resp)
    const total = Number(resp.headers.get('X-Total-Count') ?? items.length)
    return { items, total: Number.isFinite(total) ? total : items.length }
  },
  /** Every item of a paged list (500 a request). */
  async all<T>(path: string, query: Query = {}): Promise<T[]> {
    const out: T[] = []
    for (;;) {
      const { items, total } = await this.page<T>(path, { ...query, limit: 500, offset: out.length })
      out.push(...items)
      if (!items.length || out.length >= total) return out
    }
  },
  async post<T>(path: string, body: unknown = {}, query?: Query): Promise<T> {
    return json<T>(await send('POST', path, { body, query }))
  },
  async put<T>(path: string, body: unknown): Promise<T> {
    return json<T>(await send('PUT', path, { body }))
  },
  async patch<T>(path: string, body: unknown): Promise<T> {
    return json<T>(await send('PATCH', path, { body }))
  },
  async del(path: string): Promise<void> {
    await send('DELETE', path)
  },
  async text(path: string, query?: Query): Promise<string> {
    return (await send('GET', path, { query })).text()
  },
  async publicGet<T>(path: string): Promise<T> {
    return json<T>(await send('GET', path, { auth: false }))
  },
  async publicPost<T>(path: string, body: unknown): Promise<T> {
    return json<T>(await send('POST', path, { body, auth: false }))
  },
}
