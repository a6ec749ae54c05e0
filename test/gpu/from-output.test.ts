// sigmoid and tanh backward from the saved output y = f(x) (from: 'output'), end to end: y is the
// GPU's own forward, and dy·f'(y) is held to the absolute contract against the exact dy·f'(x).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MIN_NORMAL_F32, SOFTMAX_CONTRACT } from '../../src/accuracy.js';
import { ELEMENTWISE } from '../../src/activations.js';
import { createActivations, reference, type Activations } from '../../src/index.js';
import { CHOSEN_DY, CHOSEN_X, uniform } from '../helpers/inputs.js';
import { checkBounds } from '../helpers/softmax.js';

let act: Activations;
beforeAll(async () => {
  act = await createActivations();
});
afterAll(() => act?.destroy());

// An infinite dy is left out: where y rounds to ±1, f'(y) is 0 and ∞·0 is NaN, while f'(x) > 0.
const FINITE_DY = CHOSEN_DY.filter((d) => Number.isNaN(d) || Number.isFinite(d));

describe.each(['sigmoid', 'tanh'] as const)('%s', (name) => {
  const { slope } = ELEMENTWISE[name].fromOutput!;

  test('chosen inputs × finite chosen dy, and a dense sweep over [-100, 100]', async () => {
    const sweep = uniform(2 ** 16, -100, 100, 5);
    const xs = [...CHOSEN_X.flatMap((x) => FINITE_DY.map(() => x)), ...sweep];
    const dys = [...CHOSEN_X.flatMap(() => FINITE_DY), ...uniform(sweep.length, -3, 3, 6)];
    const x = new Float32Array(xs);
    const dy = new Float32Array(dys);
    const y = await act.forward(name, x);
    const dx = await act.backward(name, y, dy, { from: 'output' });
    const exact = reference.backward(name, x, dy);
    const f = reference.forward(name, x);
    const r = checkBounds(`${name} backward from output`, dx, exact, (i) => SOFTMAX_CONTRACT.fromOutput(dy[i]!, Math.abs(y[i]! - f[i]!), slope));
    expect(r.failures, `${r.failureCount} outside the contract`).toEqual([]);
    // The bound in practice, in units of |dy|, with y from this library's forward. Below 2^-126
    // (a subnormal dy, or product) the GPU may flush, which the contract's 2^-126 term covers.
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      if (Number.isFinite(exact[i]!) && Math.abs(exact[i]!) >= MIN_NORMAL_F32 && Math.abs(dy[i]!) >= MIN_NORMAL_F32) {
        worst = Math.max(worst, Math.abs(dx[i]! - exact[i]!) / Math.abs(dy[i]!));
      }
    }
    console.log(`${name} backward from output: max |error| / |dy| = 2^${Math.log2(worst).toFixed(2)}`);
    expect(worst).toBeLessThanOrEqual(2 ** -21);
  });

  test('in place over y, as a GpuTensor', async () => {
    const x = uniform(1000, -10, 10, 7);
    const dy = uniform(1000, -1, 1, 8);
    const tx = act.tensor(x);
    const ty = act.forward(name, tx);
    const tdy = act.tensor(dy);
    expect(act.backward(name, ty, tdy, { from: 'output', out: ty })).toBe(ty);
    const y = await act.forward(name, x);
    const want = reference.backward(name, y, dy, { from: 'output' });
    const got = await ty.read();
    // Against the formula at the same y: a few roundings of a value at most |dy|.
    expect(checkBounds('in place', got, want, (i) => 2 ** -22 * Math.abs(dy[i]!)).failures).toEqual([]);
    for (const t of [tx, ty, tdy]) t.destroy();
  });

  test('from is a backward option, input or output', async () => {
    const x = new Float32Array(4);
    await expect(act.forward(name, x, { from: 'output' })).rejects.toThrow(`${name}: from is an option of backward, not of forward`);
    await expect(act.backward(name, x, x, { from: 'z' as 'output' })).rejects.toThrow(RangeError);
  });
});

test('activations without a from-output form reject it', async () => {
  const x = new Float32Array(4);
  await expect(act.backward('relu', x, x, { from: 'output' })).rejects.toThrow('relu: unknown parameter "from"; relu takes no parameters');
});
