// The demo's softmax checker (demo/softmax.ts) holds GPU results to SOFTMAX_CONTRACT.
import { describe, expect, test } from 'vitest';
import { SOFTMAX_CONTRACT } from '../../src/numerics/accuracy.js';
import { reference } from '../../src/numerics/reference.js';
import { checkSoftmaxCase, SOFTMAX_COLUMNS, softmaxInputs } from '../../demo/softmax.js';
import { SPECIAL_X } from '../../src/numerics/verify.js';

describe('checkSoftmaxCase', () => {
  const { x, shape } = softmaxInputs(4096, 5);
  const perfect = (name: 'softmax' | 'logSoftmax') => Float32Array.from(reference.forward(name, x, { shape }));

  test('accepts the correctly rounded results, special rows included', async () => {
    expect(shape).toEqual([4096 / SOFTMAX_COLUMNS + SPECIAL_X.length, SOFTMAX_COLUMNS]);
    for (const name of ['softmax', 'logSoftmax'] as const) {
      const r = await checkSoftmaxCase(name, x, shape, perfect(name));
      expect(r.failures, r.firstFailure?.accepted).toBe(0);
      expect(r.checked).toBe(x.length);
    }
  });

  test('an error just past the bound fails, and names its row and column', async () => {
    const got = perfect('softmax');
    const i = 3 * SOFTMAX_COLUMNS + 7;
    const exact = reference.forward('softmax', x, { shape })[i]!;
    got[i] = exact + 2 * SOFTMAX_CONTRACT.probability(exact);
    const r = await checkSoftmaxCase('softmax', x, shape, got);
    expect(r.failures).toBeGreaterThanOrEqual(1);
    expect(r.firstFailure).toMatchObject({ row: 3, column: 7 });
  });

  test('a row that does not sum to 1 fails softmax', async () => {
    const row = new Float32Array(SOFTMAX_COLUMNS).fill(1);
    const got = new Float32Array(SOFTMAX_COLUMNS).fill(1 / SOFTMAX_COLUMNS);
    expect((await checkSoftmaxCase('softmax', row, [1, SOFTMAX_COLUMNS], got)).failures).toBe(0);
    got[0] = 2 / SOFTMAX_COLUMNS; // also outside its own bound: two failures
    const r = await checkSoftmaxCase('softmax', row, [1, SOFTMAX_COLUMNS], got);
    expect(r.rowSum!.worst).toBeCloseTo(1 / SOFTMAX_COLUMNS);
    expect(r.failures).toBe(2);
  });

  test('rejects results that do not match the shape', async () => {
    await expect(checkSoftmaxCase('softmax', x, shape, new Float32Array(3))).rejects.toThrow(/for shape/);
  });
});
