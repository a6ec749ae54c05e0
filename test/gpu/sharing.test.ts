// Sharing a device: library calls are ordered exactly where they were made relative to the caller's
// own GPU work (submit, writeBuffer), other Activations instances and other code on the queue, with
// no await anywhere; recording into the caller's encoder; wraps and their lifetimes; arena layouts;
// read() of buffers without COPY_SRC; the FinalizationRegistry safety net.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requestBestDevice } from '../../src/gpu/device.js';
import { createActivations, reference, type Activations, type ActivationName } from '../../src/index.js';
import { callerBuffer, countSubmits, readBuffer } from '../helpers/gpu.js';
import { uniform } from '../../src/numerics/verify.js';
import { takeUncaptured } from '../setup/uncaptured-errors.js';

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** f32 bits, so that NaN payloads, -0 and subnormals compare exactly. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

// ---------------------------------------------------------------------------------------------
// The user's own kernels for a 2-layer MLP: C = op(A)·op(B) (+ bias), and W -= lr·dW. Written as
// a user would: a uniform buffer per call site, written with queue.writeBuffer before each submit.

const USER_WGSL = `
struct Dims { m: u32, n: u32, k: u32, trans_a: u32, trans_b: u32, bias: u32, lr: f32 }
@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(64)
fn matmul(@builtin(global_invocation_id) id: vec3<u32>) {
  let t = id.x;
  if (t >= d.m * d.n) { return; }
  let i = t / d.n;
  let j = t % d.n;
  var s = 0.0;
  for (var k = 0u; k < d.k; k++) {
    let av = select(a[i * d.k + k], a[k * d.m + i], d.trans_a == 1u);
    let bv = select(b[k * d.n + j], b[j * d.k + k], d.trans_b == 1u);
    s += av * bv;
  }
  c[t] = select(s, s + bias[j], d.bias == 1u);
}

// c -= lr · a, elementwise over m values.
@compute @workgroup_size(64)
fn sgd(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < d.m) { c[id.x] -= d.lr * a[id.x]; }
}
`;

interface Mat { readonly buffer: GPUBuffer; readonly rows: number; readonly cols: number }

class UserKernels {
  private readonly matmulPipeline: GPUComputePipeline;
  private readonly sgdPipeline: GPUComputePipeline;
  private readonly dummy: GPUBuffer;
  readonly created: GPUBuffer[] = [];

  constructor(private readonly device: GPUDevice) {
    const module = device.createShaderModule({ code: USER_WGSL });
    const layout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
        ...[1, 2, 3].map((binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' as const } })),
        { binding: 4, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
      ],
    });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
    this.matmulPipeline = device.createComputePipeline({ layout: pipelineLayout, compute: { module, entryPoint: 'matmul' } });
    this.sgdPipeline = device.createComputePipeline({ layout: pipelineLayout, compute: { module, entryPoint: 'sgd' } });
    this.dummy = this.buffer(new Float32Array(4));
  }

  buffer(values: Float32Array<ArrayBuffer>): GPUBuffer {
    const buffer = callerBuffer(this.device, values);
    this.created.push(buffer);
    return buffer;
  }

  /** C = op(A)·op(B) + bias: one writeBuffer and one submit, like a plain user loop. */
  matmul(a: Mat, b: Mat, c: Mat, options: { transA?: boolean; transB?: boolean; bias?: GPUBuffer } = {}): void {
    const k = options.transA ? a.rows : a.cols;
    this.run(this.matmulPipeline, [c.rows, c.cols, k, options.transA ? 1 : 0, options.transB ? 1 : 0, options.bias ? 1 : 0], 0,
      a.buffer, b.buffer, options.bias ?? this.dummy, c.buffer, c.rows * c.cols);
  }

  /** w -= lr·g over n values. */
  sgd(w: GPUBuffer, g: GPUBuffer, n: number, lr: number): void {
    this.run(this.sgdPipeline, [n, 0, 0, 0, 0, 0], lr, g, this.dummy, this.dummy, w, n);
  }

