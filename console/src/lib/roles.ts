// What the signed-in operator may do. The server says it at login (`role` and `permissions`, the
// grants of api/auth.py GRANTS); the console only hides what the role may not do, the server refuses
// it anyway (403, shown in plain words). `operator` and `finance` are side by side: neither includes
// the other (operators act on chargers, alarms, master data and drivers; finance moves money).
export type Permission = 'viewer' | 'operator' | 'finance' | 'admin'
export type Role = Permission

/** The grants of each role, for a session saved before the server sent its permissions. */
export const GRANTS: Record<Role, Permission[]> = {
  viewer: ['viewer'],
  operator: ['viewer', 'operator'],
  finance: ['viewer', 'finance'],
  admin: ['viewer', 'operator', 'finance', 'admin'],
}

export function permissionsOf(role: string | null | undefined, given?: readonly string[] | null): readonly string[] {
  if (given) return given
  return role && role in GRANTS ? GRANTS[role as Role] : []
}

/** Whether these permissions include `needed` (nothing needed: always). */
export function grants(permissions: readonly string[], needed: Permission | undefined): boolean {
  return !needed || permissions.includes(needed)
}
