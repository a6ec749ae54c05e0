// One place that says which Chromium runs the GPU tests, the end-to-end tests, the benchmark and
// `npm start`, and with which flags. Every launcher imports this file so they cannot drift apart.
import { existsSync } from 'node:fs';

/** Chromium flags for headless WebGPU. Linux Chromium hides WebGPU behind --enable-unsafe-webgpu. */
export const chromiumArgs = [
  '--enable-unsafe-webgpu',
  '--no-sandbox', // CI and this machine run as root, where Chromium refuses to start sandboxed
  '--headless=new',
  // The build machines have no network: without these Chromium keeps dialling out and logging failures.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * The Chromium to launch: $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else Playwright's own
 * browser if one was installed. Returns undefined when there is none.
 */
export async function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    const { chromium } = await import('playwright');
    const own = chromium.executablePath();
    if (own && existsSync(own)) return own;
  } catch {
    // playwright not installed yet: setup.mjs installs it before anything launches a browser
  }
  return undefined;
}

/** Like findChromium, but throws with what to install when there is none. */
export async function requireChromium() {
  const path = await findChromium();
  if (!path) {
    throw new Error(
      'No Chromium found. Install one (Debian: `apt-get install -y chromium`), or set CHROMIUM_PATH ' +
        'to a Chromium or Chrome binary. `npm test` and `npm start` install it themselves when run as root.',
    );
  }
  return path;
}
