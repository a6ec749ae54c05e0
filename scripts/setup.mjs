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

const { findChromium } = await import('./browser.mjs');
if (!(await findChromium())) {
  if (isRoot && hasApt) {
    console.error('[setup] no Chromium found: installing Debian\'s chromium');
    aptInstall('chromium');
  } else {
    console.error(
      '[setup] No Chromium found. Install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) ' +
        'or point CHROMIUM_PATH at a Chromium or Chrome binary, then run this command again.',
    );
    process.exit(1);
  }
  if (!(await findChromium())) {
    console.error('[setup] chromium was installed but /usr/bin/chromium is still missing');
    process.exit(1);
  }
}

const { findLavapipe } = await import('./stacks.mjs');
if (process.argv.includes('--stacks') && !findLavapipe()) {
  if (isRoot && hasApt) {
    console.error('[setup] no lavapipe found (the Deno stack\'s adapter): installing Debian\'s mesa-vulkan-drivers');
    aptInstall('mesa-vulkan-drivers');
  } else {
    console.error(
      '[setup] No lavapipe Vulkan driver found, which the GPU tests on Deno run on. Install it ' +
        '(Debian/Ubuntu: `sudo apt-get install -y mesa-vulkan-drivers`), then run this command again.',
    );
    process.exit(1);
  }
  if (!findLavapipe()) {
    console.error('[setup] mesa-vulkan-drivers was installed but /usr/share/vulkan/icd.d has no lvp_icd.*.json');
    process.exit(1);
  }
}
