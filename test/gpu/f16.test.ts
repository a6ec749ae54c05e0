// f16 tensors: every elementwise activation × mode on all 65 536 f16 bit patterns against the float64
// reference and the f16 contract, wrapped ranges at odd half offsets, and the f16 API and its errors.
// The conversions themselves (shaders/f16.wgsl) are checked on every f16 and around every rounding
// boundary. The sweeps pass f16 through caller buffers (wrap) and read their bits back directly, so they run
// on every stack, Node 20 (no Float16Array) included; the Float16Array API is tested where the engine
// has it, and its absence is a tested TypeError where it does not.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ELEMENTWISE, ELEMENTWISE_NAMES, resolveParams, type ElementwiseName, type Mode, type Source } from '../../src/activations/table.js';
import { createActivations, reference, type Activations, type GpuTensor } from '../../src/index.js';
import { F16_VALUES, f16Bits } from '../../src/numerics/accuracy.js';
import f16Wgsl from '../../shaders/f16.wgsl?raw';
import { f16BitsOfF32, roundToF16Bits } from '../../src/numerics/f16.js';
import { allF16Patterns, checkElementwiseF16, paramSets, randomF16Patterns, randomUint32, uniform } from '../../src/numerics/verify.js';
import { countSubmits } from '../helpers/gpu.js';
import { MODES } from './elementwise-suite.js';

const N = 65536;
const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
const hasFloat16Array = typeof Float16Array === 'function';

let act: Activations;
beforeAll(async () => {
  act = await createActivations();
});
afterAll(() => act?.destroy());

/** A caller's buffer holding `halves` (padded to whole u32s). */
function halfBuffer(halves: Uint16Array, extraBytes = 0): GPUBuffer {
  const bytes = Math.ceil((2 * halves.length) / 4) * 4 + extraBytes;
  const buffer = act.device.createBuffer({ size: Math.max(16, bytes), usage: STORAGE });
  const words = new Uint16Array(Math.ceil(halves.length / 2) * 2);
  words.set(halves);
  act.device.queue.writeBuffer(buffer, 0, words);
  return buffer;
}

