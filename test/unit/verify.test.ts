// The elementwise checker of src/numerics/verify.ts (the demo's, the GPU tests' and the bench's)
// must reject what the contract rejects: an error one ULP over the bound, NaN for a number, the wrong
// infinity. It must accept flushed subnormals.
import { describe, expect, test } from 'vitest';
import { ELEMENTWISE, ELEMENTWISE_NAMES, resolveParams, type ElementwiseName, type Mode } from '../../src/activations/table.js';
import { f32FromOrdinal, f32Ordinal } from '../../src/numerics/accuracy.js';
import {
  SPECIAL_X, checkElementwise, checkElementwiseInSteps, verificationInputs,
} from '../../src/numerics/verify.js';

interface VerificationCase {
  readonly name: ElementwiseName;
  readonly mode: Mode;
  readonly params: Readonly<Record<string, number>>;
}

/** The checker in steps, as the demo runs it; each result is held to the one-shot checker's. */
async function checkCase(
  c: VerificationCase, x: Float32Array, dy: Float32Array | undefined, got: Float32Array,
  progress: (done: number) => void = () => {},
) {
  const r = await checkElementwiseInSteps(c.name, c.mode, c.params, x, dy, got, progress);
  expect(r).toEqual(checkElementwise(c.name, c.mode, c.params, x, dy, got));
  return r;
}

/** The correctly rounded f32 results of a case: what a perfect GPU returns. */
function perfect(c: VerificationCase, x: Float32Array, dy?: Float32Array): Float32Array {
  const act = ELEMENTWISE[c.name];
  return x.map((z, i) => {
    if (c.mode === 'forward') return act.forward(z, c.params);
    const d = act.derivative(z, c.params);
    return c.mode === 'derivative' ? d : dy![i]! * d;
  });
}

const stepUlps = (v: number, ulps: number) => f32FromOrdinal(f32Ordinal(v) + ulps);