  private run(pipeline: GPUComputePipeline, dims: number[], lr: number, a: GPUBuffer, b: GPUBuffer, bias: GPUBuffer, c: GPUBuffer, threads: number): void {
    const uniforms = this.device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.created.push(uniforms);
    const data = new ArrayBuffer(32);
    new Uint32Array(data).set(dims);
    new Float32Array(data)[6] = lr;
    this.device.queue.writeBuffer(uniforms, 0, data);
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [uniforms, a, b, bias, c].map((buffer, binding) => ({ binding, resource: { buffer } })),
    }));
    pass.dispatchWorkgroups(Math.ceil(threads / 64));
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  destroy(): void {
    for (const b of this.created) b.destroy();
  }
}

// A small classification problem: B samples of I features, C classes, H hidden units.
const B = 32;
const I = 8;
const H = 16;
const C = 4;
const LR = 0.5;
const STEPS = 4;

type F64 = Float64Array;

/** Float64 loss gradients of the MLP (mean cross-entropy of logSoftmax), for the weights given. */
function float64Gradients(hidden: ActivationName, x: F64, labels: Int32Array, w1: F64, b1: F64, w2: F64, b2: F64) {
  const z1 = new Float64Array(B * H);
  for (let i = 0; i < B; i++) for (let j = 0; j < H; j++) {
    let s = b1[j]!;
    for (let k = 0; k < I; k++) s += x[i * I + k]! * w1[k * H + j]!;
    z1[i * H + j] = s;
  }
  const a1 = reference.forward(hidden, z1);
  const dz2 = new Float64Array(B * C);
  for (let i = 0; i < B; i++) {
    const z2 = Array.from({ length: C }, (_, j) => {
      let s = b2[j]!;
      for (let k = 0; k < H; k++) s += a1[i * H + k]! * w2[k * C + j]!;
      return s;
    });
    const max = Math.max(...z2);
    const sum = z2.reduce((acc, v) => acc + Math.exp(v - max), 0);
    for (let j = 0; j < C; j++) dz2[i * C + j] = (Math.exp(z2[j]! - max) / sum - (labels[i] === j ? 1 : 0)) / B;
  }
  const dw2 = new Float64Array(H * C);
  const db2 = new Float64Array(C);
  const da1 = new Float64Array(B * H);
  for (let i = 0; i < B; i++) for (let j = 0; j < C; j++) {
    db2[j]! += dz2[i * C + j]!;
    for (let k = 0; k < H; k++) {
      dw2[k * C + j]! += a1[i * H + k]! * dz2[i * C + j]!;
      da1[i * H + k]! += dz2[i * C + j]! * w2[k * C + j]!;
    }
  }
  const dz1 = reference.backward(hidden, z1, da1);
  const dw1 = new Float64Array(I * H);
  const db1 = new Float64Array(H);
  for (let i = 0; i < B; i++) for (let j = 0; j < H; j++) {
    db1[j]! += dz1[i * H + j]!;
    for (let k = 0; k < I; k++) dw1[k * H + j]! += x[i * I + k]! * dz1[i * H + j]!;
  }
  return { dw1, db1, dw2, db2 };
}

/** The largest |got − want| over max |want|: the error relative to the gradient's scale. */
function relativeError(got: Float32Array, want: F64): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return err / scale;
}

type Setup = 'the library\'s own device' | 'a caller\'s device' | 'two instances on one device';

/**
 * STEPS SGD steps written as plain synchronous code: the user's matmuls and updates interleave with
 * the library's hidden activation, its backward, logSoftmax and its backward, on wrapped buffers.
 * Before the last update the user copies the weights aside, so that the last step's gradients can
 * be checked against float64 gradients at exactly those weights.
 */
