// The operator's login: access token (kept across reloads in localStorage), its request-signing key,
// and what the token says (who, role, expiry). When the token expires, or the server says so, the
// session ends with a notice the login page shows: never a silent failure.
import { reactive } from 'vue'
import { grants, permissionsOf, type Permission } from '@/lib/roles'

const KEY = 'csms.console.session'

export interface Session {
  token: string | null
  signKey: string | null
  username: string | null
  operatorId: string | null
  role: string | null
  permissions: string[] | null  // what the role grants (the login answer); null: derived from the role
  expiresAt: number | null      // ms since the epoch
  notice: string | null         // why the last session ended (an i18n key), for the login page
}

interface Claims { sub?: string; role?: string; exp?: number }

export function decodeClaims(token: string): Claims {
  const part = token.split('.')[1] ?? ''
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=')
  try {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
    return JSON.parse(new TextDecoder().decode(bytes)) as Claims
  } catch {
    return {}
  }
}

function empty(notice: string | null = null): Session {
  return { token: null, signKey: null, username: null, operatorId: null, role: null, permissions: null, expiresAt: null, notice }
}

function restore(): Session {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null
    if (saved?.token && saved.expiresAt && saved.expiresAt > Date.now()) return { ...saved, notice: null }
    if (saved?.token) return empty('session.expired')
  } catch {
    /* unreadable: start logged out */
  }
  return empty()
}

export const session = reactive<Session>(restore())
const listeners = new Set<(notice: string | null) => void>()
let expiryTimer: ReturnType<typeof setTimeout> | undefined

function persist(): void {
  if (session.token) localStorage.setItem(KEY, JSON.stringify({ ...session, notice: null }))
  else localStorage.removeItem(KEY)
}

function armExpiry(): void {
  clearTimeout(expiryTimer)
  if (session.expiresAt) {
    // setTimeout overflows past ~24.8 days; a token never lives that long here
    expiryTimer = setTimeout(() => signOut('session.expired'), Math.max(0, session.expiresAt - Date.now()))
  }
}

export function signIn(token: string, username: string, signKey: string | null,
                       granted: { role?: string; permissions?: string[] } = {}): void {
  const claims = decodeClaims(token)
  Object.assign(session, {
    token, signKey, username, operatorId: claims.sub ?? null, role: granted.role ?? claims.role ?? null,
    permissions: granted.permissions ?? null,
    expiresAt: claims.exp ? claims.exp * 1000 : null, notice: null,
  })
  persist()
  armExpiry()
}

export function setSignKey(signKey: string): void {
  session.signKey = signKey
  persist()
}

/** End the session; `notice` (an i18n key) tells the login page why. */
export function signOut(notice: string | null = null): void {
  const wasIn = session.token !== null
  clearTimeout(expiryTimer)
  Object.assign(session, empty(notice))
  persist()
  if (wasIn) listeners.forEach((fn) => fn(notice))
}

/** Whether the signed-in operator's role grants `needed` (see src/lib/roles.ts). */
export function can(needed: Permission | undefined): boolean {
  return grants(permissionsOf(session.role, session.permissions), needed)
}

export function onSignedOut(fn: (notice: string | null) => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

armExpiry()
