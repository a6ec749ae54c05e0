// End-to-end tests of the demo page (`npm run test:e2e`): headless Chromium with WebGPU, launched the
// same way as the GPU unit tests (scripts/browser.mjs), against the built page served by
// scripts/start.mjs on a free port.
import { defineConfig } from '@playwright/test';
import { createServer } from 'node:net';
import { chromiumArgs, requireChromium } from './scripts/browser.mjs';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('freePort: no port'))));
    });
  });
}

// Playwright evaluates this file in the runner and again in each worker. The runner picks the port;
// the workers inherit it through the environment, so every process agrees on one server.
process.env.DEMO_PORT ??= String(await freePort());
const port = Number(process.env.DEMO_PORT);
const origin = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  // The machines running this have few cores and a software GPU: one page at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: origin,
    browserName: 'chromium',
    launchOptions: { executablePath: await requireChromium(), args: chromiumArgs },
    viewport: { width: 1280, height: 900 },
    // Twice as many device pixels as CSS pixels, as on a high-DPI screen: the plots must use them.
    deviceScaleFactor: 2,
  },
  webServer: {
    command: `node scripts/start.mjs --port ${port} --strict-port --host 127.0.0.1`,
    url: `${origin}/`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
