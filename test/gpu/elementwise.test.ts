// Every elementwise activation × mode on the GPU against the float64 reference and the contract.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACTIVATION_NAMES, createActivations, type Activations } from '../../src/index.js';
import { ELEMENTWISE, type ElementwiseName, type Mode } from '../../src/activations/table.js';
import { elementsPerGroup } from '../../src/gpu/kernels.js';
import { checkElementwise } from '../../src/numerics/verify.js';
import { SPECIAL_X, chosenPairs, mixed, uniform } from '../../src/numerics/verify.js';

const NAMES = ACTIVATION_NAMES.filter((n): n is ElementwiseName => n in ELEMENTWISE);
const MODES: Mode[] = ['forward', 'derivative', 'backward'];

/** Parameter sets beyond the defaults: α > 1 (where max(αz, z) would be wrong), α < 0, tiny and huge. */
const PARAMS: Partial<Record<ElementwiseName, Record<string, number>[]>> = {
  linear: [{}, { m: -2.5 }, { m: 0 }, { m: 1e30 }],
  elu: [{}, { alpha: 0.5 }, { alpha: 2.5 }, { alpha: 1e-3 }, { alpha: 1e30 }],
  leakyRelu: [{}, { alpha: 0.2 }, { alpha: 3 }, { alpha: -0.5 }],
};

let act: Activations;
beforeAll(async () => {
  act = await createActivations();
});
afterAll(() => act?.destroy());

async function run(name: ElementwiseName, mode: Mode, x: Float32Array, dy: Float32Array, params: Record<string, number>) {
  if (mode === 'backward') return act.backward(name, x, dy, params);
  return mode === 'forward' ? act.forward(name, x, params) : act.derivative(name, x, params);
}

function expectWithinContract(name: ElementwiseName, mode: Mode, params: Record<string, number>, x: Float32Array, dy: Float32Array, got: Float32Array) {
  expect(got.length).toBe(x.length);
  const r = checkElementwise(name, mode, params, x, dy, got);
  expect(r.failures, `${r.failureCount} of ${x.length} outside the contract`).toEqual([]);
  return r;
}

/** Max ULP error per op and mode on the dense sweep, printed at the end for the issue note. */
const denseReport: string[] = [];
afterAll(() => {
  if (denseReport.length) console.log(`max ULP on the dense sweep over [-100, 100]:\n${denseReport.join('\n')}`);
});

describe.each(NAMES)('%s', (name) => {
  test.each(MODES)('%s on chosen inputs (× chosen dy for backward), every parameter set', async (mode) => {
    const { x, dy } = chosenPairs();
    for (const params of PARAMS[name] ?? [{}]) {
      const got = await run(name, mode, x, dy, params);
      expectWithinContract(name, mode, params, x, dy, got);
    }
  });

  test.each(MODES)('%s at sizes around vec4, workgroup and tail boundaries', async (mode) => {
    for (const n of [0, 1, 3, 4, 5, 63, 64, 65, 255, 256, 257, 1_000_003]) {
      const x = mixed(n, n + 1);
      const dy = uniform(n, -2, 2, n + 2);
      const got = await run(name, mode, x, dy, {});
      expectWithinContract(name, mode, {}, x, dy, got);
    }
  });

  test.each(MODES)('%s on a dense sweep of 2^20 + 1 points over [-100, 100]', async (mode) => {
    const n = 2 ** 20 + 1;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = -100 + (200 * i) / (n - 1);
    const dy = uniform(n, -4, 4, 7);
    const got = await run(name, mode, x, dy, {});
    const r = expectWithinContract(name, mode, {}, x, dy, got);
    const w = r.worst;
    denseReport.push(`${name.padEnd(9)} ${mode.padEnd(10)} ${String(r.maxUlps).padStart(3)} ULP` +
      (w ? ` (x=${w.x}${w.dy === undefined ? '' : `, dy=${w.dy}`})` : ''));
  });

  // Special values with exact answers, stated in the contract.
  test('special values', async () => {
    const specials = new Float32Array([Infinity, -Infinity, NaN]);
    const f = await act.forward(name, specials);
    const d = await act.derivative(name, specials);
    expect(Number.isNaN(f[2]!) && Number.isNaN(d[2]!)).toBe(true);
    const b = await act.backward(name, new Float32Array([1, NaN]), new Float32Array([NaN, 1]));
    expect(Number.isNaN(b[0]!) && Number.isNaN(b[1]!)).toBe(true);
    const exact: Record<ElementwiseName, [number[], number[]]> = {
      linear: [[Infinity, -Infinity], [1, 1]],
      relu: [[Infinity, 0], [1, 0]],
      leakyRelu: [[Infinity, -Infinity], [1, Math.fround(0.01)]],
      elu: [[Infinity, -1], [1, 0]],
      sigmoid: [[1, 0], [0, 0]],
      tanh: [[1, -1], [0, 0]],
    };
    expect(Array.from(f.subarray(0, 2))).toEqual(exact[name][0]);
    expect(Array.from(d.subarray(0, 2))).toEqual(exact[name][1]);
  });
});

