/**
 * Copies the appid and project name from config.js into project.config.json (WeChat DevTools
 * reads the appid there). `node scripts/configure.js --check` only verifies they agree.
 */
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '..')
const config = require(path.join(root, 'config.js'))
const file = path.join(root, 'project.config.json')
const project = JSON.parse(fs.readFileSync(file, 'utf8'))

const wanted = { appid: config.appid, projectname: config.projectName }
const drift = Object.keys(wanted).filter((k) => project[k] !== wanted[k])

if (process.argv.includes('--check')) {
  if (drift.length) {
    console.error(`project.config.json differs from config.js in: ${drift.join(', ')} (run npm run configure)`)
    process.exit(1)
  }
  process.exit(0)
}
Object.assign(project, wanted)
fs.writeFileSync(file, JSON.stringify(project, null, 2) + '\n')
console.log(`project.config.json: appid ${project.appid}`)