async function trainMlp(setup: Setup, hidden: ActivationName, fromOutput: boolean) {
  let device: GPUDevice;
  let first: Activations;
  let second: Activations;
  if (setup === 'the library\'s own device') {
    first = second = await createActivations();
    device = first.device;
  } else {
    device = await requestBestDevice();
    first = await createActivations({ device });
    second = setup === 'two instances on one device' ? await createActivations({ device }) : first;
  }
  const user = new UserKernels(device);
  const r = uniform(I * H + H * C + B * I, -1, 1, 99);
  const w1 = r.slice(0, I * H);
  const w2 = r.slice(I * H, I * H + H * C);
  const x = r.slice(I * H + H * C);
  const labels = Int32Array.from({ length: B }, (_, i) => (x[i * I]! > 0 ? 1 : 0) + (x[i * I + 1]! > 0 ? 2 : 0));
  // dy of logSoftmax for the mean cross-entropy: −onehot / B.
  const dLogits = new Float32Array(B * C);
  labels.forEach((label, i) => (dLogits[i * C + label] = -1 / B));
  const mat = (values: Float32Array<ArrayBuffer>, rows: number, cols: number): Mat => ({ buffer: user.buffer(values), rows, cols });
  const X = mat(x, B, I);
  const W1 = mat(w1, I, H), B1 = mat(new Float32Array(H), 1, H);
  const W2 = mat(w2, H, C), B2 = mat(new Float32Array(C), 1, C);
  const Z1 = mat(new Float32Array(B * H), B, H), A1 = mat(new Float32Array(B * H), B, H);
  const Z2 = mat(new Float32Array(B * C), B, C), L = mat(new Float32Array(B * C), B, C);
  const DL = mat(dLogits, B, C), DZ2 = mat(new Float32Array(B * C), B, C);
  const DA1 = mat(new Float32Array(B * H), B, H), DZ1 = mat(new Float32Array(B * H), B, H);
  const DW1 = mat(new Float32Array(I * H), I, H), DB1 = mat(new Float32Array(H), 1, H);
  const DW2 = mat(new Float32Array(H * C), H, C), DB2 = mat(new Float32Array(C), 1, C);
  const ones = mat(new Float32Array(B).fill(1), 1, B);
  const snapshot = [W1, B1, W2, B2].map((m) => mat(new Float32Array(m.rows * m.cols), m.rows, m.cols));
  const wrap = (lib: Activations, m: Mat) => lib.wrap(m.buffer);
  const shape = { shape: [B, C] };

  for (let step = 0; step < STEPS; step++) {
    user.matmul(X, W1, Z1, { bias: B1.buffer });
    first.forward(hidden, wrap(first, Z1), { out: wrap(first, A1) });
    user.matmul(A1, W2, Z2, { bias: B2.buffer });
    second.forward('logSoftmax', wrap(second, Z2), { ...shape, out: wrap(second, L) });
    second.backward('logSoftmax', wrap(second, L), wrap(second, DL), { ...shape, from: 'output', out: wrap(second, DZ2) });
    user.matmul(A1, DZ2, DW2, { transA: true });
    user.matmul(ones, DZ2, DB2);
    user.matmul(DZ2, W2, DA1, { transB: true });
    const hiddenIn = fromOutput ? A1 : Z1;
    first.backward(hidden, wrap(first, hiddenIn), wrap(first, DA1), { ...(fromOutput ? { from: 'output' as const } : {}), out: wrap(first, DZ1) });
    user.matmul(X, DZ1, DW1, { transA: true });
    user.matmul(ones, DZ1, DB1);
    if (step === STEPS - 1) {
      const encoder = device.createCommandEncoder();
      [W1, B1, W2, B2].forEach((m, i) => encoder.copyBufferToBuffer(m.buffer, 0, snapshot[i]!.buffer, 0, m.buffer.size));
      device.queue.submit([encoder.finish()]);
    }
    for (const [w, g] of [[W1, DW1], [B1, DB1], [W2, DW2], [B2, DB2]] as const) user.sgd(w.buffer, g.buffer, w.rows * w.cols, LR);
  }

  const read = (m: Mat) => readBuffer(device, m.buffer);
  const [sw1, sb1, sw2, sb2] = await Promise.all(snapshot.map(read));
  const want = float64Gradients(hidden, Float64Array.from(x), labels, Float64Array.from(sw1!), Float64Array.from(sb1!), Float64Array.from(sw2!), Float64Array.from(sb2!));
  const errors = {
    dw1: relativeError(await read(DW1), want.dw1),
    db1: relativeError(await read(DB1), want.db1),
    dw2: relativeError(await read(DW2), want.dw2),
    db2: relativeError(await read(DB2), want.db2),
  };
  user.destroy();
  first.destroy();
  if (second !== first) second.destroy();
  if (setup !== 'the library\'s own device') device.destroy();
  return errors;
}

