// The table is the single source: the README's activation tables are generated from it (`npm run
// docs`), and every WGSL function it names exists in shaders/.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { README_SECTIONS } from '../../src/activations/docs.js';
import { ELEMENTWISE, ELEMENTWISE_NAMES } from '../../src/activations/table.js';
import { EXAMPLES, exampleSection, replaceSection } from '../../scripts/readme.mjs';
import { accuracySection, measuredMaxima, readAccuracy } from '../../bench/accuracy-report.mjs';

const shaders = new URL('../../shaders/', import.meta.url);
const wgsl = readdirSync(shaders).filter((f) => f.endsWith('.wgsl')).map((f) => readFileSync(new URL(f, shaders), 'utf8')).join('\n');

const accuracy = readAccuracy(fileURLToPath(new URL('../../bench/results/accuracy.json', import.meta.url)));

describe('README', () => {
  test.each(Object.keys(README_SECTIONS))('the %s table is the one the table generates (run `npm run docs`)', (name) => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(replaceSection(readme, name, README_SECTIONS[name]!((op) => measuredMaxima(accuracy, op))));
  });

  test('the accuracy section is the one generated from bench/results/accuracy.json (npm run accuracy)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(replaceSection(readme, 'accuracy', accuracySection(accuracy)));
  });

  test.each(EXAMPLES)('the %s example is docs/examples/%s.ts, verbatim (run `npm run docs`)', (name) => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(replaceSection(readme, `example:${name}`, exampleSection(fileURLToPath(new URL('../..', import.meta.url)), name)));
  });

  test('the accuracy results cover every elementwise activation, in every mode, within its bound', () => {
    expect(accuracy.ops.map((op: { name: string }) => op.name)).toEqual(ELEMENTWISE_NAMES);
    for (const op of accuracy.ops) {
      for (const mode of ['forward', 'derivative', 'backward']) {
        expect(op.ours[mode], `${op.name} ${mode}`).toMatchObject({ status: 'ok', failures: 0 });
      }
    }
  });
});

describe('WGSL functions named in the table', () => {
  test.each(ELEMENTWISE_NAMES)('%s: its forward, backward and from-output functions exist in shaders/', (name) => {
    const act = ELEMENTWISE[name];
    const names = [act.wgsl.forward, act.wgsl.backward, ...(act.fromOutput ? [act.fromOutput.wgsl] : [])];
    for (const fn of names) expect(wgsl, `fn ${fn}(`).toContain(`fn ${fn}(`);
  });
});
