/**
 * The one configuration file of the mini-program: the appid (copied into project.config.json by
 * `npm run configure`) and the server URLs. See docs/miniprogram.md.
 */
module.exports = {
  appid: 'wx0000000000000000',
  projectName: 'csms-driver',
  // HTTPS origin of the CSMS REST API (must be in the mini-program's "request" domain whitelist).
  apiBaseUrl: 'https://csms.example.com',
  // WSS origin of the live push (must be in the "socket" domain whitelist).
  wsBaseUrl: 'wss://csms.example.com',
  // Tencent Map key (personalised map style, `subkey` of <map>); empty uses the default style.
  tencentMapKey: '',
  // Map centre when the user refuses location (GCJ-02): Shenzhen Civic Center.
  defaultCenter: { latitude: 22.543096, longitude: 114.057865 },
  searchRadiusM: 10000,
  topupAmountsFen: [2000, 5000, 10000, 20000, 50000],
  prepayAmountsFen: [3000, 5000, 10000, 20000],
  requestTimeoutMs: 15000,
  livePollMs: 3000,
  liveMaxBackoffMs: 30000,
  version: '0.1.0',
}