describe('the MLP step pattern: user kernels and library calls interleaved, no awaits', () => {
  test.each([
    ['the library\'s own device', 'tanh', false],
    ['a caller\'s device', 'tanh', false],
    ['a caller\'s device', 'elu', true],
    ['two instances on one device', 'relu', true],
    ['two instances on one device', 'sigmoid', false],
  ] as const)('%s, hidden %s (from output: %s): gradients after several steps match float64', async (setup, hidden, fromOutput) => {
    const errors = await trainMlp(setup, hidden, fromOutput);
    // f32 matmuls of 8–32 terms: a few ULP of the gradient's scale. Out of order, they were ~8× off.
    for (const [name, err] of Object.entries(errors)) expect(err, name).toBeLessThan(1e-5);
  });
});

let act: Activations;
let device: GPUDevice;
let submits: { readonly count: number };

beforeAll(async () => {
  device = await requestBestDevice();
  submits = countSubmits(device);
  act = await createActivations({ device });
});
afterAll(() => {
  act?.destroy();
  device?.destroy();
});

describe('ordering with the caller\'s queue calls', () => {
  test('a writeBuffer between two library calls is seen by the second and not by the first', async () => {
    const buffer = callerBuffer(device, new Float32Array([-1, 2, -3, 4]));
    const x = act.wrap(buffer);
    const before = act.forward('relu', x);
    device.queue.writeBuffer(buffer, 0, new Float32Array([5, -6, 7, -8]));
    const after = act.forward('relu', x);
    expect(Array.from(await before.read())).toEqual([0, 2, 0, 4]);
    expect(Array.from(await after.read())).toEqual([5, 0, 7, 0]);
    for (const t of [before, after]) t.destroy();
    buffer.destroy();
  });

  test('a caller\'s copy after a library call sees its result; a read() records its copy at the call', async () => {
    const buffer = callerBuffer(device, new Float32Array([1, 2, 3, 4]));
    const target = callerBuffer(device, new Float32Array(4));
    const x = act.wrap(buffer);
    act.forward('linear', x, { m: 10, out: x });
    const read = x.read(); // 10, 20, 30, 40, whatever runs after it
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, target, 0, 16);
    device.queue.submit([encoder.finish()]);
    act.forward('linear', x, { m: -1, out: x });
    expect(Array.from(await read)).toEqual([10, 20, 30, 40]);
    expect(Array.from(await readBuffer(device, target))).toEqual([10, 20, 30, 40]);
    expect(Array.from(await readBuffer(device, buffer))).toEqual([-10, -20, -30, -40]);
    buffer.destroy();
    target.destroy();
  });

  test('two instances chained A → B → A give 30·x', async () => {
    const other = await createActivations({ device });
    const x = new Float32Array([1, -2, 3.5, 0.25, 7]);
    const t = act.tensor(x);
    act.forward('linear', t, { m: 2, out: t });
    other.forward('linear', t, { m: 3, out: t });
    act.forward('linear', t, { m: 5, out: t });
    expect(Array.from(await t.read())).toEqual(Array.from(x, (v) => 30 * v));
    t.destroy();
    other.destroy();
  });

  test('onSubmittedWorkDone waits for library work recorded before it', async () => {
    const buffer = callerBuffer(device, new Float32Array([1, -1]));
    act.forward('relu', act.wrap(buffer), { out: act.wrap(buffer) });
    await device.queue.onSubmittedWorkDone();
    expect(Array.from(await readBuffer(device, buffer))).toEqual([1, 0]);
    buffer.destroy();
  });

  test('a 100-op chain with nothing else on the queue is still one submit; flush() submits at once', async () => {
    const t = act.tensor(new Float32Array(1024).fill(-2));
    await nextTask();
    const start = submits.count;
    for (let i = 0; i < 100; i++) act.forward('leakyRelu', t, { alpha: 0.5, out: t });
    expect(submits.count).toBe(start); // batched until the end of the task
    act.flush();
    expect(submits.count).toBe(start + 1);
    act.flush(); // nothing pending: no empty submit
    expect(submits.count).toBe(start + 1);
    expect((await t.read())[0]).toBe(-2 * 2 ** -100);
    t.destroy();
  });
});