/** Every half of `buffer`, read back without the library. */
async function readHalves(buffer: GPUBuffer): Promise<Uint16Array> {
  const staging = act.device.createBuffer({ size: buffer.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = act.device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
  act.device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const halves = new Uint16Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return halves;
}

/** Max f16 ULP per op and mode over all 65 536 inputs, printed at the end for the README. */
const report: string[] = [];
afterAll(() => {
  if (report.length) console.log(`f16: max ULP over all 65 536 f16 inputs (random f16 dy):\n${report.join('\n')}`);
});

describe('the WGSL conversions (shaders/f16.wgsl)', () => {
  /** `fn(src[i])` of each vec4<u32> of `words` (a multiple of 4 long), on the GPU. */
  async function runEach(fn: string, words: Uint32Array<ArrayBuffer>): Promise<Uint32Array> {
    const module = act.device.createShaderModule({
      label: `f16 test: ${fn}`,
      code: `${f16Wgsl}
@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<u32>>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < arrayLength(&dst)) {
    dst[id.x] = ${fn};
  }
}`,
    });
    const pipeline = act.device.createComputePipeline({ label: `f16 test: ${fn}`, layout: 'auto', compute: { module, entryPoint: 'main' } });
    const src = act.device.createBuffer({ size: words.byteLength, usage: STORAGE });
    const dst = act.device.createBuffer({ size: words.byteLength, usage: STORAGE });
    act.device.queue.writeBuffer(src, 0, words);
    const encoder = act.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, act.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: src } }, { binding: 1, resource: { buffer: dst } }],
    }));
    pass.dispatchWorkgroups(Math.ceil(words.length / 4 / 64));
    pass.end();
    act.device.queue.submit([encoder.finish()]);
    const halves = await readHalves(dst);
    for (const b of [src, dst]) b.destroy();
    return new Uint32Array(halves.buffer, halves.byteOffset, words.length);
  }

  test('f16_widen gives the exact f32 of every f16 bit pattern (NaN: quiet, payload kept)', async () => {
    const got = await runEach('bitcast<vec4<u32>>(f16_widen(src[id.x]))', Uint32Array.from(allF16Patterns()));
    const want = new Uint32Array(new Float32Array(F16_VALUES).buffer);
    const wrong: string[] = [];
    for (let h = 0; h < N; h++) {
      const e = (h >> 10) & 0x1f;
      // A NaN widens to the NaN with the same sign and payload, shifted up (the exponent all ones).
      const expected = e === 0x1f && (h & 0x3ff) ? ((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13) : want[h]!;
      if (got[h] !== expected >>> 0 && wrong.length < 5) wrong.push(`${h.toString(16)}: ${got[h]!.toString(16)}`);
    }
    expect(wrong).toEqual([]);
  });

  test('f16_round equals the CPU rounding on every f16, every midpoint, their f32 neighbours, and random f32 bits', async () => {
    const f32 = new Float32Array(1);
    const bits = new Uint32Array(f32.buffer);
    const cases: number[] = [];
    for (let h = 0; h < 0x7c00; h++) {
      // The value, the midpoint to the next f16 (exact in f32: 12 significant bits), two f32 steps either side of both.
      f32[0] = F16_VALUES[h]!;
      const v = bits[0]!;
      f32[0] = (F16_VALUES[h]! + F16_VALUES[h + 1]!) / 2;
      const mid = bits[0]!;
      for (const b of [v, mid]) for (const d of [-2, -1, 0, 1, 2]) if (b + d >= 0) cases.push(b + d, (b + d) | 0x80000000);
    }
    // f32 subnormals, ±∞, NaNs with payloads, and random bits.
    cases.push(1, 0x7fffff, 0x7f800000, 0x7f800001, 0x7fc00000, 0x7fffffff, 0xffc01234);
    const next = randomUint32(7);
    while (cases.length % 4 || cases.length < 400_000) cases.push(next());
    const words = Uint32Array.from(cases);
    const got = await runEach('f16_round(bitcast<vec4<f32>>(src[id.x]))', words);
    const wrong: string[] = [];
    words.forEach((b, i) => {
      bits[0] = b;
      // A NaN's payload does not survive a JavaScript number: the contract's quiet NaN, from the bits.
      const want = (b & 0x7fffffff) > 0x7f800000 ? ((b >>> 16) & 0x8000) | 0x7e00 | ((b >>> 13) & 0x3ff) : f16BitsOfF32(f32[0]!);
      if (got[i] !== want && wrong.length < 5) wrong.push(`${b.toString(16)}: ${got[i]!.toString(16)}, not ${want.toString(16)}`);
    });
    expect(wrong).toEqual([]);
  });
});

