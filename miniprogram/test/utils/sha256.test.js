const crypto = require('crypto')
const { sha256Hex, hmacSha256Hex, utf8 } = require('../../utils/sha256')

const nodeSha = (s) => crypto.createHash('sha256').update(Buffer.from(s)).digest('hex')
const nodeHmac = (k, s) => crypto.createHmac('sha256', Buffer.from(k)).update(Buffer.from(s)).digest('hex')

test('FIPS 180-4 vectors', () => {
  expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))
    .toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1')
})

test('RFC 4231 HMAC vectors', () => {
  const key = new Uint8Array(20).fill(0x0b)
  expect(hmacSha256Hex(key, 'Hi There')).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7')
  expect(hmacSha256Hex('Jefe', 'what do ya want for nothing?'))
    .toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
  const longKey = new Uint8Array(131).fill(0xaa)
  expect(hmacSha256Hex(longKey, 'Test Using Larger Than Block-Size Key - Hash Key First'))
    .toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54')
})

test('matches node crypto for every length around the block boundaries and for UTF-8', () => {
  for (let n = 0; n < 200; n++) {
    const s = 'a'.repeat(n)
    expect(sha256Hex(s)).toBe(nodeSha(s))
    expect(hmacSha256Hex('k'.repeat(n % 90), s)).toBe(nodeHmac('k'.repeat(n % 90), s))
  }
  const samples = ['充电站 ¥12.34', '{"comment":"很好 👍"}', 'é\u0000\uffff', '\ud83d\ude00\ud83d']
  samples.forEach((s) => {
    expect(Buffer.from(utf8(s)).equals(Buffer.from(s, 'utf8'))).toBe(true)
    expect(sha256Hex(s)).toBe(nodeSha(s))
    expect(hmacSha256Hex('密钥', s)).toBe(nodeHmac('密钥', s))
  })
})

test('random inputs agree with node crypto', () => {
  for (let i = 0; i < 50; i++) {
    const bytes = crypto.randomBytes(Math.floor(Math.random() * 300))
    const key = crypto.randomBytes(Math.floor(Math.random() * 100))
    expect(sha256Hex(new Uint8Array(bytes))).toBe(crypto.createHash('sha256').update(bytes).digest('hex'))
    expect(hmacSha256Hex(new Uint8Array(key), new Uint8Array(bytes))).toBe(crypto.createHmac('sha256', key).update(bytes).digest('hex'))
  }
})
