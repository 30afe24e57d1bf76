/**
 * Request signatures (docs/contract.md "Request signatures"):
 * X-Signature = hex HMAC-SHA256(sign_key, METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nhex(SHA-256(body))).
 */
const { sha256Hex, hmacSha256Hex } = require('./sha256')

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
let nonceCounter = 0

/** 32 characters of [A-Za-z0-9]: random part plus a per-process counter, so two calls never collide. */
function makeNonce(random = Math.random) {
  let s = ''
  for (let i = 0; i < 24; i++) s += NONCE_ALPHABET[Math.floor(random() * NONCE_ALPHABET.length)]
  nonceCounter = (nonceCounter + 1) % 0x1000000
  return s + ('00000000' + nonceCounter.toString(16)).slice(-8)
}

function canonical(method, pathWithQuery, timestamp, nonce, body) {
  return [method.toUpperCase(), pathWithQuery, String(timestamp), nonce, sha256Hex(body || '')].join('\n')
}

/**
 * Headers for a signed call. `body` is exactly the string sent on the wire ('' when none).
 * Returns {'X-Timestamp', 'X-Nonce', 'X-Signature'}.
 */
function signatureHeaders({ method, pathWithQuery, body, signKey, timestamp, nonce }) {
  const ts = String(timestamp)
  const n = nonce || makeNonce()
  return {
    'X-Timestamp': ts,
    'X-Nonce': n,
    'X-Signature': hmacSha256Hex(signKey, canonical(method, pathWithQuery, ts, n, body)),
  }
}

module.exports = { makeNonce, canonical, signatureHeaders }
