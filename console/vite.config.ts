import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where `npm start` runs the system: the dev server forwards everything but the console's own files there. */
const LOCAL_SYSTEM = process.env.PCN_LOCAL_SYSTEM ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Cloudscape is large; each page is its own chunk (React.lazy in src/main.tsx) and the bench reports the
    // gzip size of what the first page needs, so the warning's fixed 500 kB adds nothing.
    chunkSizeWarningLimit: 2000,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    // The console is served by Vite with hot reload; the API, the dev routes, the partner's pages and the
    // runtime config come from the local system.
    proxy: Object.fromEntries(
      ['/api', '/dev', '/notices', '/openapi.json', '/config.json'].map((path) => [path, LOCAL_SYSTEM]),
    ),
  },
});
