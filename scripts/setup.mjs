// First step of `npm test`, `npm start` and `npm run bench`: make a fresh clone runnable.
// - node_modules missing → `npm ci`.
// - No Chromium → as root, install Debian's `chromium`; otherwise stop and say what to install.
// - With --stacks (`npm test`, `npm run bench`), no lavapipe (the Deno stack's adapter) → as root,
//   install Debian's `mesa-vulkan-drivers`; otherwise stop and say what to install.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  console.error('[setup] node_modules is missing: running npm ci');
  run('npm ci --no-audit --no-fund');
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
let aptUpdated = false;
const aptInstall = (pkg) => {
  if (!aptUpdated) run('apt-get update -qq');
  aptUpdated = true;
  run(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`);
};

/**
 * When `present()` is false: as root with apt, install Debian's `pkg` (saying `why`), else stop with
 * `missing`, the instructions to install it by hand. Stops if it is still missing after the install.
 */
async function requirePackage({ present, pkg, why, missing, stillMissing }) {
  if (await present()) return;
  if (isRoot && hasApt) {
    console.error(`[setup] ${why}: installing Debian's ${pkg}`);
    aptInstall(pkg);
  } else {
    console.error(`[setup] ${missing}`);
    process.exit(1);
  }
  if (!(await present())) {
    console.error(`[setup] ${pkg} was installed but ${stillMissing}`);
    process.exit(1);
  }
}

const { findChromium } = await import('./browser.mjs');
await requirePackage({
  present: findChromium,
  pkg: 'chromium',
  why: 'no Chromium found',
  missing: 'No Chromium found. Install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) ' +
    'or point CHROMIUM_PATH at a Chromium or Chrome binary, then run this command again.',
  stillMissing: '/usr/bin/chromium is still missing',
});

if (process.argv.includes('--stacks')) {
  const { findLavapipe } = await import('./stacks.mjs');
  await requirePackage({
    present: findLavapipe,
    pkg: 'mesa-vulkan-drivers',
    why: 'no lavapipe found (the Deno stack\'s adapter)',
    missing: 'No lavapipe Vulkan driver found, which the GPU tests on Deno run on. Install it ' +
      '(Debian/Ubuntu: `sudo apt-get install -y mesa-vulkan-drivers`), then run this command again.',
    stillMissing: '/usr/share/vulkan/icd.d has no lvp_icd.*.json',
  });
}
