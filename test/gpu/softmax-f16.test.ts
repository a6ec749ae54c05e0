// softmax and logSoftmax in f16, every mode, on the shapes of the f32 suite and on every way of
// spreading rows (ROW_PATHS): the row statistics stay f32, only loads widen and stores round (to 1 f16 ULP). Tensors are
// made with tensor(Float32Array, { dtype: 'f16' }) and read as bits, so every stack runs it, Node 20
// (no Float16Array) included.
import { afterAll, describe, expect, test } from 'vitest';
import type { SoftmaxName } from '../../src/activations/table.js';
import { createActivations, type Activations, type GpuTensor } from '../../src/index.js';
import { F16_VALUES, SOFTMAX_F16_CONTRACT } from '../../src/numerics/accuracy.js';
import { roundToF16Bits } from '../../src/numerics/f16.js';
import { checkSoftmaxF16, normal, worstRowSum, type BoundCheck, type SoftmaxParams } from '../../src/numerics/verify.js';
import { readBuffer } from '../helpers/gpu.js';
import { ROW_PATHS, SHAPES } from './softmax-cases.js';

const NAMES: SoftmaxName[] = ['softmax', 'logSoftmax'];
/** f16 Jacobians are checked up to this many entries (the f32 suite covers the larger ones). */
const MAX_JACOBIAN = 2 ** 18;
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** f32 values rounded to f16 (nearest even), as the f16 tensor holds them. */
const asF16 = (v: Float32Array) => Float32Array.from(roundToF16Bits(v), (h) => F16_VALUES[h]!);

/** An f16 tensor's bits, read without Float16Array. */
async function bitsOf(act: Activations, t: GpuTensor<'f16'>): Promise<Uint16Array> {
  const all = await readBuffer(act.device, t.buffer);
  return new Uint16Array(all.buffer, t.byteOffset, t.length).slice();
}

