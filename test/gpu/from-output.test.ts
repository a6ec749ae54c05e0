// Elementwise backward from the saved output y = f(x) (from: 'output'), end to end: y is the GPU's
// own forward, and dy·f'(y) is held to the absolute contract against the exact dy·f'(x).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MIN_NORMAL_F32, SOFTMAX_CONTRACT } from '../../src/numerics/accuracy.js';
import { ELEMENTWISE, ELEMENTWISE_NAMES, resolveParams } from '../../src/activations/table.js';
import { createActivations, reference, type Activations } from '../../src/index.js';
import { SPECIAL_DY, SPECIAL_X, checkBounds, paramSets, uniform } from '../../src/numerics/verify.js';

let act: Activations;
beforeAll(async () => {
  act = await createActivations();
});
afterAll(() => act?.destroy());

// An infinite dy is left out: where y rounds to ±1, f'(y) is 0 and ∞·0 is NaN, while f'(x) > 0.
const FINITE_DY = SPECIAL_DY.filter((d) => Number.isNaN(d) || Number.isFinite(d));

// Each activation of the table with a from-output form, at every parameter set the tests use where
// the form holds (leakyRelu needs α > 0): a large α scales the rounding of y + α (elu) and of α·dy.
const CASES = ELEMENTWISE_NAMES.flatMap((name) => {
  const { fromOutput } = ELEMENTWISE[name];
  if (!fromOutput) return [];
  return paramSets(ELEMENTWISE[name])
    .filter((params) => fromOutput.requires?.accepts(resolveParams(name, params)) ?? true)
    .map((params) => [name, params] as const);
});

describe.each(CASES)('%s %o', (name, params) => {
  const { slope: slopeOf, largest } = ELEMENTWISE[name].fromOutput!;
  const scale = largest?.(resolveParams(name, params)) ?? 1;
  const slope = typeof slopeOf === 'number' ? slopeOf : slopeOf(resolveParams(name, params));

  test('chosen inputs × finite chosen dy, and a dense sweep over [-100, 100]', async () => {
    const sweep = uniform(2 ** 16, -100, 100, 5);
    const xs = [...SPECIAL_X.flatMap((x) => FINITE_DY.map(() => x)), ...sweep];
    const dys = [...SPECIAL_X.flatMap(() => FINITE_DY), ...uniform(sweep.length, -3, 3, 6)];
    const x = new Float32Array(xs);
    const dy = new Float32Array(dys);
    const y = await act.forward(name, x, params);
    const dx = await act.backward(name, y, dy, { ...params, from: 'output' });
    // A subnormal x may be read as ±0 by the GPU (and a subnormal y compared as 0), which moves a
    // jump of f' (relu, leakyRelu, elu at 0), and a subnormal dy as ±0 (which a huge α would scale
    // past the bound): the exact value is taken at whichever reading is closest.
    const flush = (v: Float32Array) => v.map((e) => (e !== 0 && Math.abs(e) < MIN_NORMAL_F32 ? 0 * Math.sign(e) : e));
    const readings = [[x, dy], [flush(x), dy], [x, flush(dy)], [flush(x), flush(dy)]] as const;
    const candidates = readings.map(([z, g]) => reference.backward(name, z, g, params));
    const distance = (got: number, e: number) => (Object.is(Math.fround(e), got) || got === Math.fround(e) ? 0 : Math.abs(got - e));
    const exact = candidates[0]!.map((_, i) => candidates.map((c) => c[i]!).reduce((a, b) => (distance(dx[i]!, b) < distance(dx[i]!, a) ? b : a)));
    const f = reference.forward(name, x, params);
    const yError = (i: number) => (y[i] === Math.fround(f[i]!) ? 0 : Math.abs(y[i]! - f[i]!)); // 0 where f rounds to y, ±∞ too
    const r = checkBounds(`${name} backward from output`, dx, exact, (i) => SOFTMAX_CONTRACT.fromOutput(dy[i]!, yError(i), slope, scale));
    expect(r.failures, `${r.failureCount} outside the contract`).toEqual([]);
    // The bound in practice, in units of |dy|·largest |f'|, with y from this library's forward. Below
    // 2^-126 (a subnormal dy, or product) the GPU may flush, which the contract's 2^-126 term covers.
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      if (Number.isFinite(Math.fround(exact[i]!)) && Math.abs(exact[i]!) >= MIN_NORMAL_F32 && Math.abs(dy[i]!) >= MIN_NORMAL_F32) {
        worst = Math.max(worst, Math.abs(dx[i]! - exact[i]!) / (Math.abs(dy[i]!) * scale));
      }
    }
    console.log(`${name} ${JSON.stringify(params)} backward from output: max |error| / (|dy|·max|f'|) = 2^${Math.log2(worst).toFixed(2)}`);
    expect(worst).toBeLessThanOrEqual(2 ** -21);
  });

  test('in place over y, as a GpuTensor', async () => {
    const x = uniform(1000, -10, 10, 7);
    const dy = uniform(1000, -1, 1, 8);
    const tx = act.tensor(x);
    const ty = act.forward(name, tx, params);
    const tdy = act.tensor(dy);
    expect(act.backward(name, ty, tdy, { ...params, from: 'output', out: ty })).toBe(ty);
    const y = await act.forward(name, x, params);
    const want = reference.backward(name, y, dy, { ...params, from: 'output' });
    const got = await ty.read();
    // Against the formula at the same y: a few roundings of a value at most |dy|·max|f'|.
    expect(checkBounds('in place', got, want, (i) => 2 ** -22 * scale * Math.abs(dy[i]!)).failures).toEqual([]);
    for (const t of [tx, ty, tdy]) t.destroy();
  });

  test('from is a backward option, input or output', async () => {
    const x = new Float32Array(4);
    await expect(act.forward(name, x, { ...params, from: 'output' })).rejects.toThrow(`${name}: from is an option of backward, not of forward`);
    await expect(act.backward(name, x, x, { from: 'z' as 'output' })).rejects.toThrow(RangeError);
  });
});

test('activations without a from-output form reject it, and say which have one', async () => {
  const x = new Float32Array(4);
  await expect(act.backward('linear', x, x, { from: 'output' })).rejects.toThrow(
    'linear: backward\'s option "from" is for elu, relu, leakyRelu, sigmoid, tanh, softplus, selu, celu, logSigmoid, softmax, logSoftmax only; linear takes the parameter "m"',
  );
});

test('leakyRelu from the output needs α > 0: for α <= 0, y > 0 no longer means z > 0', async () => {
  const x = new Float32Array(4);
  for (const alpha of [0, -0.5]) {
    await expect(act.backward('leakyRelu', x, x, { alpha, from: 'output' })).rejects.toThrow(
      "leakyRelu: from: 'output' needs alpha > 0, so that y > 0 exactly where z > 0",
    );
  }
});
