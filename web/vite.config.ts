import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// `npm run dev` proxies the API to a running `salesgauge serve` / `salesgauge demo`.
const api = process.env.SALESGAUGE_API ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [vue()],
  server: { proxy: { '/api': api } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
})
