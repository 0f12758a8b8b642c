import { fileURLToPath } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` forwards API calls to a local backend so the app keeps using
// same-origin paths, exactly as it does behind Django or nginx.
const devBackend = process.env.BACKEND_URL ?? 'http://127.0.0.1:8000';
const apiPaths = ['/chat', '/health', '/admin', '/static'];

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(apiPaths.map((path) => [path, devBackend])),
  },
  preview: { host: '127.0.0.1' },
});
