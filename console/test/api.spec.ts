// The API client over a real socket: token and signature headers, paging, and every failure turned
// into an ApiError whose plain-words explanation is the right one; a 401 token_expired ends the session.
import { createHmac, createHash } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { explain, fieldOf } from '@/api/errors'
import { ApiError, http, setBase } from '@/api/http'
import { hex, hmacSha256, sha256, signature } from '@/api/sha256'
import { session, signIn, signOut } from '@/stores/session'
import { fakeToken, startServer, type TestServer } from './support/server'

const utf8 = new TextEncoder()
let server: TestServer

beforeAll(async () => {
  server = await startServer()
  setBase(server.url)
})
afterAll(() => server.close())
beforeEach(() => {
  server.seen.length = 0
  signIn(fakeToken({ sub: '7', role: 'operator', exp: Math.floor(Date.now() / 1000) + 3600 }), 'alice', 'k'.repeat(64))
})

describe('SHA-256 and the request signature', () => {
  it('matches the standard vectors', () => {
    expect(hex(sha256(utf8.encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(hex(sha256(utf8.encode('a'.repeat(1000))))).toBe(createHash('sha256').update('a'.repeat(1000)).digest('hex'))
    // RFC 4231 test case 2
    expect(hex(hmacSha256(utf8.encode('Jefe'), utf8.encode('what do ya want for nothing?'))))
      .toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
  })

  it('signs exactly as the server checks (api/signing.py)', () => {
    // the expected value is what api.signing.signature() returns for the same inputs
    expect(signature('k'.repeat(64), 'POST', '/api/v1/admin/charge-points/CP%201/commands/reset', '1700000000',
      'abcdefabcdefabcd', utf8.encode('{"type":"Hard"}'))).toBe('319d48bb32c9b62e5791f68fdbaf647d4127d9ba4276ae511da07f82c614686a')
  })
})

describe('requests', () => {
  it('sends the token, and signs a change over the exact request line and body', async () => {
    server.answer(() => ({ body: { status: 'Accepted' } }))
    await http.post('/api/v1/admin/charge-points/CP%201/commands/reset', { type: 'Hard' })
    const [seen] = server.seen
    expect(seen.headers.authorization).toBe(`Bearer ${session.token}`)
    const message = ['POST', seen.url, seen.headers['x-timestamp'], seen.headers['x-nonce'],
      createHash('sha256').update(seen.body).digest('hex')].join('\n')
    expect(seen.headers['x-signature']).toBe(createHmac('sha256', 'k'.repeat(64)).update(message).digest('hex'))
    expect(seen.headers['x-nonce']).toMatch(/^[0-9a-f]{32}$/)
    expect(seen.body).toBe('{"type":"Hard"}')
  })

  it('does not sign reads, and reads the total of a page from X-Total-Count', async () => {
    server.answer(() => ({ body: [{ id: 1 }, { id: 2 }], headers: { 'X-Total-Count': '17' } }))
    const page = await http.page('/api/v1/admin/transactions', { status: 'Active', charge_point_id: '', limit: 2 })
    expect(page).toEqual({ items: [{ id: 1 }, { id: 2 }], total: 17 })
    expect(server.seen[0].url).toBe('/api/v1/admin/transactions?status=Active&limit=2')
    expect(server.seen[0].headers['x-signature']).toBeUndefined()
  })

  it('reads every page of a list', async () => {
    server.answer((seen) => {
      const offset = Number(new URL(seen.url, server.url).searchParams.get('offset'))
      const items = offset === 0 ? Array.from({ length: 500 }, (_, i) => i) : [500, 501]
      return { body: items, headers: { 'X-Total-Count': '502' } }
    })
    expect((await http.all('/api/v1/admin/stations')).length).toBe(502)
    expect(server.seen.map((s) => new URL(s.url, server.url).searchParams.get('offset'))).toEqual(['0', '500'])
  })
})

describe('failures in plain words', () => {
  const cases: [number, Record<string, unknown>, string][] = [
    [409, { code: 'charge_point_offline', message: 'CP-1 is not connected' }, 'errors.offline'],
    [502, { code: 'NotSupported', message: 'the charge point answered CALLERROR', ocpp_code: 'NotSupported' }, 'errors.rejected'],
    [504, { code: 'timeout', message: 'no answer within 30 s' }, 'errors.timeout'],
    [400, { code: 'invalid_payload', message: 'Reset: bad type', ocpp_code: 'PropertyConstraintViolation' }, 'errors.invalidPayload'],
    [400, { code: 'unknown_action', message: 'no such action' }, 'errors.unknownAction'],
    [400, { code: 'validation_error', message: 'must be in the future', field: 'effective_from' }, 'errors.validationField'],
    [403, { code: 'forbidden', message: 'this endpoint needs the admin role' }, 'errors.forbidden'],
    [404, { code: 'not_found', message: "charge point 'X' not found" }, 'errors.notFound'],
    [409, { code: 'conflict', message: 'exists' }, 'errors.conflict'],
    [409, { code: 'transaction_not_active', message: 'stopped' }, 'errors.state'],
    [429, { code: 'rate_limited', message: 'slow down' }, 'errors.rateLimited'],
    [401, { code: 'replayed_request', message: 'nonce used' }, 'errors.signature'],
    [503, { code: 'console_not_built', message: 'run make console' }, 'errors.unavailable'],
  ]

  it.each(cases)('%i %o -> %s', async (status, error, key) => {
    server.answer(() => ({ status, body: { error } }))
    const err = await http.post('/api/v1/admin/charge-points/CP-1/commands/reset', {}).catch((e: ApiError) => e) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect([err.status, err.code, err.message]).toEqual([status, error.code, error.message])
    expect(explain(err).key).toBe(key)
    if (error.ocpp_code) expect(explain(err).params.code).toBe(error.ocpp_code)
    expect(session.token).not.toBeNull()          // only a bad token ends the session
  })

  it('names the field of a validation error', async () => {
    server.answer(() => ({ status: 400, body: { error: { code: 'validation_error', message: 'x', field: 'segments[1].start' } } }))
    const err = await http.put('/api/v1/admin/stations/1/tariff', {}).catch((e: ApiError) => e) as ApiError
    expect(fieldOf(err)).toBe('segments[1].start')
  })

  it('a proxy page that is not JSON is still an ApiError', async () => {
    server.answer(() => ({ status: 502, headers: { 'Content-Type': 'text/html' }, body: undefined }))
    const err = await http.get('/api/v1/admin/stations').catch((e: ApiError) => e) as ApiError
    expect([err.status, err.code, explain(err).key]).toEqual([502, 'http_502', 'errors.rejected'])
  })

  it('an unreachable server is status 0, network_error', async () => {
    setBase('http://127.0.0.1:1')
    const err = await http.get('/api/v1/admin/stations').catch((e: ApiError) => e) as ApiError
    setBase(server.url)
    expect([err.status, err.code, explain(err).key]).toEqual([0, 'network_error', 'errors.network'])
  })

  it('an expired token ends the session with a notice for the login page', async () => {
    const ended: (string | null)[] = []
    const { onSignedOut } = await import('@/stores/session')
    const off = onSignedOut((notice) => ended.push(notice))
    server.answer(() => ({ status: 401, body: { error: { code: 'token_expired', message: 'the access token has expired' } } }))
    const err = await http.get('/api/v1/admin/charge-points').catch((e: ApiError) => e) as ApiError
    off()
    expect(explain(err).key).toBe('errors.expired')
    expect(session.token).toBeNull()
    expect(session.notice).toBe('session.expired')
    expect(ended).toEqual(['session.expired'])
    signOut()
  })

  it('wrong credentials at login do not count as an ended session', async () => {
    signOut()
    server.answer(() => ({ status: 401, body: { error: { code: 'invalid_credentials', message: 'wrong user name or password' } } }))
    const err = await http.publicPost('/api/v1/auth/login', { username: 'a', password: 'b' }).catch((e: ApiError) => e) as ApiError
    expect(explain(err).key).toBe('errors.credentials')
    expect(session.notice).toBeNull()
    expect(server.seen[0].headers.authorization).toBeUndefined()
  })
})
