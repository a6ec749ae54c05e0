// One page of bench/ (the benchmark, the accuracy report) served by Vite and opened in headless
// Chromium with the GPU tests' launch, for the scripts that drive it from Node.
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { chromiumArgs, requireChromium } from '../scripts/browser.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Serves `html` (a path from the repository root), opens it, waits for `window[entry]` to exist and
 * runs `body(page, browser, url)`; closes the browser and the server whatever happens. The page's
 * `window[progress](line)` and its errors and warnings go to `log`.
 */
export async function withBenchPage({ html, entry, progress, cache, port, log }, body) {
  const server = await createServer({
    configFile: false,
    root,
    logLevel: 'warn',
    // Our own cache folder: other Vite and Vitest processes may be using node_modules/.vite.
    cacheDir: join(root, '.vite', cache),
    server: {
      host: '127.0.0.1',
      port,
      strictPort: false,
      // A run takes minutes: an edit to the sources meanwhile must not reload the page under it.
      hmr: false,
      watch: null,
      // node_modules may be a symlink to a shared install outside the repository.
      fs: { allow: [root, realpathSync(join(root, 'node_modules'))] },
    },
    optimizeDeps: {
      entries: [html],
      // ORT locates its .wasm and workers relative to its own module; pre-bundling would move it.
      exclude: ['onnxruntime-web'],
    },
  });
  let browser;
  try {
    await server.listen();
    const url = `${server.resolvedUrls.local[0]}${html}`;
    browser = await chromium.launch({ executablePath: await requireChromium(), args: chromiumArgs });
    const page = await browser.newPage();
    await page.exposeFunction(progress, (line) => log(line));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log(`[page ${m.type()}] ${m.text()}`);
    });
    page.on('pageerror', (e) => log(`[page error] ${e.message}`));
    await page.goto(url);
    await page.waitForFunction((name) => typeof window[name] === 'function', entry, { timeout: 120_000 });
    return await body(page, browser, url);
  } finally {
    await browser?.close();
    await server.close();
  }
}
