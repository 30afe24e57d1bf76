/**
 * Writes images/marker-{free,occupied,offline}.png: 48x60 map pins (RGBA), drawn pixel by pixel
 * so no image tool is needed. Run: node scripts/make-markers.js
 */
const fs = require('fs')
const path = require('path')
const zlib = require('zlib')

const COLOURS = { free: [11, 132, 87], occupied: [217, 119, 6], offline: [138, 143, 153] }
const W = 48
const H = 60

function crc32(buf) {
  let c
  let crc = 0xffffffff
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    crc = (crc >>> 8) ^ c
  }
  return (crc ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}

function pin([r, g, b]) {
  const raw = Buffer.alloc((W * 4 + 1) * H)
  const cx = W / 2
  const cy = 22
  const R = 20
  for (let y = 0; y < H; y++) {
    raw[y * (W * 4 + 1)] = 0
    for (let x = 0; x < W; x++) {
      const dx = x + 0.5 - cx
      const dy = y + 0.5 - cy
      const d = Math.sqrt(dx * dx + dy * dy)
      // circle head, triangle tail down to the tip at the bottom centre
      const inTail = y >= cy && y < H - 2 && Math.abs(dx) <= (R * (H - 2 - y)) / (H - 2 - cy) * 0.8
      const inside = d <= R || inTail
      const hole = d <= 8
      const o = y * (W * 4 + 1) + 1 + x * 4
      if (inside && !hole) {
        raw[o] = r; raw[o + 1] = g; raw[o + 2] = b; raw[o + 3] = 255
      } else if (hole) {
        raw[o] = 255; raw[o + 1] = 255; raw[o + 2] = 255; raw[o + 3] = 255
      }
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(W, 0)
  ihdr.writeUInt32BE(H, 4)
  ihdr[8] = 8
  ihdr[9] = 6
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

Object.keys(COLOURS).forEach((name) => {
  fs.writeFileSync(path.join(__dirname, '..', 'images', `marker-${name}.png`), pin(COLOURS[name]))
})
