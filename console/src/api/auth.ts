import { http } from './http'

export interface Token {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  role?: string               // what the role grants (older servers: only in the token)
  permissions?: string[]
}

export const authApi = {
  login: (username: string, password: string) => http.publicPost<Token>('/api/v1/auth/login', { username, password }),
  signKey: () => http.get<{ sign_key: string }>('/api/v1/auth/sign-key'),
  createOperator: (body: { username: string; password: string; role: string }) =>
    http.post<{ id: number; username: string; role: string; active: boolean }>('/api/v1/admin/operators', body),
}