describe.each(ROW_PATHS)('f16, $name', ({ name: path, options }) => {
  let act: Activations;
  const report = new Map<string, number>();
  afterAll(() => {
    act?.destroy();
    console.log(`softmax f16, ${path}: worst error / bound (forward: f16 ULP)\n` +
      [...report].map(([k, v]) => `  ${k.padEnd(34)} ${v.toFixed(3)}`).join('\n'));
  });
  function expectWithin(r: BoundCheck, key: string) {
    report.set(key, Math.max(report.get(key) ?? 0, r.worst));
    expect(r.failures, `${r.failureCount} outside the f16 contract; worst ${r.worstAt}`).toEqual([]);
  }

  /** Every mode of both activations on x (f16 values), GPU-resident; backward from the output on the f16 output. */
  async function checkAllModes(x: Float32Array, dy: Float32Array, params: SoftmaxParams) {
    act ??= await createActivations(options);
    const tx = act.tensor(x, { dtype: 'f16' });
    const tdy = act.tensor(dy, { dtype: 'f16' });
    for (const name of NAMES) {
      const ty = act.forward(name, tx, params);
      const y = await bitsOf(act, ty);
      expectWithin(checkSoftmaxF16(name, 'forward', params, x, undefined, y), `${name} forward`);
      if (name === 'softmax') {
        const sum = worstRowSum(params, Float32Array.from(y, (h) => F16_VALUES[h]!));
        report.set('softmax row sum |Σy − 1| / 2⁻⁹', Math.max(report.get('softmax row sum |Σy − 1| / 2⁻⁹') ?? 0, sum / SOFTMAX_F16_CONTRACT.rowSum));
        expect(sum).toBeLessThanOrEqual(SOFTMAX_F16_CONTRACT.rowSum);
      }
      const dx = act.backward(name, tx, tdy, params);
      expectWithin(checkSoftmaxF16(name, 'backward', params, x, dy, await bitsOf(act, dx)), `${name} backward`);
      const fromOutput = { ...params, from: 'output' as const };
      const dz = act.backward(name, ty, tdy, fromOutput);
      const yValues = Float32Array.from(y, (h) => F16_VALUES[h]!);
      expectWithin(checkSoftmaxF16(name, 'backward', fromOutput, yValues, dy, await bitsOf(act, dz)), `${name} backward from output`);
      const { shape = [x.length] } = params;
      const len = shape.at(params.axis ?? -1)!;
      if (count(shape) * len <= MAX_JACOBIAN) {
        const j = act.derivative(name, tx, params);
        expectWithin(checkSoftmaxF16(name, 'derivative', params, x, undefined, await bitsOf(act, j)), `${name} derivative (Jacobian)`);
        j.destroy();
      }
      for (const t of [ty, dx, dz]) t.destroy();
    }
    tx.destroy();
    tdy.destroy();
  }

  // The first path runs every shape, the second (it differs only in how lanes merge the f32
  // statistics, which the f32 suite covers on every shape) those up to 2^16 elements. Scores × 30
  // (far tails, f16 subnormal probabilities) run up to 2^16 elements too: the f16 stores do not
  // depend on the length, and the float64 checks of the long rows dominate the suite's time.
  const first = path === ROW_PATHS[0]!.name;
  test.each(SHAPES.filter(({ shape }) => first || count(shape) <= 2 ** 16))(
    'shape $shape axis $axis: random normal × 1 (and × 30 up to 2^16 elements), every mode', async ({ shape, axis }) => {
      const params = { shape, axis };
      for (const scale of count(shape) <= 2 ** 16 ? [1, 30] : [1]) {
        const n = count(shape);
        await checkAllModes(asF16(normal(n, scale, n + scale)), asF16(normal(n, 1, n + 7)), params);
      }
    },
  );

  test('rows of scores near ±65504, masked with −∞, and rows of ±∞ and NaN give the right distribution', async () => {
    const rows = [
      // The largest f16 scores: the naive e^x and an f16 sum overflow; here y = 1/3 each for the ties.
      [65504, 65504, 65504, 65472, 0, -65504, -Infinity, 65440],
      // Masked positions (−∞) are exactly 0, the rest share the mass.
      [-Infinity, 1.5, -Infinity, 2.25, -Infinity, -Infinity, -65504, 0],
      // Nearly all masked: the one live score gets 1 and log 0.
      [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -60000],
      // A +∞ score or NaN makes the row NaN, as in PyTorch and JAX; so does a fully masked row.
      [1, 2, Infinity, 3, 4, 5, 6, 7],
      [1, 2, NaN, 3, 4, 5, 6, 7],
      Array(8).fill(-Infinity),
      // f16 subnormal scores: differences of 2⁻²⁴ must not be lost in the f32 statistics.
      [2 ** -24, 2 * 2 ** -24, -(2 ** -24), 0, -0, 2 ** -14, 1023 * 2 ** -24, -(2 ** -14)],
    ];
    const x = asF16(Float32Array.from(rows.flat()));
    const dy = asF16(normal(x.length, 1, 3));
    await checkAllModes(x, dy, { shape: [rows.length, 8] });
  });

  test('in place and into a caller\'s f16 range at an odd half offset (both ends mid-u32)', async () => {
    act ??= await createActivations(options);
    const shape = [3, 37];
    const n = count(shape);
    const x = asF16(normal(n, 2, 11));
    const want = await bitsOf(act, act.forward('logSoftmax', act.tensor(x, { dtype: 'f16' }), { shape }));
    // Sentinels either side: each end of the range shares a u32 with one.
    const buffer = act.device.createBuffer({ size: 2 * n + 10, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const init = new Uint16Array(n + 5).fill(0x5555);
    init.set(roundToF16Bits(x), 1);
    act.device.queue.writeBuffer(buffer, 0, init);
    const t = act.wrap(buffer, { dtype: 'f16', offset: 2, length: n });
    act.forward('logSoftmax', t, { shape, out: t });
    const got = new Uint16Array((await readBuffer(act.device, buffer)).buffer);
    expect(got[0]).toBe(0x5555);
    expect(got[n + 1]).toBe(0x5555);
    expect(Array.from(got.subarray(1, n + 1))).toEqual(Array.from(want));
    buffer.destroy();
  });
});
