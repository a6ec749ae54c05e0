import { expect, test } from 'vitest';
import { createActivations } from '../../src/index.js';

test('smoke', async () => {
  const act = await createActivations();
  const x = new Float32Array([-2, -1, 0, 1, 2, NaN, Infinity, -Infinity, 100, -100, 1e-4, -1e-4, 44]);
  for (const n of ['relu', 'sigmoid', 'tanh', 'elu', 'leakyRelu', 'linear'] as const) {
    console.log(n, Array.from(await act.forward(n, x)).join(' '), '|', Array.from(await act.derivative(n, x)).join(' '));
  }
  expect(1).toBe(1);
  act.destroy();
});
