// Robustness: tensors past the binding limits, device loss, GPU errors, bad input, concurrency,
// property tests and resource accounting.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ELEMENTWISE, ELEMENTWISE_NAMES as NAMES, type ElementwiseName, type Mode } from '../../src/activations/table.js';
import { DeviceLostError, createActivations, type Activations, type GpuTensor } from '../../src/index.js';
import { checkElementwise, checkSoftmax, mixed, paramSets, uniform } from '../../src/numerics/verify.js';
import { callerBuffer, countSubmits, readBuffer } from '../helpers/gpu.js';

const MODES: Mode[] = ['forward', 'derivative', 'backward'];

let act: Activations;
beforeAll(async () => {
  act = await createActivations();
});
afterAll(() => act?.destroy());

function call(a: Activations, name: ElementwiseName, mode: Mode, x: Float32Array, dy: Float32Array, params: object = {}) {
  if (mode === 'backward') return a.backward(name, x, dy, params);
  return mode === 'forward' ? a.forward(name, x, params) : a.derivative(name, x, params);
}

function callGpu(a: Activations, name: ElementwiseName, mode: Mode, x: GpuTensor, dy: GpuTensor, options: object = {}) {
  if (mode === 'backward') return a.backward(name, x, dy, options);
  return mode === 'forward' ? a.forward(name, x, options) : a.derivative(name, x, options);
}

async function defaultLimitsDevice(): Promise<GPUDevice> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  return adapter.requestDevice(); // no requiredLimits: 128 MiB bindings, 256 MiB buffers
}



