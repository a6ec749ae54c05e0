// The GPU suite of an elementwise activation: every mode on the special inputs (× the special dy)
// at every parameter set of its table entry, at sizes around the kernels' boundaries, on a dense
// sweep, with its exact special values, and on a 2D grid, all checked against the float64 reference
// and the contract. It takes the names to run: elementwise.test.ts runs the whole table, and a table
// extension (table-extension.test.ts) runs its own entry the same way.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ELEMENTWISE, resolveParams, type ElementwiseName, type Mode } from '../../src/activations/table.js';
import { elementsPerGroup } from '../../src/gpu/kernels.js';
import { createActivations, type Activations } from '../../src/index.js';
import { checkElementwise, chosenPairs, mixed, paramSets, uniform, verificationInputs } from '../../src/numerics/verify.js';

export const MODES: readonly Mode[] = ['forward', 'derivative', 'backward'];

export function elementwiseSuite(names: readonly string[]): void {
  let act: Activations;
  beforeAll(async () => {
    act = await createActivations();
  });
  afterAll(() => act?.destroy());

  async function run(name: ElementwiseName, mode: Mode, x: Float32Array, dy: Float32Array, params: object) {
    if (mode === 'backward') return act.backward(name, x, dy, params);
    return mode === 'forward' ? act.forward(name, x, params) : act.derivative(name, x, params);
  }

  function expectWithinContract(name: ElementwiseName, mode: Mode, params: object, x: Float32Array, dy: Float32Array, got: Float32Array) {
    expect(got.length).toBe(x.length);
    const r = checkElementwise(name, mode, params, x, dy, got);
    expect(r.failures, `${r.failureCount} of ${x.length} outside the contract`).toEqual([]);
    return r;
  }

  /** Max ULP error per op and mode on the dense sweep, printed at the end for the README. */
  const denseReport: string[] = [];
  afterAll(() => {
    if (denseReport.length) console.log(`max ULP on the dense sweep over [-100, 100]:\n${denseReport.join('\n')}`);
  });

  describe.each(names as ElementwiseName[])('%s', (name) => {
    test.each(MODES)('%s on the special inputs and the entry\'s own (× the special dy for backward), every parameter set', async (mode) => {
      const { x, dy } = chosenPairs(ELEMENTWISE[name].inputs);
      for (const params of paramSets(ELEMENTWISE[name])) {
        expectWithinContract(name, mode, params, x, dy, await run(name, mode, x, dy, params));
      }
    });

    test.each(MODES)('%s at sizes around vec4, workgroup and tail boundaries', async (mode) => {
      for (const n of [0, 1, 3, 4, 5, 63, 64, 65, 255, 256, 257, 1_000_003]) {
        const x = mixed(n, n + 1);
        const dy = uniform(n, -2, 2, n + 2);
        expectWithinContract(name, mode, {}, x, dy, await run(name, mode, x, dy, {}));
      }
    });

    test.each(MODES)('%s on a dense sweep of 2^20 + 1 points over [-100, 100]', async (mode) => {
      const n = 2 ** 20 + 1;
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = -100 + (200 * i) / (n - 1);
      const dy = uniform(n, -4, 4, 7);
      const r = expectWithinContract(name, mode, {}, x, dy, await run(name, mode, x, dy, {}));
      const w = r.worst;
      denseReport.push(`${name.padEnd(9)} ${mode.padEnd(10)} ${String(r.maxUlps).padStart(3)} ULP` +
        (w ? ` (x=${w.x}${w.dy === undefined ? '' : `, dy=${w.dy}`})` : ''));
    });

    test.each(MODES)('%s on 2^17 random inputs: half random bit patterns (every exponent, ±∞, NaN), half uniform in [-30, 30]', async (mode) => {
      const x = verificationInputs(2 ** 17, 11, 30);
      // dy the same way: huge, subnormal, infinite and NaN upstream gradients too.
      const dy = verificationInputs(2 ** 17, 12, 4);
      expectWithinContract(name, mode, {}, x, dy, await run(name, mode, x, dy, {}));
    });

    // The contract's special values are exact on every GPU: f and f' at ±∞ are the reference's,
    // rounded to f32, and NaN in x or dy gives NaN.
    test('special values', async () => {
      const entry = ELEMENTWISE[name];
      const p = resolveParams(name, {});
      const specials = new Float32Array([Infinity, -Infinity, NaN]);
      const f = await act.forward(name, specials);
      const d = await act.derivative(name, specials);
      expect(Array.from(f.subarray(0, 2))).toEqual([Infinity, -Infinity].map((z) => Math.fround(entry.forward(z, p))));
      expect(Array.from(d.subarray(0, 2))).toEqual([Infinity, -Infinity].map((z) => Math.fround(entry.derivative(z, p))));
      expect(Number.isNaN(f[2]!) && Number.isNaN(d[2]!)).toBe(true);
      const b = await act.backward(name, new Float32Array([1, NaN]), new Float32Array([NaN, 1]));
      expect(Number.isNaN(b[0]!) && Number.isNaN(b[1]!)).toBe(true);
    });

    test('a 2D grid (more groups than a dimension allows) is right in every element, in every mode', async () => {
      // The grid limit lowered to 64 sends a small tensor down the 2D path: 64 full groups plus 5
      // elements, so the last group is in the second row and the tail vec4 is partial.
      const small = await createActivations({ device: act.device, maxWorkgroupsPerDimension: 64 });
      const n = 64 * elementsPerGroup('vec4') + 5;
      const base = mixed(4096, 99);
      const dyBase = uniform(4096, -3, 3, 98);
      const tx = small.tensor(periodic(n, base));
      const tdy = small.tensor(periodic(n, dyBase));
      for (const mode of MODES) {
        const ty = mode === 'backward' ? small.backward(name, tx, tdy) : mode === 'forward' ? small.forward(name, tx) : small.derivative(name, tx);
        expectPeriodic(name, mode, base, dyBase, await ty.read());
        ty.destroy();
      }
      small.destroy();
    });
  });
}

/** Every one of n outputs checked: the first period against the reference, the rest bit for bit. */
export function expectPeriodic(name: ElementwiseName, mode: Mode, base: Float32Array, dyBase: Float32Array, got: Float32Array): void {
  const period = base.length;
  const r = checkElementwise(name, mode, {}, base, dyBase, got.subarray(0, period));
  expect(r.failures, `${r.failureCount} of ${period} outside the contract`).toEqual([]);
  const bits = new Uint32Array(got.buffer, got.byteOffset, got.length);
  let mismatches = 0;
  for (let i = period; i < got.length; i++) if (bits[i] !== bits[i % period]) mismatches++;
  expect(mismatches, `${name} ${mode}: elements differing from their verified period`).toBe(0);
}

export function periodic(n: number, base: Float32Array): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = base[i % base.length]!;
  return out;
}
