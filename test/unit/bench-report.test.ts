// The benchmark report: the overhead verdicts against issue 16's targets, and the README section
// generated from the committed full run (so the README cannot drift from bench/results.json).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { toleranceRatio } from '../../bench/check.js';
import { overheadVerdicts, readmeSections } from '../../bench/report.mjs';
import { replaceSection } from '../../scripts/readme.mjs';

const row = (label: string, cpuUs: number, wallUs: number, n = 256) => ({ n, label, cpuUs, wallUs });

describe('overhead verdicts', () => {
  test('met: CPU within 5 µs, wall within 1.2× the user loop, faster than tfjs', () => {
    const verdicts = overheadVerdicts({ rows: [row('ours', 2.5, 30), row('user dispatch', 8, 60), row('tfjs', 18, 31)] });
    expect(verdicts).toEqual([
      'n = 256: CPU 2.5 µs per call (target ≤ 5): met',
      'n = 256: wall 0.50× the user\'s one-dispatch-per-encoder loop (target ≤ 1.2): met',
      'n = 256: wall 1.03× faster than tfjs tf.relu (target > 1): met',
    ]);
  });

  test('missed: each target on its own, at its boundary', () => {
    const verdicts = overheadVerdicts({ rows: [row('ours', 5.01, 72.1), row('user dispatch', 8, 60), row('tfjs', 18, 72.1)] });
    expect(verdicts.map((v) => v.split(': ').pop())).toEqual(['missed', 'missed', 'missed']);
  });

  test('rows of other sizes do not count', () => {
    expect(overheadVerdicts({ rows: [row('ours', 1, 1, 4096)] })).toEqual([]);
  });
});

describe('README sections', () => {
  test('replaceSection rewrites between the markers, and refuses text without them', () => {
    expect(replaceSection('a\n<!-- x:start -->\nold\n<!-- x:end -->\nb', 'x', 'new')).toBe('a\n<!-- x:start -->\nnew\n<!-- x:end -->\nb');
    expect(() => replaceSection('no markers', 'x', 'new')).toThrow('no <!-- x:start --> … <!-- x:end --> markers');
  });

  test.each(['bench', 'overhead'] as const)('the %s section is the one generated from bench/results.json (node bench/report.mjs --readme)', (name) => {
    const results = JSON.parse(readFileSync(new URL('../../bench/results.json', import.meta.url), 'utf8'));
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readmeSections(results)[name];
    expect(section, `bench/results.json has no ${name} figures`).toBeDefined();
    expect(readme).toBe(replaceSection(readme, name, section!));
  });
});

describe('the spot check', () => {
  test('f16: a long row\'s probabilities, stored as f16 subnormals, pass; a dropped or doubled result fails', () => {
    // 1/262144 lies among the f16 subnormals, whose spacing is 2^-24: the stored value is 64·2^-24.
    const want = Float64Array.from({ length: 8 }, (_, i) => (1 + i / 100) / 262144);
    const stored = Array.from(want, (w) => Math.round(w * 2 ** 24) * 2 ** -24);
    expect(toleranceRatio(stored, want, 'f16')).toBeLessThan(1);
    expect(toleranceRatio(stored, want, 'f32')).toBeGreaterThan(1);
    expect(toleranceRatio(stored.map((v) => 2 * v), want, 'f16')).toBeGreaterThan(1);
    expect(toleranceRatio(stored.map(() => 0), want, 'f16')).toBeGreaterThan(1);
    expect(toleranceRatio([NaN, ...stored.slice(1)], want, 'f16')).toBe(Infinity);
  });
});
