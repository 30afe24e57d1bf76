// miniprogram-simulate defines the Component/Behavior globals; a fresh wx mock per test file.
require('miniprogram-simulate')
const { createWx } = require('./wx')

global.wx = createWx().wx
