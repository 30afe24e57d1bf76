// Operator roles, lowest first. The server enforces them on every endpoint; the console only hides
// what a role may not do. `viewer` and `finance` come with the operations back end (issue 11): a
// route or button declares the lowest role that may use it and nothing else needs to change.
export const ROLE_RANK: Record<string, number> = { viewer: 0, operator: 1, finance: 1, admin: 2 }

export type Role = 'viewer' | 'operator' | 'finance' | 'admin'

export function allows(role: string | null | undefined, needed: Role | undefined): boolean {
  if (!needed) return true
  if (!role || !(role in ROLE_RANK)) return false
  if (needed === 'finance') return role === 'finance' || role === 'admin'
  return ROLE_RANK[role] >= ROLE_RANK[needed]
}
