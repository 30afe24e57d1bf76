/** jest + miniprogram-simulate (jsdom). The e2e test runs only with CSMS_E2E_URL set. */
module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/test'],
  setupFiles: ['<rootDir>/test/helpers/setup.js'],
  testTimeout: 15000,
}
