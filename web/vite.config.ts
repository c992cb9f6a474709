import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The API, the local CDN edge and the local dev tools live on the platform's origin
// (`make run`, port 8000); the dev server proxies them so the app stays same-origin.
const platform = process.env.CINEMA_API ?? 'http://127.0.0.1:8000'

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/api': platform, '/media': platform, '/dev': platform },
  },
  build: {
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
})
