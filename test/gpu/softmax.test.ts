// softmax and logSoftmax on the GPU against the float64 reference and the contract, every mode, on
// every way of spreading rows over invocations (ROW_PATHS: lanes merged by subgroup shuffles or in
// workgroup memory, or one invocation per row).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SOFTMAX_CONTRACT } from '../../src/numerics/accuracy.js';
import type { SoftmaxName } from '../../src/activations/table.js';
import { Activations, createActivations } from '../../src/index.js';
import { runSoftmax } from '../../src/gpu/softmax.js';
import { readBuffer, testAdapter } from '../helpers/gpu.js';
import { checkSoftmax, normal, worstRowSum, type BoundCheck, type SoftmaxParams } from '../../src/numerics/verify.js';
import { HAS_SUBGROUPS, ROW_PATHS, SHAPES } from './softmax-cases.js';

const NAMES: SoftmaxName[] = ['softmax', 'logSoftmax'];

/** Random normal scaled by 1 (typical logits), 30 (far tails, underflow) and 1e4 (the naive e^x overflows). */
const SCALES = [1, 30, 1e4];

/** Jacobians are written only up to this many entries: rows·len² grows fast. */
const MAX_JACOBIAN = 2 ** 22;

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);


test.runIf(!HAS_SUBGROUPS)('without the adapter feature "subgroups", subgroups: true is a RangeError and the default is the workgroup path', async () => {
  await expect(createActivations({ subgroups: true })).rejects.toThrow(/lacks the "subgroups" feature/);
  const act = await createActivations();
  expect(act.usesSubgroups).toBe(false);
  act.destroy();
});

