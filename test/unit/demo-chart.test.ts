import { expect, test } from 'vitest';
import { niceAxis } from '../../demo/chart.js';

test('niceAxis puts ticks at 1, 2 or 5 × 10^k and covers the range', () => {
  const z = niceAxis(-6, 6, 6, 'z');
  expect(z.ticks.map((t) => t.value)).toEqual([-6, -4, -2, 0, 2, 4, 6]);
  expect(z.ticks[0]!.label).toBe('\u22126'); // a real minus sign

  const sigmoid = niceAxis(0, 0.99752737, 6, 'f');
  expect([sigmoid.min, sigmoid.max]).toEqual([0, 1]);
  expect(sigmoid.ticks.map((t) => t.label)).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1.0']);

  const elu = niceAxis(-0.9975, 6, 6, 'f');
  expect(elu.min).toBeLessThanOrEqual(-0.9975);
  expect(elu.max).toBeGreaterThanOrEqual(6);
});

test('niceAxis gives a constant room above and below, and refuses a non-finite range', () => {
  const constant = niceAxis(1, 1, 6, 'f′');
  expect(constant.min).toBeLessThan(1);
  expect(constant.max).toBeGreaterThan(1);
  expect(() => niceAxis(0, Infinity, 6, 'f')).toThrow(/must be finite/);
});
