// `npm run accuracy`: serves bench/accuracy.html with Vite, runs it in headless Chromium (the same
// launch as the GPU tests), prints a line per op, writes bench/results/accuracy.json and the README's
// accuracy section (bench/accuracy-report.mjs). `npm run accuracy` then runs `npm run docs`, whose
// contract table quotes these maxima.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { chromiumArgs, requireChromium } from '../scripts/browser.mjs';
import { replaceSection } from '../scripts/readme.mjs';
import { accuracySection, readAccuracy } from './accuracy-report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outPath = join(root, 'bench', 'results', 'accuracy.json');
const log = (line) => process.stderr.write(`${line}\n`);

const server = await createServer({
  configFile: false,
  root,
  logLevel: 'warn',
  cacheDir: join(root, '.vite', 'accuracy'),
  server: { host: '127.0.0.1', port: 5191, strictPort: false, hmr: false, watch: null, fs: { allow: [root, realpathSync(join(root, 'node_modules'))] } },
  optimizeDeps: { entries: ['bench/accuracy.html'], exclude: ['onnxruntime-web'] },
});
let browser;
try {
  await server.listen();
  const url = `${server.resolvedUrls.local[0]}bench/accuracy.html`;
  browser = await chromium.launch({ executablePath: await requireChromium(), args: chromiumArgs });
  const page = await browser.newPage();
  await page.exposeFunction('accuracyProgress', (line) => log(line));
  page.on('pageerror', (e) => log(`[page error] ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') log(`[page error] ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => typeof window.runAccuracy === 'function', undefined, { timeout: 120_000 });
  log(`accuracy: ${url} in Chromium ${browser.version()}`);
  const results = await page.evaluate(() => window.runAccuracy());
  writeFileSync(outPath, `${JSON.stringify(results, (_, v) => (v === Infinity ? 'Infinity' : v), 1)}\n`);
  log(`accuracy: wrote ${relative(process.cwd(), outPath)}`);
  const readmePath = join(root, 'README.md');
  const section = accuracySection(readAccuracy(outPath));
  writeFileSync(readmePath, replaceSection(readFileSync(readmePath, 'utf8'), 'accuracy', section));
  console.log(section);
} finally {
  await browser?.close();
  await server.close();
}