describe.each(ROW_PATHS)('$name', ({ name: path, options }) => {
  let act: Activations;
  beforeAll(async () => {
    act = await createActivations(options);
    expect(act.rowLanes).toBe(options.rowLanes);
    if (options.subgroups !== undefined) expect(act.usesSubgroups).toBe(options.subgroups);
  });
  afterAll(() => act?.destroy());

  /** The worst error per mode as a fraction of its bound, and where, printed at the end for the README. */
  const report = new Map<string, { worst: number; at: string }>();
  afterAll(() => {
    const lines = [...report].map(([k, v]) => `  ${k.padEnd(36)} ${v.worst.toExponential(3)}  ${v.at}`);
    console.log(`softmax, ${path}: worst error / bound, over results above 2^-126\n${lines.join('\n')}`);
  });
  function record(key: string, worst: number, at: string) {
    if (worst >= (report.get(key)?.worst ?? 0)) report.set(key, { worst, at });
  }
  function expectWithin(r: BoundCheck, key: string) {
    record(key, r.worst, r.worstAt);
    expect(r.failures, `${r.failureCount} outside the contract; worst ${r.worstAt}`).toEqual([]);
  }

  /** Every mode of both activations on x, checked; backward from the output reuses the GPU's forward. */
  async function checkAllModes(x: Float32Array, dy: Float32Array, base: SoftmaxParams, tag: string) {
    for (const name of NAMES) {
      const y = await act.forward(name, x, base);
      expectWithin(checkSoftmax(name, 'forward', base, x, undefined, y), `${name} forward`);
      if (name === 'softmax') {
        const sum = worstRowSum(base, y);
        record('softmax row sum |Σy − 1|', sum / SOFTMAX_CONTRACT.rowSum, tag);
        expect(sum, `${tag}: a row sum`).toBeLessThanOrEqual(SOFTMAX_CONTRACT.rowSum);
      }
      const dx = await act.backward(name, x, dy, base);
      expectWithin(checkSoftmax(name, 'backward', base, x, dy, dx), `${name} backward`);
      const fromOutput = { ...base, from: 'output' as const };
      const dz = await act.backward(name, y, dy, fromOutput);
      expectWithin(checkSoftmax(name, 'backward', fromOutput, y, dy, dz), `${name} backward from output`);
      const { rows, len } = rowsAndLen(base, x.length);
      if (rows * len * len <= MAX_JACOBIAN) {
        const jacobian = await act.derivative(name, x, base);
        expectWithin(checkSoftmax(name, 'derivative', base, x, undefined, jacobian), `${name} derivative (Jacobian)`);
      }
    }
  }

  describe.each(SHAPES)('shape $shape axis $axis: $why', ({ shape, axis }) => {
    test.each(SCALES)('random normal × %s, every mode', async (scale) => {
      const n = count(shape);
      const x = normal(n, scale, n + scale);
      const dy = normal(n, 1, n + 7);
      await checkAllModes(x, dy, { shape, axis }, `${shape} × ${scale}`);
    });
  });

  describe('special rows', () => {
    const ramp = (c: number, f: (j: number) => number) => Array.from({ length: c }, (_, j) => f(j));
    /** Rows of c entries, each on purpose. */
    const ROWS: { why: string; make: (c: number) => number[] }[] = [
      { why: 'huge: 1e4 apart, the naive e^x overflows', make: (c) => ramp(c, (j) => [1e4, 0, -1e4, 9990][j % 4]!) },
      { why: 'near FLT_MAX: x − max overflows to −∞ for −3.4e38', make: (c) => ramp(c, (j) => [3.4e38, -3.4e38, 3.3e38, 0][j % 4]!) },
      { why: 'masked positions (−∞) get 0, the rest sum to 1', make: (c) => ramp(c, (j) => (j % 3 === 1 ? -Infinity : Math.sin(j))) },
      { why: 'all but one masked', make: (c) => ramp(c, (j) => (j === c - 1 ? 2 : -Infinity)) },
      { why: 'fully masked: NaN for the whole row', make: (c) => ramp(c, () => -Infinity) },
      { why: 'a NaN: NaN for the whole row', make: (c) => ramp(c, (j) => (j === c - 1 ? NaN : j)) },
      { why: '+∞: NaN for the whole row', make: (c) => ramp(c, (j) => (j === c >> 1 ? Infinity : -j)) },
      { why: '+∞ and −∞ together: NaN', make: (c) => ramp(c, (j) => (j === 0 ? Infinity : -Infinity)) },
      { why: 'ties: all equal, y = 1/c', make: (c) => ramp(c, () => 5) },
      { why: 'two tied maxima', make: (c) => ramp(c, (j) => (j === 0 || j === c - 1 ? 3 : -j)) },
      { why: 'differences around exp\'s underflow: y subnormal or 0', make: (c) => ramp(c, (j) => [0, -80, -87.3, -88, -103, -104, -150][j % 7]!) },
      { why: 'sorted ascending in small steps: the running max moves at every element', make: (c) => ramp(c, (j) => j * 1e-3) },
      { why: 'sorted ascending in steps of 40: a rebase at every element', make: (c) => ramp(c, (j) => j * 40) },
      { why: 'sorted descending', make: (c) => ramp(c, (j) => -j * 0.5) },
      { why: 'subnormal and tiny entries (flushed or not, the same softmax)', make: (c) => ramp(c, (j) => [1e-40, -1e-40, 1e-30, 0][j % 4]!) },
    ];

    test.each([7, 1000, 50000])('%s columns, every mode (50000: blocks)', async (c) => {
      const x = new Float32Array(ROWS.flatMap((r) => r.make(c)));
      const dy = normal(x.length, 1, c);
      dy[2 * c + 1] = NaN; // NaN in dy: the masked row's backward is NaN throughout
      await checkAllModes(x, dy, { shape: [ROWS.length, c] }, `special rows × ${c}`);
      const y = await act.forward('softmax', x, { shape: [ROWS.length, c] });
      const l = await act.forward('logSoftmax', x, { shape: [ROWS.length, c] });
      for (let j = 0; j < c; j++) {
        if (j % 3 === 1) {
          expect(y[2 * c + j]).toBe(0); // masked
          expect(l[2 * c + j]).toBe(-Infinity);
        }
      }
      for (const r of [4, 5, 6, 7]) {
        expect(Array.from(y.subarray(r * c, (r + 1) * c)).every(Number.isNaN), ROWS[r]!.why).toBe(true);
        expect(Array.from(l.subarray(r * c, (r + 1) * c)).every(Number.isNaN), ROWS[r]!.why).toBe(true);
      }
      expect(y[4 * c - 1]).toBe(1); // all but one masked
      expect(l[4 * c - 1]).toBe(0);
    });

    test('single-element rows give 1 (log 0), except the NaN rows', async () => {
      const x = new Float32Array([3, -3.4e38, 1e-40, 0, -Infinity, NaN, Infinity]);
      const shape = [x.length, 1];
      expect(Array.from(await act.forward('softmax', x, { shape }))).toEqual([1, 1, 1, 1, NaN, NaN, NaN]);
      expect(Array.from(await act.forward('logSoftmax', x, { shape }))).toEqual([0, 0, 0, 0, NaN, NaN, NaN]);
      const dy = new Float32Array(x.length).fill(2);
      expect(Array.from(await act.backward('softmax', x, dy, { shape }))).toEqual([0, 0, 0, 0, NaN, NaN, NaN]);
      expect(Array.from(await act.derivative('logSoftmax', x, { shape }))).toEqual([0, 0, 0, 0, NaN, NaN, NaN]);
    });
  });

  test('the longest row the contract covers: 2^24 columns, each y and the row sum', async () => {
    const x = normal(2 ** 24, 30, 24);
    const y = await act.forward('softmax', x);
    expectWithin(checkSoftmax('softmax', 'forward', {}, x, undefined, y), 'softmax forward');
    const sum = worstRowSum({}, y);
    record('softmax row sum |Σy − 1|', sum / SOFTMAX_CONTRACT.rowSum, '2^24 columns');
    expect(sum).toBeLessThanOrEqual(SOFTMAX_CONTRACT.rowSum);
  });

  test('empty tensors: a zero dimension gives an empty result in every mode', async () => {
    const none = new Float32Array(0);
    for (const shape of [[0, 5], [5, 0], [2, 0, 3]]) {
      expect((await act.forward('softmax', none, { shape })).length).toBe(0);
      expect((await act.backward('logSoftmax', none, none, { shape })).length).toBe(0);
      expect((await act.derivative('softmax', none, { shape })).length).toBe(0);
    }
  });

  test('without shape the whole array is one row', async () => {
    const x = normal(300, 3, 1);
    const y = await act.forward('softmax', x);
    expectWithin(checkSoftmax('softmax', 'forward', { shape: [300] }, x, undefined, y), 'softmax forward');
  });

  test('GPU-resident: forward, then backward from the saved output, without a readback between', async () => {
    const shape = [6, 333];
    const x = normal(count(shape), 4, 9);
    const dy = normal(x.length, 1, 10);
    const tx = act.tensor(x);
    const tdy = act.tensor(dy);
    const ty = act.forward('softmax', tx, { shape });
    const tdx = act.backward('softmax', ty, tdy, { shape, from: 'output' });
    const y = await ty.read();
    expectWithin(checkSoftmax('softmax', 'backward', { shape, from: 'output' }, y, dy, await tdx.read()), 'softmax backward from output');
    for (const t of [tx, tdy, ty, tdx]) t.destroy();
  });
});

