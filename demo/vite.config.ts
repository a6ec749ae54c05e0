// The demo page: `npm run dev` serves it with hot reload, `npm start` (scripts/start.mjs) builds it and
// serves the build. It imports the library from ../src, so it needs no library build first.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig({
  root,
  // Relative asset paths: the built page also works from a subfolder or a static file host.
  base: './',
  build: {
    outDir: resolve(root, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
  },
  // 5173, or the next free port when it is taken.
  server: { port: 5173, strictPort: false },
  preview: { port: 5173, strictPort: false },
});
