// `npm run accuracy`: serves bench/accuracy.html with Vite, runs it in headless Chromium (the same
// launch as the GPU tests), prints a line per op, writes bench/results/accuracy.json and the README's
// accuracy section (bench/accuracy-report.mjs). `npm run accuracy` then runs `npm run docs`, whose
// contract table quotes these maxima.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { replaceSection } from '../scripts/readme.mjs';
import { accuracySection, readAccuracy } from './accuracy-report.mjs';
import { root, withBenchPage } from './page.mjs';

const outPath = join(root, 'bench', 'results', 'accuracy.json');
const log = (line) => process.stderr.write(`${line}\n`);

await withBenchPage({ html: 'bench/accuracy.html', entry: 'runAccuracy', progress: 'accuracyProgress', cache: 'accuracy', port: 5191, log }, async (page, browser, url) => {
  log(`accuracy: ${url} in Chromium ${browser.version()}`);
  const results = await page.evaluate(() => window.runAccuracy());
  writeFileSync(outPath, `${JSON.stringify(results, (_, v) => (v === Infinity ? 'Infinity' : v), 1)}\n`);
  log(`accuracy: wrote ${relative(process.cwd(), outPath)}`);
  const readmePath = join(root, 'README.md');
  const section = accuracySection(readAccuracy(outPath));
  writeFileSync(readmePath, replaceSection(readFileSync(readmePath, 'utf8'), 'accuracy', section));
  console.log(section);
});