describe.each(ELEMENTWISE_NAMES as ElementwiseName[])('%s in f16', (name) => {
  test('every mode on all 65 536 f16 bit patterns, random f16 dy, every parameter set', async () => {
    const x = allF16Patterns();
    // dy is random bits too: huge, subnormal, infinite and NaN upstream gradients as well.
    const dy = randomF16Patterns(N, 5);
    const entry = ELEMENTWISE[name];
    const sets = paramSets(entry);
    // One output buffer per parameter set: each op × mode writes its own range, one readback for all.
    const runs: { params: Record<string, number>; mode: Mode; from: Source }[] = sets.flatMap((params) => [
      ...MODES.map((mode) => ({ params, mode, from: 'input' as const })),
      ...(entry.fromOutput && (entry.fromOutput.requires?.accepts(resolveParams(name, params)) ?? true)
        ? [{ params, mode: 'backward' as const, from: 'output' as const }]
        : []),
    ]);
    const xBuffer = halfBuffer(x);
    const dyBuffer = halfBuffer(dy);
    const out = act.device.createBuffer({ size: 2 * N * runs.length, usage: STORAGE });
    const tx = act.wrap(xBuffer, { dtype: 'f16' });
    const tdy = act.wrap(dyBuffer, { dtype: 'f16' });
    // from: 'output' runs on the f16 outputs forward gave, as a saved output would be.
    const forwardAt = (params: object) => runs.findIndex((r) => r.params === params && r.mode === 'forward');
    runs.forEach((r, k) => {
      const y = act.wrap(out, { dtype: 'f16', offset: 2 * N * k, length: N });
      const options = { ...r.params, out: y };
      if (r.from === 'output') {
        const saved = act.wrap(out, { dtype: 'f16', offset: 2 * N * forwardAt(r.params), length: N });
        act.backward(name, saved, tdy, { ...options, from: 'output' });
      } else if (r.mode === 'backward') act.backward(name, tx, tdy, options);
      else if (r.mode === 'forward') act.forward(name, tx, options);
      else act.derivative(name, tx, options);
    });
    const got = await readHalves(out);
    const failures: string[] = [];
    runs.forEach((r, k) => {
      const inputs = r.from === 'output' ? got.subarray(N * forwardAt(r.params), N * (forwardAt(r.params) + 1)) : x;
      const c = checkElementwiseF16(name, r.mode, r.params, inputs, r.mode === 'backward' ? dy : undefined, got.subarray(N * k, N * (k + 1)), r.from);
      failures.push(...c.failures.map((f) => `${JSON.stringify(r.params)}: ${f}`));
      if (r.params === sets[0]) {
        report.push(`${name.padEnd(12)} ${(r.mode + (r.from === 'output' ? ' (y)' : '')).padEnd(14)} ${c.maxUlps}` +
          (c.worst && c.maxUlps > 0 ? ` (x=${c.worst.x}${c.worst.dy === undefined ? '' : `, dy=${c.worst.dy}`})` : '') +
          (c.worstAbsolute ? `; near a zero crossing ${c.worstAbsolute.fraction.toFixed(3)} of the absolute tolerance` : ''));
      }
    });
    expect(failures).toEqual([]);
    for (const b of [xBuffer, dyBuffer, out]) b.destroy();
  });
});

