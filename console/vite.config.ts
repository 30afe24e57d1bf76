/// <reference types="vitest/config" />
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import vue from '@vitejs/plugin-vue'
import { defineConfig, type Plugin } from 'vite'

// `npm run dev` serves the console on :5173 and forwards /api (REST and the live feed's WebSocket)
// to a running CSMS: CSMS_API_URL, default the `csms serve` / `make run` address.
const api = process.env.CSMS_API_URL ?? 'http://127.0.0.1:8080'

// Pre-compressed copies next to the bundled files: aiohttp's FileResponse sends `x.js.gz` to a
// browser that accepts gzip, so the API serves ~300 kB instead of ~1 MB without compressing per request.
function gzipAssets(): Plugin {
  let outDir = 'dist'
  return {
    name: 'csms-gzip-assets',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir
    },
    closeBundle() {
      const dir = join(outDir, 'assets')
      for (const name of readdirSync(dir)) {
        const file = join(dir, name)
        if (/\.(js|css|svg|json)$/.test(name) && statSync(file).size > 1024) {
          writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }))
        }
      }
    },
  }
}

export default defineConfig({
  base: '/console/',
  plugins: [vue(), gzipAssets()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: {
    proxy: { '/api': { target: api, changeOrigin: true, ws: true } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.spec.ts'],
  },
})
