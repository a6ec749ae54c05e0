// The API surface on a real device: caller devices and buffers, offsets, in place, ownership, errors.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GpuTensor, createActivations, reference, type Activations } from '../../src/index.js';
import { createActivations as createElementwiseActivations } from '../../src/elementwise.js';
import { checkElementwise, mixed, uniform } from '../../src/numerics/verify.js';
import { callerBuffer, readBuffer } from '../helpers/gpu.js';

let act: Activations;
beforeAll(async () => {
  act = await createActivations();
});
afterAll(() => act?.destroy());



describe('a caller-provided device', () => {
  test('is used, and survives the Activations being destroyed', async () => {
    const adapter = (await navigator.gpu.requestAdapter())!;
    const device = await adapter.requestDevice();
    let lost = false;
    void device.lost.then(() => (lost = true));
    const mine = await createActivations({ device });
    expect(mine.device).toBe(device);
    const x = mixed(1000, 5);
    const got = await mine.forward('tanh', x);
    expect(checkElementwise('tanh', 'forward', {}, x, undefined, got).failures).toEqual([]);
    mine.destroy();
    // The device still works: a buffer round-trips through it.
    const b = callerBuffer(device, new Float32Array([1, 2, 3, 4]));
    expect(Array.from(await readBuffer(device, b))).toEqual([1, 2, 3, 4]);
    expect(lost).toBe(false);
    device.destroy();
  });
});

describe('wrap', () => {
  // Sentinels fill the whole buffer; only [offset, offset + length) may change.
  const SENTINEL = -12345.5;

  test.each([
    ['an offset off 16 bytes (scalar path)', 7 * 4, 301],
    ['a 16-byte aligned offset that is not 256-aligned (vec4 path, offset in the shader)', 20 * 4, 301],
    ['an offset past the first binding alignment', 300 * 4, 1003],
    // One small workgroup (64 threads, one element each) up to 64 scalar or 256 vec4 elements.
    ['the scalar path, a full small workgroup', 7 * 4, 64],
    ['the scalar path, one past a small workgroup', 7 * 4, 65],
    ['the vec4 path, a small workgroup and a tail', 20 * 4, 255],
    ['the vec4 path, one past a small workgroup', 20 * 4, 257],
  ])('with %s, reading and writing the caller buffers in place', async (_, offset, length) => {
    const total = offset / 4 + length + 9;
    const xs = new Float32Array(total).fill(SENTINEL);
    const ys = new Float32Array(total).fill(SENTINEL);
    const values = mixed(length, offset);
    xs.set(values, offset / 4);
    const xBuffer = callerBuffer(act.device, xs);
    const yBuffer = callerBuffer(act.device, ys);
    const x = act.wrap(xBuffer, { offset, length });
    const y = act.wrap(yBuffer, { offset, length });
    expect(act.forward('elu', x, { alpha: 0.5, out: y })).toBe(y);
    const got = await y.read();
    expect(checkElementwise('elu', 'forward', { alpha: 0.5 }, values, undefined, got).failures).toEqual([]);
    const after = await readBuffer(act.device, yBuffer);
    const outside = [...after.subarray(0, offset / 4), ...after.subarray(offset / 4 + length)];
    expect(outside.every((v) => v === SENTINEL)).toBe(true);
    expect(Array.from(await readBuffer(act.device, xBuffer))).toEqual(Array.from(xs)); // input untouched
    x.destroy();
    y.destroy();
    // Destroying a wrapped tensor leaves the caller's buffer alive.
    expect(Array.from(await readBuffer(act.device, xBuffer))).toEqual(Array.from(xs));
    xBuffer.destroy();
    yBuffer.destroy();
  });

  test('the default length is the rest of the buffer', () => {
    const b = callerBuffer(act.device, new Float32Array(10));
    expect(act.wrap(b, { offset: 8 }).length).toBe(8);
    b.destroy();
  });
});