function rowsAndLen(params: SoftmaxParams, length: number): { rows: number; len: number } {
  const shape = params.shape ?? [length];
  const axis = (params.axis ?? -1) < 0 ? shape.length + (params.axis ?? -1) : params.axis!;
  return { rows: length / shape[axis]!, len: shape[axis]! };
}

test.runIf(HAS_SUBGROUPS)('subgroups that cannot hold a row\'s lanes: each lane gathers its whole row, the same results', async () => {
  const device = (await createActivations()).device;
  // 16 lanes per row, where SwiftShader's subgroups hold 4: every subgroup fails its check.
  const act = new Activations(device, false, { subgroups: true, serialRows: false, maxWorkgroupsPerDimension: 65535, subgroupLanes: 16 }, runSoftmax);
  try {
    for (const shape of [[5, 65], [4, 1000], [2, 20000]]) {
      const x = normal(count(shape), 8, 51);
      const dy = normal(x.length, 1, 52);
      for (const name of NAMES) {
        const y = await act.forward(name, x, { shape });
        expect(checkSoftmax(name, 'forward', { shape }, x, undefined, y).failures).toEqual([]);
        const dx = await act.backward(name, x, dy, { shape });
        expect(checkSoftmax(name, 'backward', { shape }, x, dy, dx).failures).toEqual([]);
      }
    }
  } finally {
    device.destroy();
  }
});

