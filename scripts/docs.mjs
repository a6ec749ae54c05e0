// `npm run docs`: rewrites the README's tables that come from the activation table
// (src/activations/docs.ts), with the measured maxima of bench/results/accuracy.json (`npm run
// accuracy`), between their markers. test/unit/readme.test.ts fails when they are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { accuracySection, measuredMaxima, readAccuracy } from '../bench/accuracy-report.mjs';
import { EXAMPLES, exampleSection, replaceSection } from './readme.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Vite loads the TypeScript (and the WGSL it imports) as the library's build would.
const server = await createServer({
  configFile: false, root, logLevel: 'error', server: { middlewareMode: true, hmr: false, watch: null },
  optimizeDeps: { noDiscovery: true }, cacheDir: join(root, '.vite', 'docs'),
});
try {
  const { README_SECTIONS } = await server.ssrLoadModule('/src/activations/docs.ts');
  const path = join(root, 'README.md');
  const results = readAccuracy(join(root, 'bench', 'results', 'accuracy.json'));
  let text = readFileSync(path, 'utf8');
  for (const [name, section] of Object.entries(README_SECTIONS)) text = replaceSection(text, name, section((op) => measuredMaxima(results, op)));
  // The side-by-side table of `npm run accuracy`, from the same results.
  text = replaceSection(text, 'accuracy', accuracySection(results));
  for (const name of EXAMPLES) text = replaceSection(text, `example:${name}`, exampleSection(root, name));
  writeFileSync(path, text);
  console.log(`README.md: rewrote ${Object.keys(README_SECTIONS).join(', ')}, accuracy, ${EXAMPLES.map((e) => `example:${e}`).join(', ')}`);
} finally {
  await server.close();
}
