import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The browser app. Root is client/ (so `vite build --config client/vite.config.ts` works from the repo
// root); it imports ../shared, so the dev server must be allowed to read the repo root too.
const clientRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const backend = process.env.WARDROOM_BACKEND ?? 'http://localhost:3000';

export default defineConfig({
  root: clientRoot,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    fs: { allow: [repoRoot] },
    proxy: {
      '/api': backend,
      '/healthz': backend,
      '/socket.io': { target: backend, ws: true },
    },
  },
});