test('rowLanes defaults to serial on a fallback (software) adapter, else parallel', async () => {
  const act = await createActivations();
  try {
    const fallback = act.device.adapterInfo?.isFallbackAdapter === true;
    expect(act.rowLanes).toBe(fallback ? 'serial' : 'parallel');
  } finally {
    act.destroy();
  }
});

describe('2D grids (at most 64 workgroups per dimension)', () => {
  test.each(ROW_PATHS)('$name: rows from the flattened group id, up to 2^20 rows', async ({ options }) => {
    const act = await createActivations({ ...options, maxWorkgroupsPerDimension: 64 });
    try {
      // 274, 300 and 4096 row groups; 2 rows of 64 blocks.
      for (const shape of [[70000, 3], [300, 600], [2 ** 20, 2], [2, 2 ** 18]]) {
        const x = normal(count(shape), 5, shape[0]!);
        const dy = normal(x.length, 1, 3);
        const y = await act.forward('softmax', x, { shape });
        expect(checkSoftmax('softmax', 'forward', { shape }, x, undefined, y).failures).toEqual([]);
        const dx = await act.backward('logSoftmax', x, dy, { shape });
        expect(checkSoftmax('logSoftmax', 'backward', { shape }, x, dy, dx).failures).toEqual([]);
      }
      const x = normal(70000 * 3, 2, 4);
      const jacobian = await act.derivative('softmax', x, { shape: [70000, 3] });
      expect(checkSoftmax('softmax', 'derivative', { shape: [70000, 3] }, x, undefined, jacobian).failures).toEqual([]);
    } finally {
      act.destroy();
    }
  });
});