/** Every one of n outputs checked: the first period against the reference, the rest bit for bit. */
function expectPeriodic(name: ElementwiseName, mode: Mode, base: Float32Array, dyBase: Float32Array, got: Float32Array) {
  const period = base.length;
  expectWithinContract(name, mode, {}, base, dyBase, got.subarray(0, period));
  const bits = new Uint32Array(got.buffer, got.byteOffset, got.length);
  let mismatches = 0;
  for (let i = period; i < got.length; i++) if (bits[i] !== bits[i % period]) mismatches++;
  expect(mismatches, `${name} ${mode}: elements differing from their verified period`).toBe(0);
}

function periodic(n: number, base: Float32Array): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = base[i % base.length]!;
  return out;
}

test('a 2D grid (more groups than a dimension allows) is right in every element, for every op and mode', async () => {
  // The grid limit lowered to 64 sends a small tensor down the 2D path: 64 full groups plus 5
  // elements, so the last group is in the second row and the tail vec4 is partial.
  const small = await createActivations({ device: act.device, maxWorkgroupsPerDimension: 64 });
  const n = 64 * elementsPerGroup('vec4') + 5;
  const base = mixed(4096, 99);
  const dyBase = uniform(4096, -3, 3, 98);
  const tx = small.tensor(periodic(n, base));
  const tdy = small.tensor(periodic(n, dyBase));
  for (const name of NAMES) {
    for (const mode of MODES) {
      const ty = mode === 'backward' ? small.backward(name, tx, tdy) : mode === 'forward' ? small.forward(name, tx) : small.derivative(name, tx);
      expectPeriodic(name, mode, base, dyBase, await ty.read());
      ty.destroy();
    }
  }
  small.destroy();
});

test('above 65535 workgroups at the device\'s real limit (scalar path, 2^27 elements)', async () => {
  // Only the scalar path (an operand off a 16-byte boundary) needs more than 65535 groups within a
  // 1 GiB binding: 65535 groups of elementsPerGroup('scalar') elements, plus 5.
  const n = 65535 * elementsPerGroup('scalar') + 5;
  const base = mixed(4096, 97);
  const values = new Float32Array(n + 1);
  values.set(periodic(n, base), 1);
  const buffer = act.device.createBuffer({ size: values.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  act.device.queue.writeBuffer(buffer, 0, values);
  const x = act.wrap(buffer, { offset: 4, length: n });
  const y = act.forward('tanh', x);
  expectPeriodic('tanh', 'forward', base, base, await y.read());
  y.destroy();
  buffer.destroy();
});

test('SPECIAL_X covers every value the core issue lists', () => {
  for (const v of [0, 1e-30, 1e-4, 0.5, 1, 9, 16, 20, 50, 88, 89, 100, 1e4, 3.4e38, Infinity]) {
    expect(SPECIAL_X).toContain(v);
    expect(SPECIAL_X).toContain(-v);
  }
  expect(SPECIAL_X.some(Number.isNaN)).toBe(true);
});