describe('wrapped f16 ranges', () => {
  // Sentinels outside the range: a write past either end of it would change them.
  const SENTINEL = 0x7bcd;

  /** forward(linear, m = 2) on halves [offset, offset + length) of a sentinel-filled buffer, in place or not. */
  async function runAt(offset: number, length: number, inPlace: boolean, maxBindingSize?: number) {
    const size = offset + length + 5;
    const values = new Uint16Array(size).fill(SENTINEL);
    const x = Uint16Array.from({ length }, (_, i) => f16Bits((i % 61) - 30));
    values.set(x, offset);
    const buffer = halfBuffer(values, 4);
    const a = maxBindingSize ? await createActivations({ device: act.device, maxBindingSize }) : act;
    const t = a.wrap(buffer, { dtype: 'f16', offset: 2 * offset, length });
    if (inPlace) a.forward('linear', t, { m: 2, out: t });
    else {
      // Room for a padded last 16 bytes: with y at a multiple of 8 halves, the aligned (f16vec4) path runs.
      const xBuffer = halfBuffer(x, 16);
      a.forward('linear', a.wrap(xBuffer, { dtype: 'f16', length }), { m: 2, out: t });
    }
    const got = await readHalves(buffer);
    if (a !== act) a.destroy();
    const want = Uint16Array.from(values);
    for (let i = 0; i < length; i++) want[offset + i] = f16Bits(2 * F16_VALUES[x[i]!]!);
    expect(Array.from(got.subarray(0, size)), `offset ${offset} length ${length}${inPlace ? ' in place' : ''}`).toEqual(Array.from(want));
  }

  // Odd and even starts and ends, sizes around the 4-element step and the tail's at most four, and
  // around the aligned path's 8 (halves 0 and 8 start on 16 bytes: f16vec4; the others: f16).
  test.each([0, 1, 2, 3, 8])('starting at half %i: both neighbours untouched, every length, in place or not', async (offset) => {
    for (const length of [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 255, 256, 257, 2049]) {
      await runAt(offset, length, false);
      await runAt(offset, length, true);
    }
  });

  test('chunks past a small binding keep the parity of the first (odd start, odd end)', async () => {
    // 4096-byte bindings: ~1900 halves per chunk, so 10 001 halves are six chunks, each with a head.
    await runAt(3, 10_001, false, 4096);
    await runAt(1, 10_001, true, 4096);
    await runAt(8, 10_001, true, 4096);
  });

  test('the general path (odd half offsets) and the aligned one store the same bits on all 65 536 f16 patterns', async () => {
    // gelu backward: both inputs widened, exp-based math, every kind of result rounded.
    const x = allF16Patterns();
    const dy = randomF16Patterns(N, 11);
    const y = new Uint16Array(N);
    const layouts: [number, Uint16Array][] = [[0, x], [0, dy], [0, y], [1, x], [3, dy], [1, y]];
    const buffers = layouts.map(([offset, halves]) => {
      const padded = new Uint16Array(offset + N);
      padded.set(halves, offset);
      return halfBuffer(padded);
    });
    const [ax, ady, ay, ox, ody, oy] = buffers.map((b, i) => act.wrap(b, { dtype: 'f16', offset: 2 * layouts[i]![0], length: N }));
    act.backward('gelu', ax!, ady!, { out: ay! });
    act.backward('gelu', ox!, ody!, { out: oy! });
    const aligned = await readHalves(buffers[2]!);
    const odd = await readHalves(buffers[5]!);
    expect(odd.subarray(1, N + 1)).toEqual(aligned.subarray(0, N));
    for (const b of buffers) b.destroy();
  });

  test('an input sharing a u32 with the output\'s end (arena layout) is read before it is written around', async () => {
    // y = halves [1, 6), x = halves [6, 11) of one buffer: u32 3 holds y's last half and x's first.
    const values = Uint16Array.from({ length: 12 }, (_, i) => f16Bits(i - 6));
    const buffer = halfBuffer(values);
    const x = act.wrap(buffer, { dtype: 'f16', offset: 12, length: 5 });
    const y = act.wrap(buffer, { dtype: 'f16', offset: 2, length: 5 });
    act.forward('linear', x, { m: -1, out: y });
    const got = await readHalves(buffer);
    const want = Uint16Array.from(values);
    for (let i = 0; i < 5; i++) want[1 + i] = f16Bits(-(6 + i - 6));
    expect(Array.from(got.subarray(0, 12))).toEqual(Array.from(want));
    buffer.destroy();
  });

  test('read() of an f16 range at an odd half offset in a buffer without COPY_SRC (a kernel copies its u32s)', async () => {
    // STORAGE only: read() goes through the bitwise copy kernel, whole u32s from the range's first.
    const values = Uint16Array.from({ length: 12 }, (_, i) => f16Bits(i - 6));
    const buffer = act.device.createBuffer({ size: 24, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    act.device.queue.writeBuffer(buffer, 0, values);
    const t = act.wrap(buffer, { dtype: 'f16', offset: 6, length: 5 });
    if (!hasFloat16Array) {
      await expect(t.read()).rejects.toThrow(/no Float16Array/);
    } else {
      const got = await t.read();
      expect(Array.from(new Uint16Array(got.buffer, got.byteOffset, got.length))).toEqual(Array.from(values.subarray(3, 8)));
    }
    buffer.destroy();
  });

  test('wrap refuses an f16 offset that is not a multiple of 2, and a range whose last u32 is past the buffer', () => {
    const buffer = act.device.createBuffer({ size: 16, usage: STORAGE });
    expect(() => act.wrap(buffer, { dtype: 'f16', offset: 3 })).toThrow('wrap: offset 3 must be a multiple of 2 in [0, 16]');
    expect(() => act.wrap(buffer, { dtype: 'f16', offset: 2, length: 8 })).toThrow(RangeError);
    expect(act.wrap(buffer, { dtype: 'f16', offset: 2, length: 7 }).length).toBe(7);
    expect(act.wrap(buffer, { dtype: 'f16' }).length).toBe(8);
    buffer.destroy();
  });
});

describe('the f16 API', () => {
  test('tensor(Float32Array, { dtype: "f16" }) rounds to nearest even on upload, as the kernels store', async () => {
    // Ties both ways (1 + 2⁻¹¹ down to 1, 1 + 3·2⁻¹¹ up), the largest value below the overflow
    // threshold and the threshold itself, the subnormal ties 2⁻²⁵ (to 0) and 3·2⁻²⁵ (to 2·2⁻²⁴),
    // an f32 subnormal, NaN, −0.
    const values = new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 65520, -1e6, 2 ** -25, 3 * 2 ** -25, 1e-40, NaN, -0]);
    const t = act.tensor(values, { dtype: 'f16' });
    expect(t.dtype).toBe('f16');
    expect(t.length).toBe(values.length);
    const y = act.forward('relu', t);
    expect(y.dtype).toBe('f16');
    const bits = Array.from(roundToF16Bits(values));
    expect(bits).toEqual([0x3c00, 0x3c02, 0x7bff, 0x7c00, 0xfc00, 0x0000, 0x0002, 0x0000, 0x7e00, 0x8000]);
    const relu = Array.from(values, (v) => (Number.isNaN(v) ? NaN : F16_VALUES[f16Bits(Math.max(v, 0))]!));
    if (hasFloat16Array) {
      const read = await t.read();
      expect(read).toBeInstanceOf(Float16Array);
      expect(Array.from(new Uint16Array(read.buffer))).toEqual(bits);
      expect(Array.from(await y.read())).toEqual(relu);
    } else {
      await expect(t.read()).rejects.toThrow(/no Float16Array/);
    }
    t.destroy();
    y.destroy();
  });

  test('forward, derivative and backward on Float16Array give Float16Array, equal to the GPU-resident results', async () => {
    const x = roundToF16Bits(uniform(1001, -8, 8, 3));
    const dy = roundToF16Bits(uniform(1001, -2, 2, 4));
    if (!hasFloat16Array) {
      // The arrays of f16 bits an engine without Float16Array has are refused with the reason.
      await expect(act.forward('tanh', x as unknown as Float32Array)).rejects.toThrow(/no Float16Array/);
      return;
    }
    const fx = new Float16Array(x.buffer);
    const fdy = new Float16Array(dy.buffer);
    const tx = act.tensor(fx);
    const tdy = act.tensor(fdy);
    const results = [await act.forward('tanh', fx), await act.derivative('tanh', fx), await act.backward('tanh', fx, fdy)];
    const resident = [act.forward('tanh', tx), act.derivative('tanh', tx), act.backward('tanh', tx, tdy)];
    for (let k = 0; k < 3; k++) {
      expect(results[k]).toBeInstanceOf(Float16Array);
      expect(Array.from(new Uint16Array(results[k]!.buffer))).toEqual(Array.from(new Uint16Array((await resident[k]!.read()).buffer)));
      resident[k]!.destroy();
    }
    tx.destroy();
    tdy.destroy();
    // The reference takes the f16 inputs at their exact values, in float64.
    expect(Array.from(reference.forward('tanh', fx))).toEqual(Array.from(reference.forward('tanh', Float64Array.from(x, (h) => F16_VALUES[h]!))));
  });

  test('a dtype mix is a TypeError naming both dtypes, and nothing is enqueued', async () => {
    const device = (await createActivations()).device;
    const submits = countSubmits(device);
    const a = await createActivations({ device });
    const h = a.tensor(new Float32Array(8), { dtype: 'f16' });
    const f = a.tensor(new Float32Array(8));
    a.flush();
    const before = submits.count;
    expect(() => a.forward('relu', h, { out: f })).toThrow('forward(relu): out is f32 but x is f16; every operand of a call (x, dy, out) must have one dtype');
    expect(() => a.backward('relu', f, h)).toThrow('backward(relu): dy is f16 but x is f32');
    expect(() => a.forward('softmax', f, { out: h })).toThrow('forward(softmax): out is f16 but x is f32');
    await expect(a.backward('relu', new Float32Array(2), new Uint16Array(2) as unknown as Float32Array)).rejects.toThrow(TypeError);
    if (hasFloat16Array) {
      await expect(a.backward('relu', new Float32Array(2), new Float16Array(2) as unknown as Float32Array)).rejects.toThrow('dy is f16 but x is f32');
    }
    a.flush();
    expect(submits.count).toBe(before);
    a.destroy();
    device.destroy();
  });

  test('an f16 tensor\'s byteLength is 2 per element, and its buffer is half an f32 one\'s', () => {
    const n = 1 << 16;
    const t: GpuTensor<'f16'> = act.tensor(new Float32Array(n), { dtype: 'f16' });
    expect(t.byteLength).toBe(2 * n);
    expect(t.buffer.size).toBe(2 * n);
    t.destroy();
  });
});