describe('recording into the caller\'s encoder', () => {
  test('elementwise and softmax ops (with temporaries) recorded into an encoder: the library submits none of them', async () => {
    const lib = await createActivations({ device, subgroups: false });
    const n = 3 * 8192; // rows long enough to be cut into blocks, whose partials are a temporary
    const x = uniform(n, -5, 5, 3);
    const dy = uniform(n, -1, 1, 4);
    const tx = lib.tensor(x);
    const tdy = lib.tensor(dy);
    const y = lib.tensor(new Float32Array(n));
    const s = lib.tensor(new Float32Array(n));
    const jacobian = lib.tensor(new Float32Array(2 * 3 * 3));
    const small = lib.tensor(new Float32Array([1, 2, 3, -1, 0, 1]));
    await nextTask();
    const start = submits.count;
    const encoder = device.createCommandEncoder();
    lib.forward('tanh', tx, { out: y, encoder });
    lib.backward('tanh', y, tdy, { from: 'output', out: y, encoder });
    lib.forward('softmax', tx, { shape: [3, 8192], out: s, encoder });
    lib.derivative('softmax', small, { shape: [2, 3], out: jacobian, encoder }); // its probabilities are a temporary
    // Library work made after the recording, before the caller submits, allocates outputs: none of
    // them may be a temporary the encoder still needs (the softmax probabilities, 6 f32s).
    const later = lib.tensor(new Float32Array(6).fill(-1));
    const overwrites = Array.from({ length: 4 }, () => lib.forward('relu', later));
    await nextTask();
    expect(submits.count).toBe(start + 1); // the library's own batch, with the relus
    device.queue.submit([encoder.finish()]);
    expect(submits.count).toBe(start + 2);
    const want = reference.backward('tanh', reference.forward('tanh', x), dy, { from: 'output' });
    const got = await y.read();
    for (let i = 0; i < n; i += 97) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(2 ** -20 * (Math.abs(dy[i]!) + 1e-30));
    const probs = reference.forward('softmax', x, { shape: [3, 8192] });
    const gotProbs = await s.read();
    for (let i = 0; i < n; i += 89) expect(Math.abs(gotProbs[i]! - probs[i]!)).toBeLessThanOrEqual(2 ** -17 * probs[i]!);
    const wantJ = reference.derivative('softmax', new Float32Array([1, 2, 3, -1, 0, 1]), { shape: [2, 3] });
    const gotJ = await jacobian.read();
    for (let i = 0; i < wantJ.length; i++) expect(Math.abs(gotJ[i]! - wantJ[i]!)).toBeLessThan(1e-7);
    for (const t of [tx, tdy, y, s, jacobian, small, later, ...overwrites]) t.destroy();
    lib.destroy();
  });

  test('encoder is only for GpuTensors, and must be a GPUCommandEncoder', async () => {
    const t = act.tensor(new Float32Array(4));
    await expect(act.forward('relu', new Float32Array(4), { encoder: device.createCommandEncoder() } as object)).rejects.toThrow('forward(relu): encoder is only for GpuTensor inputs');
    expect(() => act.forward('relu', t, { encoder: {} as GPUCommandEncoder })).toThrow('forward(relu): encoder must be a GPUCommandEncoder, got Object');
    t.destroy();
  });
});

