const crypto = require('crypto')
const { signatureHeaders, makeNonce, canonical } = require('../../utils/signing')

test('signature = HMAC(sign_key, METHOD\\nPATH\\nTS\\nNONCE\\nsha256(body)), as the server computes it', () => {
  const body = JSON.stringify({ charge_point_id: 'CP-1', connector_id: 1, comment: '快' })
  const h = signatureHeaders({ method: 'post', pathWithQuery: '/api/v1/driver/sessions?x=1', body, signKey: 'key', timestamp: 1714500000, nonce: 'abcdefghijklmnop' })
  const bodyHash = crypto.createHash('sha256').update(Buffer.from(body, 'utf8')).digest('hex')
  const expected = crypto.createHmac('sha256', 'key')
    .update(`POST\n/api/v1/driver/sessions?x=1\n1714500000\nabcdefghijklmnop\n${bodyHash}`).digest('hex')
  expect(h).toEqual({ 'X-Timestamp': '1714500000', 'X-Nonce': 'abcdefghijklmnop', 'X-Signature': expected })
})

test('empty body hashes the empty string', () => {
  expect(canonical('POST', '/p', 1, 'n', '')).toBe(`POST\n/p\n1\nn\n${crypto.createHash('sha256').digest('hex')}`)
})

test('nonces are 32 characters of the allowed alphabet and never repeat', () => {
  const seen = new Set()
  for (let i = 0; i < 2000; i++) {
    const n = makeNonce()
    expect(n).toMatch(/^[A-Za-z0-9_-]{16,64}$/)
    expect(n).toHaveLength(32)
    seen.add(n)
  }
  expect(seen.size).toBe(2000)
  expect(makeNonce(() => 0)).not.toBe(makeNonce(() => 0))
})