/** Fails the test instead of hanging when a promise never settles. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms))]);
}

describe('past the binding limit', () => {
  test('maxBindingSize splits every op and mode into chunks: 3.5 bindings, a length off every alignment', async () => {
    const maxBindingSize = 64 * 1024;
    const capped = await createActivations({ device: act.device, maxBindingSize });
    const n = 3.5 * (maxBindingSize / 4) + 3;
    const x = mixed(n, 21);
    const dy = uniform(n, -2, 2, 22);
    for (const name of NAMES) {
      for (const mode of MODES) {
        const got = await call(capped, name, mode, x, dy);
        expect(checkElementwise(name, mode, {}, x, dy, got).failures).toEqual([]);
      }
    }
    // The scalar path too: a wrapped buffer at an offset that is not a multiple of 16 bytes.
    const buffer = callerBuffer(act.device, new Float32Array([7, ...x]));
    const w = capped.wrap(buffer, { offset: 4, length: n });
    const got = await capped.forward('tanh', w).read();
    expect(checkElementwise('tanh', 'forward', {}, x, undefined, got).failures).toEqual([]);
    buffer.destroy();
    capped.destroy();
  });

  test('a 200 MiB tensor on a device with the default 128 MiB binding limit', async () => {
    const device = await defaultLimitsDevice();
    expect(device.limits.maxStorageBufferBindingSize).toBe(128 * 2 ** 20);
    const lib = await createActivations({ device });
    const n = 50 * 2 ** 20 + 3; // 200 MiB and 12 bytes: not a multiple of 4 elements
    // Periodic input: the first period is checked against the reference, the rest bit for bit.
    const period = 8192;
    const base = mixed(period, 31);
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = base[i % period]!;
    const t = lib.tensor(x);
    const y = lib.forward('sigmoid', t);
    const got = await y.read();
    expect(checkElementwise('sigmoid', 'forward', {}, base, undefined, got.subarray(0, period)).failures).toEqual([]);
    const bits = new Uint32Array(got.buffer);
    let mismatches = 0;
    for (let i = period; i < n; i++) if (bits[i] !== bits[i % period]) mismatches++;
    expect(mismatches).toBe(0);
    lib.destroy();
    device.destroy();
  });

  test('a tensor past maxBufferSize is a RangeError giving the largest possible size', async () => {
    const device = await defaultLimitsDevice();
    const lib = await createActivations({ device });
    const tooBig = new Float32Array(2 ** 26 + 1); // 256 MiB + 4 bytes
    expect(() => lib.tensor(tooBig)).toThrow(RangeError);
    expect(() => lib.tensor(tooBig)).toThrow(/maxBufferSize of 268435456 bytes \(at most 67108864 f32 elements/);
    await expect(lib.forward('relu', tooBig)).rejects.toThrow(/maxBufferSize/);
    expect(lib.stats().liveBuffers).toBe(0);
    lib.destroy();
    device.destroy();
  });

  test('zero-length tensors return empty results without submitting anything', async () => {
    const device = await defaultLimitsDevice();
    const submits = countSubmits(device); // before the library wraps the queue
    const lib = await createActivations({ device });
    const t = lib.tensor(new Float32Array(0));
    const y = lib.backward('elu', t, t);
    expect(y.length).toBe(0);
    expect((await lib.forward('tanh', new Float32Array(0))).length).toBe(0);
    expect(submits.count).toBe(0);
    lib.destroy();
    device.destroy();
  });

  test('maxBindingSize below 4096 is a RangeError', async () => {
    await expect(createActivations({ device: act.device, maxBindingSize: 100 })).rejects.toThrow(/maxBindingSize 100 must be an integer >= 4096/);
  });
});

describe('device loss', () => {
  test('pending calls reject with DeviceLostError, none hangs, later calls fail at once, and a new instance works', async () => {
    const device = await defaultLimitsDevice();
    const lib = await createActivations({ device });
    const x = mixed(100_000, 41);
    const pending = Array.from({ length: 30 }, (_, i) => call(lib, NAMES[i % NAMES.length]!, MODES[i % 3]!, x, x));
    await Promise.resolve();
    device.destroy();
    const loss = await within(10_000, 'act.lost', lib.lost);
    expect(loss.reason).toBe('destroyed');
    const settled = await within(10_000, 'calls pending at the loss', Promise.allSettled(pending));
    for (const s of settled) {
      if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(DeviceLostError);
    }
    expect(settled.some((s) => s.status === 'rejected')).toBe(true);
    const later = lib.forward('relu', x);
    await expect(later).rejects.toBeInstanceOf(DeviceLostError);
    const again = await later.catch((e: unknown) => e);
    expect(await lib.forward('relu', x).catch((e: unknown) => e)).toBe(again); // the same error, every time
    expect(() => lib.tensor(x)).toThrow(DeviceLostError);
    const fresh = await createActivations();
    expect(checkElementwise('relu', 'forward', {}, x, undefined, await fresh.forward('relu', x)).failures).toEqual([]);
    fresh.destroy();
  });

  test('destroy() while calls are pending rejects them clearly', async () => {
    const lib = await createActivations({ device: act.device });
    const x = mixed(50_000, 43);
    const pending = Array.from({ length: 10 }, () => lib.forward('sigmoid', x));
    lib.destroy();
    const settled = await within(10_000, 'calls pending at destroy()', Promise.allSettled(pending));
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect(String((s as PromiseRejectedResult).reason)).toMatch(/this Activations instance was destroyed/);
    }
    // The caller's device is untouched and still works.
    const b = callerBuffer(act.device, new Float32Array([1, 2]));
    expect(Array.from(await readBuffer(act.device, b))).toEqual([1, 2]);
    b.destroy();
  });
});

describe('GPU errors are caught, attributed, and never uncaptured', () => {
  test('a wrapped buffer destroyed by its owner: later calls throw a TypeError naming it, and nothing is uncaptured', async () => {
    const device = await defaultLimitsDevice();
    let uncaptured = 0;
    device.addEventListener('uncapturederror', () => uncaptured++);
    const lib = await createActivations({ device });
    // Labelled at creation: Deno ignores a label set later (GPUObjectBase.label's setter is a no-op there).
    const buffer = device.createBuffer({ label: 'activations', size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const w = lib.wrap(buffer);
    await w.read(); // the probe passes: the buffer is alive now
    buffer.destroy();
    expect(() => lib.forward('elu', w)).toThrow(TypeError);
    expect(() => lib.forward('elu', w)).toThrow('forward(elu): x: the wrapped buffer "activations" was destroyed by its owner');
    await expect(w.read()).rejects.toThrow(/read: the wrapped buffer "activations" was destroyed/);
    expect(() => lib.wrap(buffer)).toThrow(/wrap: the wrapped buffer "activations" was destroyed/);
    await new Promise((r) => setTimeout(r, 100));
    expect(uncaptured).toBe(0);
    lib.destroy();
    device.destroy();
  });

  test('a buffer destroyed before it was wrapped: the probe finds out, the first call rejects, later calls throw', async () => {
    const device = await defaultLimitsDevice();
    let uncaptured = 0;
    device.addEventListener('uncapturederror', () => uncaptured++);
    const lib = await createActivations({ device });
    const buffer = callerBuffer(device, new Float32Array(64));
    buffer.destroy();
    const w = lib.wrap(buffer);
    const y = lib.forward('elu', w);
    await expect(y.read()).rejects.toThrow(/wrap: the buffer cannot be used on this device: .*destroyed/);
    expect(() => lib.forward('elu', w)).toThrow(TypeError);
    // Other work is not taken down with it.
    expect(Array.from(await lib.forward('relu', new Float32Array([-1, 2])))).toEqual([0, 2]);
    await new Promise((r) => setTimeout(r, 100));
    expect(uncaptured).toBe(0);
    lib.destroy();
    device.destroy();
  });
});

describe('bad input: a specific error, and nothing touched', () => {
  const values = new Float32Array([1, -2, 3, -4, 5, -6, 7, -8]);

  async function expectUnchanged(buffer: GPUBuffer, want: Float32Array) {
    expect(Array.from(await readBuffer(act.device, buffer))).toEqual(Array.from(want));
  }

  test('a buffer without STORAGE usage is a TypeError', async () => {
    const buffer = callerBuffer(act.device, values, GPUBufferUsage.VERTEX);
    expect(() => act.wrap(buffer)).toThrow(/wrap: the buffer needs GPUBufferUsage.STORAGE/);
    await expectUnchanged(buffer, values);
    buffer.destroy();
  });

  test('a buffer from another device: the first call rejects, later calls throw, both name the cause', async () => {
    const other = await defaultLimitsDevice();
    const foreign = callerBuffer(other, values);
    const out = callerBuffer(act.device, new Float32Array(8).fill(9));
    const w = act.wrap(foreign);
    const y = act.wrap(out);
    const first = act.forward('relu', w, { out: y });
    await expect(first.read()).rejects.toThrow(/wrap: the buffer cannot be used on this device: it belongs to another GPUDevice/);
    expect(() => act.forward('relu', w, { out: y })).toThrow(/belongs to another GPUDevice/);
    await expectUnchanged(out, new Float32Array(8).fill(9));
    expect(Array.from(await readBuffer(other, foreign))).toEqual(Array.from(values));
    other.destroy();
    out.destroy();
  });

  test('a destroyed tensor is an Error naming its use', async () => {
    const t = act.tensor(values);
    const out = act.tensor(new Float32Array(8).fill(9));
    t.destroy();
    expect(() => act.forward('relu', t, { out })).toThrow(/forward\(relu\): x: the tensor \(8 elements\) was destroyed/);
    await expect(t.read()).rejects.toThrow(/read: the tensor \(8 elements\) was destroyed/);
    expect(Array.from(await out.read())).toEqual(new Array(8).fill(9));
    out.destroy();
  });

  test.each([
    [{ offset: 2 }, /offset 2 must be a multiple of 4 in \[0, 32\]/],
    [{ offset: 36 }, /offset 36 must be a multiple of 4 in \[0, 32\]/],
    [{ offset: -4 }, /offset -4 must be a multiple of 4/],
    [{ offset: 8, length: 7 }, /length 7 from byte offset 8 runs past the buffer's 32 bytes/],
    [{ length: 2.5 }, /length 2.5 from byte offset 0 runs past/],
  ])('wrap %o is a RangeError', async (options, message) => {
    const buffer = callerBuffer(act.device, values);
    expect(() => act.wrap(buffer, options)).toThrow(RangeError);
    expect(() => act.wrap(buffer, options)).toThrow(message);
    await expectUnchanged(buffer, values);
    buffer.destroy();
  });

  test('an out of another size, or partly overlapping an input in its buffer, is a RangeError', async () => {
    const buffer = callerBuffer(act.device, values);
    const x = act.wrap(buffer, { length: 4 });
    expect(() => act.forward('relu', x, { out: act.wrap(buffer, { offset: 4, length: 4 }) })).toThrow(RangeError);
    expect(() => act.forward('relu', x, { out: act.wrap(buffer, { offset: 4, length: 4 }) }))
      .toThrow('forward(relu): out (bytes 4–20) partly overlaps an input (bytes 0–16) in the same GPUBuffer');
    expect(() => act.forward('relu', x, { out: act.wrap(buffer, { length: 8 }) })).toThrow(/out has length 8, expected 4/);
    await expectUnchanged(buffer, values);
    buffer.destroy();
  });

  test('parameters of the wrong type are TypeErrors', async () => {
    const t = act.tensor(values);
    expect(() => act.forward('elu', t, { alpha: '2' } as unknown as object)).toThrow(/elu: parameter alpha must be a number, got string 2/);
    expect(() => act.forward('elu', t, 3 as unknown as object)).toThrow(/params must be an object/);
    expect(Array.from(await t.read())).toEqual(Array.from(values));
    t.destroy();
  });

  test('typed arrays other than Float32Array are refused, with how to convert', async () => {
    await expect(act.forward('relu', Float64Array.from(values) as unknown as Float32Array)).rejects.toThrow(/got Float64Array/);
    expect(() => act.tensor([1, 2] as unknown as Float32Array)).toThrow(/convert with Float32Array.from\(\)/);
  });
});

describe('concurrency and ownership', () => {
  test('200 concurrent calls mixing ops, params, sizes and modes each return what the reference says', async () => {
    const params = (name: ElementwiseName) => paramSets(ELEMENTWISE[name]);
    const cases = Array.from({ length: 200 }, (_, i) => {
      const name = NAMES[i % NAMES.length]!;
      const mode = MODES[Math.floor(i / NAMES.length) % 3]!;
      const p = params(name)[i % params(name).length]!;
      const n = [1, 5, 64, 1000, 4097, 33_333][i % 6]!;
      return { name, mode, p, x: mixed(n, i), dy: uniform(n, -3, 3, 1000 + i) };
    });
    const results = await Promise.all(cases.map((c) => call(act, c.name, c.mode, c.x, c.dy, c.p)));
    cases.forEach((c, i) => {
      expect(checkElementwise(c.name, c.mode, c.p, c.x, c.dy, results[i]!).failures).toEqual([]);
    });
  });

  test('10 000 mixed calls leave the live buffers and pipelines where they were', async () => {
    const lib = await createActivations({ device: act.device });
    const x = lib.tensor(mixed(777, 51));
    const dy = lib.tensor(uniform(777, -1, 1, 52));
    const out = lib.tensor(new Float32Array(777));
    // Batches of 1000 calls, read back after each. The first batch is the warm-up: it creates each
    // pipeline variant, bind group and uniform slot, and fills the pool; after it, nothing may grow.
    const batch = async (first: number) => {
      for (let i = first; i < first + 1000; i++) {
        const name = NAMES[i % NAMES.length]!;
        const mode = MODES[i % 3]!;
        // Every batch makes the same number of new outputs (666), so the pool reaches its size in the warm-up.
        if ((i - first) % 3 === 0) callGpu(lib, name, mode, x, dy, { out });
        else callGpu(lib, name, mode, x, dy).destroy();
      }
      await out.read();
    };
    await batch(0);
    const baseline = lib.stats();
    for (let first = 0; first < 10_000; first += 1000) await batch(first);
    expect(lib.stats()).toEqual(baseline);
    lib.destroy();
    expect(lib.stats().liveBuffers).toBe(0);
  });
});

describe('property tests against the float64 reference', () => {
  // A fixed seed, so CI is reproducible; fast-check prints seed and path on failure.
  const SEED = 20261128;
  const f32 = fc.float({ noDefaultInfinity: false, noNaN: false }); // every f32: ±0, subnormals, ±∞, NaN
  const special = fc.constantFrom(0, -0, 1e-40, -1e-40, 88.8, -88.8, 1e4, -1e4, Infinity, -Infinity, NaN);
  const value = fc.oneof({ weight: 4, arbitrary: fc.float({ min: -120, max: 120 }) }, { weight: 2, arbitrary: f32 }, { weight: 1, arbitrary: special });
  // Valid parameters only (subnormals are refused, see params.test.ts).
  const param = (min: number, max: number) =>
    fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true }).filter((v) => v === 0 || Math.abs(v) >= 2 ** -126);
  // Each parameter over the range its table entry gives for property tests.
  const paramsFor = (name: ElementwiseName): fc.Arbitrary<object> =>
    fc.record(Object.fromEntries(Object.entries(ELEMENTWISE[name].params).map(([key, spec]) => [key, param(...spec.fuzz)])));
  const caseArb = fc.constantFrom(...NAMES).chain((name) => fc.record({
    name: fc.constant(name),
    mode: fc.constantFrom(...MODES),
    params: paramsFor(name),
    n: fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 100_000 })),
    seed: fc.integer(),
  }));

  test('random op, mode, params, length 0..10^5 and f32 values stay within the contract', async () => {
    await fc.assert(fc.asyncProperty(caseArb, fc.array(value, { minLength: 1, maxLength: 64 }), async (c, pool) => {
      // Values: the drawn pool spread over n elements, so every length gets special values.
      const r = uniform(2 * c.n, 0, 1, c.seed);
      const x = new Float32Array(c.n).map((_, i) => pool[Math.floor(r[i]! * pool.length)]!);
      const dy = new Float32Array(c.n).map((_, i) => pool[Math.floor(r[c.n + i]! * pool.length)]!);
      const got = await call(act, c.name, c.mode, x, dy, c.params);
      const check = checkElementwise(c.name, c.mode, c.params, x, dy, got);
      expect(check.failures).toEqual([]);
    }), { seed: SEED, numRuns: 120 });
  });

  test('random softmax and logSoftmax shapes, axes, modes and values stay within the contract', async () => {
    const shapeArb = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 })
      .chain((shape) => fc.record({ shape: fc.constant(shape), axis: fc.integer({ min: -shape.length, max: shape.length - 1 }) }));
    const softCase = fc.record({
      name: fc.constantFrom('softmax' as const, 'logSoftmax' as const),
      mode: fc.constantFrom('forward' as const, 'backward' as const),
      layout: shapeArb,
      scale: fc.constantFrom(1, 30, 1e4),
      masked: fc.boolean(), // some entries -∞, as attention masks make them
      seed: fc.integer(),
    });
    await fc.assert(fc.asyncProperty(softCase, async (c) => {
      const n = c.layout.shape.reduce((a, b) => a * b, 1);
      const r = uniform(2 * n, -1, 1, c.seed);
      const x = new Float32Array(n).map((_, i) => (c.masked && r[i]! > 0.8 ? -Infinity : c.scale * r[i]!));
      const dy = r.slice(n, 2 * n);
      const params = { shape: c.layout.shape, axis: c.layout.axis };
      const got = c.mode === 'forward' ? await act.forward(c.name, x, params) : await act.backward(c.name, x, dy, params);
      expect(checkSoftmax(c.name, c.mode, params, x, c.mode === 'forward' ? undefined : dy, got).failures).toEqual([]);
    }), { seed: SEED, numRuns: 60 });
  });
});