describe('out', () => {
  test('in place overwrites the input, lanes past the tensor untouched', async () => {
    const n = 1003;
    const values = mixed(n, 3);
    const buffer = callerBuffer(act.device, new Float32Array([...values, 777, 778, 779]));
    const t = act.wrap(buffer, { length: n });
    act.forward('sigmoid', t, { out: t });
    const got = await t.read();
    expect(checkElementwise('sigmoid', 'forward', {}, values, undefined, got).failures).toEqual([]);
    expect(Array.from((await readBuffer(act.device, buffer)).subarray(n))).toEqual([777, 778, 779]);
    buffer.destroy();
  });

  test('backward in place of dy', async () => {
    const x = mixed(517, 1);
    const dy = uniform(517, -2, 2, 2);
    const tx = act.tensor(x);
    const tdy = act.tensor(dy);
    act.backward('tanh', tx, tdy, { out: tdy });
    const got = await tdy.read();
    expect(checkElementwise('tanh', 'backward', {}, x, dy, got).failures).toEqual([]);
    expect(Array.from(await tx.read())).toEqual(Array.from(x));
    tx.destroy();
    tdy.destroy();
  });

  test('an out tensor of another length, or overlapping an input elsewhere, is a RangeError and nothing is written', async () => {
    const x = act.tensor(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]));
    const short = act.tensor(new Float32Array([9, 9, 9]));
    expect(() => act.forward('relu', x, { out: short })).toThrow(/out has length 3, expected 8/);
    const buffer = callerBuffer(act.device, new Float32Array(16).fill(5));
    const a = act.wrap(buffer, { offset: 0, length: 8 });
    const b = act.wrap(buffer, { offset: 16, length: 8 });
    expect(() => act.forward('relu', a, { out: b })).toThrow(RangeError);
    expect(Array.from(await short.read())).toEqual([9, 9, 9]);
    expect(Array.from(await readBuffer(act.device, buffer))).toEqual(new Array(16).fill(5));
    buffer.destroy();
  });
});

describe('GPU-resident calls', () => {
  test('chain without reading back, and the inputs stay unchanged', async () => {
    const x = mixed(4099, 11);
    const t = act.tensor(x);
    const a = act.forward('tanh', t);
    const b = act.forward('sigmoid', a);
    const c = act.backward('elu', b, a);
    expect(c).toBeInstanceOf(GpuTensor);
    const got = await c.read();
    const ta = Float32Array.from(reference.forward('tanh', x));
    const tb = await b.read();
    expect(checkElementwise('elu', 'backward', {}, tb, await a.read(), got).failures).toEqual([]);
    expect(checkElementwise('tanh', 'forward', {}, x, undefined, await a.read()).failures).toEqual([]);
    expect(ta.length).toBe(x.length);
    expect(Array.from(await t.read())).toEqual(Array.from(x));
    for (const u of [t, a, b, c]) u.destroy();
  });

  test('Float32Array inputs are not modified', async () => {
    const x = mixed(300, 4);
    const copy = x.slice();
    const dy = uniform(300, -1, 1, 5);
    await act.backward('sigmoid', x, dy);
    expect(Array.from(x)).toEqual(Array.from(copy));
  });

  test('zero-length tensors give empty results', async () => {
    expect((await act.forward('relu', new Float32Array(0))).length).toBe(0);
    const t = act.tensor(new Float32Array(0));
    expect((await act.derivative('tanh', t).read()).length).toBe(0);
  });
});