describe('checkElementwise', () => {
  const x = verificationInputs(4096, 1, 30);

  test('accepts the correctly rounded results of every activation and mode', async () => {
    const dy = verificationInputs(4096, 2, 30);
    for (const name of ELEMENTWISE_NAMES) {
      for (const mode of ['forward', 'derivative', 'backward'] as const) {
        const c = { name, mode, params: resolveParams(name, {}) };
        const r = await checkCase(c, x, mode === 'backward' ? dy : undefined, perfect(c, x, dy));
        expect(r.failureCount, `${name} ${mode}: ${r.firstFailure?.accepted}`).toBe(0);
        expect(r.checked).toBe(x.length);
      }
    }
  });

  test('an exact activation one ULP off fails, and the failure names the input', async () => {
    const c: VerificationCase = { name: 'relu', mode: 'forward', params: {} };
    const z = new Float32Array([1.5, -2, 3]);
    const got = perfect(c, z);
    got[2] = stepUlps(got[2]!, 1); // relu must be exact
    const r = await checkCase(c, z, undefined, got);
    expect(r.failureCount).toBe(1);
    expect(r.failures).toEqual(["relu forward at [2] x=3: got 3.000000238418579, want [3, 3] (0 ULP around 3)"]);
    expect(r.firstFailure).toMatchObject({ x: 3, ulps: 1, bound: 0 });
    expect(r.worst?.ulps).toBe(1);
  });

  test('sigmoid: the bound passes, one ULP past it fails', async () => {
    const c: VerificationCase = { name: 'sigmoid', mode: 'forward', params: {} };
    const z = new Float32Array([-2.5]);
    const bound = 16 + 2 * 2.5; // ELEMENTWISE.sigmoid.ulpBound at z = -2.5
    expect(ELEMENTWISE.sigmoid.ulpBound(-2.5, {}, 'forward')).toBe(bound);
    const exact = Math.fround(ELEMENTWISE.sigmoid.forward(-2.5, {}));
    expect((await checkCase(c, z, undefined, new Float32Array([stepUlps(exact, bound)]))).failureCount).toBe(0);
    expect((await checkCase(c, z, undefined, new Float32Array([stepUlps(exact, -bound - 1)]))).failureCount).toBe(1);
  });

  test('NaN for a number, a number for NaN, and the wrong infinity all fail', async () => {
    const c: VerificationCase = { name: 'linear', mode: 'forward', params: { m: 1 } };
    const z = new Float32Array([2, NaN, Infinity]);
    for (const [i, wrong] of [[0, NaN], [1, 0], [2, -Infinity]] as const) {
      const got = perfect(c, z);
      got[i] = wrong;
      expect((await checkCase(c, z, undefined, got)).failureCount, `element ${i} = ${wrong}`).toBe(1);
    }
  });

  test('a subnormal input may be flushed to zero, but the result must match one of the two', async () => {
    // relu'(1e-45) is 1, relu'(0) is 0: both are right for a GPU that flushes subnormal inputs.
    const c: VerificationCase = { name: 'relu', mode: 'derivative', params: {} };
    const z = new Float32Array([1e-45]);
    expect((await checkCase(c, z, undefined, new Float32Array([1]))).failureCount).toBe(0);
    const flushed = await checkCase(c, z, undefined, new Float32Array([0]));
    expect(flushed.failureCount).toBe(0);
    expect(flushed.worst).toBeUndefined(); // 0 ULP from the flushed input's exact result
    expect((await checkCase(c, z, undefined, new Float32Array([0.5]))).failureCount).toBe(1);
  });

  test('backward checks dy·f′(z), with dy per element', async () => {
    const c: VerificationCase = { name: 'leakyRelu', mode: 'backward', params: { alpha: Math.fround(0.01) } };
    const z = new Float32Array([-1, 2]);
    const dy = new Float32Array([3, -4]);
    expect((await checkCase(c, z, dy, perfect(c, z, dy))).failureCount).toBe(0);
    expect((await checkCase(c, z, dy, new Float32Array([3 * Math.fround(0.01), 4]))).failureCount).toBe(1);
  });

  test('reports progress and rejects mismatched lengths', async () => {
    const c: VerificationCase = { name: 'tanh', mode: 'forward', params: {} };
    const big = verificationInputs(1 << 17, 3, 30);
    const seen: number[] = [];
    await checkCase(c, big, undefined, perfect(c, big), (done) => void seen.push(done));
    expect(seen.at(-1)).toBe(1);
    expect(seen.length).toBeGreaterThan(1);
    expect(() => checkElementwise(c.name, c.mode, c.params, big, undefined, new Float32Array(3))).toThrow(/got 3 results/);
    expect(() => checkElementwise(c.name, 'backward', c.params, big, undefined, perfect(c, big))).toThrow(/needs dy/);
  });
});

describe('verificationInputs', () => {
  test('is repeatable by seed, ends with the special values, and reaches every kind of f32', () => {
    const a = verificationInputs(1 << 16, 42, 30);
    expect(a).toEqual(verificationInputs(1 << 16, 42, 30));
    expect(a).not.toEqual(verificationInputs(1 << 16, 43, 30));
    expect(a.length).toBe((1 << 16) + SPECIAL_X.length);
    const tail = Array.from(a.subarray(1 << 16));
    expect(tail.map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(
      SPECIAL_X.map((v) => (Object.is(v, -0) ? '-0' : String(Math.fround(v)))),
    );
    const random = Array.from(a.subarray(0, 1 << 16));
    // Random bit patterns: NaNs, subnormals and huge values all appear; the uniform half stays in range.
    expect(random.some(Number.isNaN)).toBe(true);
    expect(random.some((v) => v !== 0 && Math.abs(v) < 2 ** -126)).toBe(true);
    expect(random.some((v) => Math.abs(v) > 1e30)).toBe(true);
    expect(random.slice(1 << 15).every((v) => Math.abs(v) <= 30)).toBe(true);
  });
});