describe('buffers', () => {
  let act: Activations;
  beforeAll(async () => {
    act = await createActivations();
  });
  afterAll(() => act?.destroy());

  const SENTINEL = -12345.5;
  function sentinelBuffer(length: number): GPUBuffer {
    const buffer = act.device.createBuffer({
      size: 4 * length,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    act.device.queue.writeBuffer(buffer, 0, new Float32Array(length).fill(SENTINEL));
    return buffer;
  }

  // Offsets in f32s of x, dy and y. Rows a multiple of 4 long with every offset a multiple of 4 f32s
  // take the vec4 loads; one offset off that (or rows of another length) sends all to element loads.
  test.each([
    ['rows', [5, 65], undefined, [7, 70, 65]],
    ['rows of 64, vec4', [5, 64], undefined, [8, 68, 64]],
    ['rows of 64, y 4 bytes off a vec4', [5, 64], undefined, [8, 68, 65]],
    ['blocks', [2, 20000], undefined, [7, 70, 65]],
    ['blocks, vec4', [2, 20000], undefined, [4, 72, 132]],
    ['a strided axis', [4, 33, 3], 1, [7, 70, 65]],
  ] as const)('wrapped at offsets (%s): only the output range changes', async (_, shapeIn, axis, [xAt, dyAt, yAt]) => {
    const shape = [...shapeIn];
    const n = count(shape);
    const x = normal(n, 3, 21);
    const dy = normal(n, 1, 22);
    const xBuffer = sentinelBuffer(n + 300);
    const dyBuffer = sentinelBuffer(n + 300);
    const yBuffer = sentinelBuffer(n + 300);
    act.device.queue.writeBuffer(xBuffer, xAt * 4, x);
    act.device.queue.writeBuffer(dyBuffer, dyAt * 4, dy);
    const tx = act.wrap(xBuffer, { offset: xAt * 4, length: n });
    const tdy = act.wrap(dyBuffer, { offset: dyAt * 4, length: n });
    const ty = act.wrap(yBuffer, { offset: yAt * 4, length: n });
    act.backward('softmax', tx, tdy, { shape, axis, out: ty });
    expect(checkSoftmax('softmax', 'backward', { shape, axis }, x, dy, await ty.read()).failures).toEqual([]);
    act.forward('softmax', tx, { shape, axis, out: ty });
    expect(checkSoftmax('softmax', 'forward', { shape, axis }, x, undefined, await ty.read()).failures).toEqual([]);
    const after = await readBuffer(act.device, yBuffer);
    expect([...after.subarray(0, yAt), ...after.subarray(yAt + n)].every((v) => v === SENTINEL)).toBe(true);
    expect(Array.from((await readBuffer(act.device, xBuffer)).subarray(xAt, xAt + n))).toEqual(Array.from(x));
    for (const b of [xBuffer, dyBuffer, yBuffer]) b.destroy();
  });

  test.each([[5, 65], [4, 64], [2, 20000]])('in place: forward over x, backward over dy, from output over y (shape %s, %s)', async (...shapeIn) => {
    const shape = shapeIn;
    const x = normal(count(shape), 6, 31);
    const dy = normal(x.length, 1, 32);
    const tx = act.tensor(x);
    expect(act.forward('logSoftmax', tx, { shape, out: tx })).toBe(tx);
    expect(checkSoftmax('logSoftmax', 'forward', { shape }, x, undefined, await tx.read()).failures).toEqual([]);
    const tx2 = act.tensor(x);
    const tdy = act.tensor(dy);
    act.backward('softmax', tx2, tdy, { shape, out: tdy });
    expect(checkSoftmax('softmax', 'backward', { shape }, x, dy, await tdy.read()).failures).toEqual([]);
    const y = await act.forward('softmax', x, { shape });
    const ty = act.tensor(y);
    const tdy2 = act.tensor(dy);
    act.backward('softmax', ty, tdy2, { shape, from: 'output', out: ty });
    expect(checkSoftmax('softmax', 'backward', { shape, from: 'output' }, y, dy, await ty.read()).failures).toEqual([]);
    for (const t of [tx, tx2, tdy, ty, tdy2]) t.destroy();
  });

  test('the Jacobians into a caller\'s out at an offset', async () => {
    const shape = [3, 9];
    const x = normal(27, 2, 41);
    const outBuffer = sentinelBuffer(3 * 81 + 100);
    const out = act.wrap(outBuffer, { offset: 13 * 4, length: 3 * 81 });
    expect(act.derivative('softmax', act.tensor(x), { shape, out })).toBe(out);
    expect(checkSoftmax('softmax', 'derivative', { shape }, x, undefined, await out.read()).failures).toEqual([]);
    const after = await readBuffer(act.device, outBuffer);
    expect([...after.subarray(0, 13), ...after.subarray(13 + 243)].every((v) => v === SENTINEL)).toBe(true);
    outBuffer.destroy();
  });
});

describe('bad input: a RangeError naming the value and what was expected, and nothing written', () => {
  let act: Activations;
  beforeAll(async () => {
    act = await createActivations();
  });
  afterAll(() => act?.destroy());

  const x = new Float32Array(10).fill(1);
  test.each([
    [{ shape: [2, 6] }, 'softmax: shape [2,6] has 12 elements, but x has 10'],
    [{ shape: [5, -2] }, /softmax: shape \[5,-2\] is invalid at dimension 1 \(-2\); expected non-negative integers/],
    [{ shape: [2.5, 4] }, /shape \[2.5,4\] is invalid at dimension 0/],
    [{ shape: [] }, /shape \[\] has no axis/],
    [{ shape: [2, 5], axis: 3 }, 'softmax: axis 3 is out of range for shape [2,5]; expected an integer in [-2, 1]'],
    [{ shape: [2, 5], axis: -3 }, /axis -3 is out of range for shape \[2,5\]/],
    [{ shape: [2, 5], axis: 0.5 }, /axis 0.5 is out of range/],
    [{ shape: [2, 5], alpha: 1 }, 'softmax: unknown parameter "alpha"; softmax takes no parameters, and the options "shape", "axis", "from"'],
    [{ shape: [2, 5], from: 'output' }, 'softmax: from is an option of backward, not of forward'],
  ] as const)('%o', async (params, message) => {
    const out = act.tensor(new Float32Array(10).fill(7));
    const tx = act.tensor(x);
    await expect(act.forward('softmax', x, params as object)).rejects.toThrow(RangeError);
    await expect(act.forward('softmax', x, params as object)).rejects.toThrow(message);
    expect(() => act.forward('softmax', tx, { ...(params as object), out })).toThrow(message);
    expect(Array.from(await out.read())).toEqual(Array(10).fill(7));
    out.destroy();
    tx.destroy();
  });

  test('a shape that is not an array is a TypeError', async () => {
    await expect(act.forward('softmax', x, { shape: 10 } as unknown as object)).rejects.toThrow(TypeError);
    await expect(act.forward('softmax', x, { shape: 10 } as unknown as object)).rejects.toThrow('softmax: shape must be an array of dimensions, got number 10');
  });

  test('dy of the wrong length, or from that is neither input nor output', async () => {
    await expect(act.backward('logSoftmax', x, new Float32Array(9), { shape: [2, 5] })).rejects.toThrow(RangeError);
    await expect(act.backward('logSoftmax', x, new Float32Array(9), { shape: [2, 5] })).rejects
      .toThrow('backward(logSoftmax): dy has length 9, expected x\'s length 10');
    await expect(act.backward('softmax', x, x, { shape: [2, 5], from: 'y' as 'output' })).rejects
      .toThrow('softmax: from = "y" is invalid; expected "input" or "output"');
  });

  test('Jacobians larger than maxBufferSize', async () => {
    const big = new Float32Array(40000);
    const message = `derivative(softmax): the 2 Jacobians of 20000×20000 for shape [2,20000] take 3200000000 bytes, ` +
      `more than this device's maxBufferSize ${act.device.limits.maxBufferSize}`;
    await expect(act.derivative('softmax', big, { shape: [2, 20000] })).rejects.toThrow(RangeError);
    await expect(act.derivative('softmax', big, { shape: [2, 20000] })).rejects.toThrow(message);
    const out = act.tensor(new Float32Array(4));
    const t = act.tensor(new Float32Array(4));
    expect(() => act.derivative('softmax', t, { shape: [2, 2], out })).toThrow(
      'derivative(softmax): out has length 4, expected 8 (the 2 Jacobians of 2×2)',
    );
    expect(Array.from(await out.read())).toEqual([0, 0, 0, 0]);
    out.destroy();
    t.destroy();
  });

  test('createActivations options', async () => {
    await expect(createActivations({ subgroups: 'yes' as unknown as boolean })).rejects.toThrow(TypeError);
    await expect(createActivations({ rowLanes: 'fast' as 'serial' })).rejects.toThrow(
      "createActivations: rowLanes must be 'serial' or 'parallel', got string fast",
    );
    await expect(createActivations({ maxWorkgroupsPerDimension: 0 })).rejects.toThrow(
      'createActivations: maxWorkgroupsPerDimension 0 is invalid; expected an integer >= 1',
    );
    await expect(createActivations({ maxWorkgroupsPerDimension: 1e7 })).rejects.toThrow(/exceeds the device's limit 65535/);
  });
});