describe('bad input: a clear error, nothing touched', () => {
  const x = new Float32Array([1, -1]);

  test('an unknown activation is a TypeError listing the valid names', async () => {
    await expect(act.forward('swish' as 'relu', x)).rejects.toThrow(TypeError);
    await expect(act.forward('swish' as 'relu', x)).rejects.toThrow(/unknown activation "swish"; expected one of linear, elu, relu/);
  });

  test('bad parameters are RangeErrors naming the parameter and value', async () => {
    await expect(act.forward('elu', x, { alpha: -1 })).rejects.toThrow(/alpha = -1/);
    await expect(act.forward('linear', x, { m: NaN })).rejects.toThrow(/m = NaN/);
    await expect(act.forward('relu', x, { beta: 1 } as object)).rejects.toThrow(/unknown parameter "beta"/);
  });

  test('dy of another length is a RangeError', async () => {
    await expect(act.backward('tanh', x, new Float32Array(3))).rejects.toThrow(/dy has length 3, expected x's length 2/);
  });

  test('inputs that are neither Float32Array nor GpuTensor are TypeErrors', async () => {
    await expect(act.forward('relu', [1, 2] as unknown as Float32Array)).rejects.toThrow(/x must be a Float32Array, a Float16Array or a GpuTensor, got Array/);
    await expect(act.forward('relu', new Float64Array(2) as unknown as Float32Array)).rejects.toThrow(/got Float64Array/);
  });

  test('bad parameters of the activations of issue 11 (β <= 0, α NaN, an unknown parameter): RangeError, and out keeps its values', async () => {
    const t = act.tensor(new Float32Array([1, -2, 3, -4]));
    const out = act.tensor(new Float32Array([7, 7, 7, 7]));
    const calls: [string, () => unknown, RegExp][] = [
      ['softplus beta 0', () => act.forward('softplus', t, { beta: 0, out }), /softplus: parameter beta = 0 is invalid/],
      ['softplus beta -1', () => act.backward('softplus', t, t, { beta: -1, out }), /beta = -1 is invalid/],
      ['celu alpha NaN', () => act.derivative('celu', t, { alpha: NaN, out }), /celu: parameter alpha = NaN is invalid/],
      ['hardSigmoid alpha NaN', () => act.forward('hardSigmoid', t, { alpha: NaN, out }), /hardSigmoid: parameter alpha = NaN/],
      ['gelu approximate', () => act.forward('gelu', t, { approximate: 'tanh', out } as object), /gelu: unknown parameter "approximate"/],
      ['mish from output', () => act.backward('mish', t, t, { from: 'output', out }), /backward's option "from" is for/],
    ];
    for (const [what, call, message] of calls) {
      expect(call, what).toThrow(RangeError);
      expect(call, what).toThrow(message);
    }
    await expect(act.forward('softplus', new Float32Array(2), { beta: 0 })).rejects.toThrow(RangeError);
    expect(Array.from(await out.read())).toEqual([7, 7, 7, 7]);
    t.destroy();
    out.destroy();
  });

  test('GPU-resident calls throw synchronously, before anything is enqueued', () => {
    const t = act.tensor(x);
    expect(() => act.forward('elu', t, { alpha: 0 })).toThrow(RangeError);
    t.destroy();
  });
});

describe("the 'webgpu-activations/elementwise' entry", () => {
  test('the elementwise ops on the caller\'s device; softmax and logSoftmax a TypeError naming the main entry, out untouched', async () => {
    const lean = await createElementwiseActivations({ device: act.device });
    const x = new Float32Array([-2, -0.5, 0, 3]);
    const y = await lean.forward('gelu', x);
    expect(checkElementwise('gelu', 'forward', {}, x, undefined, y).failures).toEqual([]);
    const t = lean.tensor(x);
    const out = lean.tensor(new Float32Array([7, 7, 7, 7]));
    for (const name of ['softmax', 'logSoftmax'] as const) {
      expect(() => lean.forward(name, t, { out })).toThrow(TypeError);
      expect(() => lean.backward(name, t, t, { out })).toThrow(/is not in the 'webgpu-activations\/elementwise' entry.*import createActivations from 'webgpu-activations'/);
      await expect(lean.forward(name, x)).rejects.toThrow(TypeError);
    }
    expect(Array.from(await out.read())).toEqual([7, 7, 7, 7]);
    t.destroy();
    out.destroy();
    lean.destroy();
  });
});
