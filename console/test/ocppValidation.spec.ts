// Hand-written calls checked against the schemas the server serves (test/fixtures/: written from
// csms.ocpp.schemas.request_schema, i.e. GET /api/v1/admin/ocpp-schemas/{protocol}/{action}).
import { describe, expect, it } from 'vitest'
import { check, skeleton } from '@/lib/ocppValidation'
import remoteStart16 from './fixtures/v16-RemoteStartTransaction.json'
import change16 from './fixtures/v16-ChangeConfiguration.json'
import requestStart201 from './fixtures/v201-RequestStartTransaction.json'
import reset201 from './fixtures/v201-Reset.json'

describe('check', () => {
  it('accepts a valid payload and returns it parsed', () => {
    expect(check('{"idTag": "TAG1", "connectorId": 1}', remoteStart16)).toEqual({ payload: { idTag: 'TAG1', connectorId: 1 }, problems: [] })
  })

  it('reports invalid JSON before anything else', () => {
    const { problems } = check('{"idTag": ', remoteStart16)
    expect(problems).toHaveLength(1)
    expect(problems[0].message).toMatch(/not valid JSON/)
  })

  it('names every missing, unknown, mistyped and too long property with its path', () => {
    const { problems } = check(JSON.stringify({ connectorId: 'one', colour: 'red', chargingProfile: { chargingProfileId: 1 } }), remoteStart16)
    const paths = problems.map((p) => p.path)
    expect(paths).toContain('/idTag')                       // required
    expect(paths).toContain('/colour')                      // additionalProperties: false
    expect(paths).toContain('/connectorId')                 // integer expected
    expect(problems.find((p) => p.path === '/idTag')?.message).toBe('is required')
    expect(check('{"idTag": "' + 'X'.repeat(21) + '"}', remoteStart16).problems[0].path).toBe('/idTag')   // maxLength 20
  })

  it('lists the allowed values of an enum (2.0.1)', () => {
    const { problems } = check('{"type": "Gentle"}', reset201)
    expect(problems).toEqual([{ path: '/type', message: 'must be one of "Immediate", "OnIdle"' }])
  })

  it('follows $ref definitions of 2.0.1 schemas', () => {
    const { problems } = check(JSON.stringify({ remoteStartId: 1, idToken: { idToken: 'A', type: 'Bogus' } }), requestStart201)
    expect(problems.map((p) => p.path)).toEqual(['/idToken/type'])
    expect(check(JSON.stringify({ remoteStartId: 1, idToken: { idToken: 'A', type: 'ISO14443' } }), requestStart201).problems).toEqual([])
  })
})

describe('skeleton', () => {
  it('fills the required properties with placeholders that the operator edits', () => {
    expect(skeleton(change16)).toEqual({ key: '', value: '' })
    expect(skeleton(reset201)).toEqual({ type: 'Immediate' })
    const start = skeleton(requestStart201) as Record<string, unknown>
    expect(start).toEqual({ idToken: { idToken: '', type: 'Central' }, remoteStartId: 0 })
  })

  it('a filled-in skeleton validates', () => {
    const start = skeleton(requestStart201) as { idToken: { idToken: string }; remoteStartId: number }
    start.idToken.idToken = 'TAG'
    expect(check(JSON.stringify(start), requestStart201).problems).toEqual([])
  })
})