describe('wraps and their lifetimes', () => {
  test('wrapping the same buffers again on every call costs no extra submit', async () => {
    const a = callerBuffer(device, uniform(256, -4, 4, 5));
    const b = callerBuffer(device, new Float32Array(256));
    // The first wraps' checks have run.
    await act.wrap(a).read();
    await act.wrap(b).read();
    const start = submits.count;
    for (let i = 0; i < 50; i++) act.forward('sigmoid', act.wrap(a), { out: act.wrap(b) });
    await nextTask();
    expect(submits.count).toBe(start + 1);
    a.destroy();
    b.destroy();
  });

  test('destroying a wrapped input right after a call, in the same task, is safe: the call was submitted first', async () => {
    const x = uniform(1000, -3, 3, 6);
    const buffer = callerBuffer(device, x);
    const y = act.forward('elu', act.wrap(buffer));
    buffer.destroy();
    const got = await y.read();
    const want = reference.forward('elu', x);
    for (let i = 0; i < x.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(2 ** -20 * Math.abs(want[i]!) + 1e-38);
    y.destroy();
  });

  test('read() of a caller buffer without COPY_SRC copies it bit for bit through a kernel', async () => {
    const values = new Float32Array([NaN, -0, 1e-40, -1e-40, Infinity, -Infinity, 3.4e38, 1, -2.5]);
    new Uint32Array(values.buffer)[0] = 0x7fc01234; // a NaN payload survives a bitwise copy
    const padded = new Float32Array(values.length + 3);
    padded.set(values, 3);
    const buffer = device.createBuffer({ size: padded.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 0, padded);
    expect(bits(await act.wrap(buffer).read())).toEqual(bits(padded));
    // At an offset that is not a multiple of 16 (the scalar path).
    expect(bits(await act.wrap(buffer, { offset: 12 }).read())).toEqual(bits(values));
    buffer.destroy();
  });

  test('read() without COPY_SRC of a tensor larger than a binding (chunked copy)', async () => {
    const capped = await createActivations({ device, maxBindingSize: 4096 });
    const n = 5000;
    const values = uniform(n, -1, 1, 7);
    const buffer = device.createBuffer({ size: 4 * n + 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 4, values);
    expect(bits(await capped.wrap(buffer, { offset: 4, length: n }).read())).toEqual(bits(values));
    buffer.destroy();
    capped.destroy();
  });
});

describe('arena layouts: out and inputs in one buffer at ranges that do not overlap', () => {
  const ARENA_OPS: readonly [ActivationName, 'forward' | 'derivative' | 'backward'][] = [
    ['relu', 'forward'], ['tanh', 'forward'], ['elu', 'derivative'], ['sigmoid', 'backward'], ['leakyRelu', 'backward'],
  ];

  test.each([
    ['vec4 path: ranges 16-byte aligned', 256, 0, 4096, 8192],
    ['scalar path: odd offsets', 1001, 4, 4100, 12 * 1024 + 8],
    ['out before the inputs', 333, 8192, 4096, 0],
  ])('%s (n = %i)', async (_, n, xAt, dyAt, outAt) => {
    const x = uniform(n, -6, 6, 8);
    const dy = uniform(n, -2, 2, 9);
    for (const [name, mode] of ARENA_OPS) {
      const arena = device.createBuffer({ size: 16 * 1024, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(arena, xAt, x);
      device.queue.writeBuffer(arena, dyAt, dy);
      const tx = act.wrap(arena, { offset: xAt, length: n });
      const tdy = act.wrap(arena, { offset: dyAt, length: n });
      const out = act.wrap(arena, { offset: outAt, length: n });
      if (mode === 'backward') act.backward(name, tx, tdy, { out });
      else act[mode](name, tx, { out });
      // The same op on separate buffers, bit for bit.
      const want = mode === 'backward' ? await act.backward(name, x, dy) : await act[mode](name, x);
      expect(bits(await out.read()), `${mode}(${name})`).toEqual(bits(want));
      // The inputs are untouched.
      expect(bits(await tx.read())).toEqual(bits(x));
      expect(bits(await tdy.read())).toEqual(bits(dy));
      arena.destroy();
    }
  });

  test('in chunks past the binding size, and softmax forward and backward in an arena', async () => {
    const capped = await createActivations({ device, maxBindingSize: 16384 });
    const n = 3000; // 12000 bytes: with its neighbour 12288 bytes on, a 16384-byte binding holds chunks of < 1000
    const at = 3072; // where out starts, in f32s
    const x = uniform(n, -6, 6, 10);
    const arena = device.createBuffer({ size: 4 * 2 * at, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(arena, 0, x);
    const first = () => capped.wrap(arena, { length: n });
    const second = () => capped.wrap(arena, { offset: 4 * at, length: n });
    capped.forward('sigmoid', first(), { out: second() });
    expect(bits(await second().read())).toEqual(bits(await capped.forward('sigmoid', x)));

    const shape = { shape: [30, 100] };
    capped.forward('softmax', first(), { ...shape, out: second() });
    const y = await second().read();
    expect(bits(y)).toEqual(bits(await capped.forward('softmax', x, shape)));
    const dy = uniform(n, -1, 1, 11);
    device.queue.writeBuffer(arena, 0, dy);
    // y in the second range, dy in the first, dx written over dy: in place over one input, in an
    // arena with the other.
    capped.backward('softmax', second(), first(), { ...shape, from: 'output', out: first() });
    expect(bits(await first().read())).toEqual(bits(await capped.backward('softmax', y, dy, { ...shape, from: 'output' })));
    arena.destroy();
    capped.destroy();
  });

  test('ranges further apart than one binding can span are a RangeError, before anything runs', async () => {
    const capped = await createActivations({ device, maxBindingSize: 4096 });
    const arena = callerBuffer(device, new Float32Array(4096));
    const x = capped.wrap(arena, { length: 16 });
    const out = capped.wrap(arena, { offset: 8192, length: 16 });
    expect(() => capped.forward('relu', x, { out })).toThrow(
      'forward(relu): out and an input share a GPUBuffer 8192 bytes apart, more than one storage binding (4096 bytes) can span',
    );
    arena.destroy();
    capped.destroy();
  });
});

describe('the FinalizationRegistry safety net', () => {
  const gc = (globalThis as { gc?: () => void }).gc;

  test('tensors dropped without destroy() are rescued: their buffers go back to the pool, and stats() counts them', async () => {
    expect(gc, 'the GPU test browser runs with --js-flags=--expose-gc').toBeTypeOf('function');
    const lib = await createActivations({ device });
    const x = lib.tensor(new Float32Array(4096).fill(1));
    const drop = () => {
      for (let i = 0; i < 50; i++) lib.forward('relu', x); // outputs never destroyed: a leak
    };
    drop();
    await x.read();
    const leaked = lib.stats().liveBuffers;
    for (let round = 0; round < 20 && lib.stats().rescued < 50; round++) {
      gc!();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(lib.stats().rescued).toBe(50);
    // The rescued buffers are reused: another leaky round creates no new buffer.
    drop();
    await x.read();
    expect(lib.stats().liveBuffers).toBeLessThanOrEqual(leaked);
    x.destroy();
    lib.destroy();
  });

  test('a destroyed tensor is not counted as rescued', async () => {
    const lib = await createActivations({ device });
    (() => {
      for (let i = 0; i < 10; i++) lib.tensor(new Float32Array(16)).destroy();
    })();
    for (let round = 0; round < 5; round++) {
      gc!();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(lib.stats().rescued).toBe(0);
    lib.destroy();
  });
});

test('the suite\'s uncapturederror listener sees errors raised outside any error scope', async () => {
  const bad = device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
  // Chromium reports errors of a device with no GPU work pending only once work is done on it.
  await device.queue.onSubmittedWorkDone();
  const seen: string[] = [];
  for (let waited = 0; seen.length === 0 && waited < 5000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    seen.push(...takeUncaptured());
  }
  // Dawn: "Buffer usages (…) is invalid"; wgpu: "`MAP` usage can only be combined with … BufferUsages(MAP_READ | STORAGE)".
  expect(seen).toEqual([expect.stringMatching(/^GPUValidationError: .*usage.*(is invalid|MAP_READ \| STORAGE)/i)]);
  bad.destroy();
});
