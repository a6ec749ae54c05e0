// The WGSL export (src/wgsl-export.ts) inside kernels the test writes, as a user would: every function
// compiles, computes within the table's contract, fuses into a matmul's epilogue, and keeps to its
// prefix next to user code that declares the same names as the library's helpers.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fusedMatmul } from '../../docs/examples/fuse.js';
import { ELEMENTWISE, ELEMENTWISE_NAMES, type ElementwiseName, type Mode } from '../../src/activations/table.js';
import { wgsl, type WgslEntry, type WgslWidth } from '../../src/index.js';
import { checkElementwise, chosenPairs, paramSets, rng } from '../../src/numerics/verify.js';
import { callerBuffer, readBuffer, testAdapter } from '../helpers/gpu.js';

const MODES: readonly Mode[] = ['forward', 'derivative', 'backward'];
const WIDTHS: readonly WgslWidth[] = [1, 4];
const typeOf = (width: WgslWidth) => (width === 4 ? 'vec4<f32>' : 'f32');

let device: GPUDevice;
beforeAll(async () => {
  device = await (await testAdapter()).requestDevice();
});
afterAll(() => device?.destroy());

/** The module, with its compilation messages and any validation error in the test's failure message. */
async function compile(code: string, label: string): Promise<GPUShaderModule> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code, label });
  const info = await module.getCompilationInfo();
  const error = await device.popErrorScope();
  const errors = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
  expect(errors, label).toEqual([]);
  expect(error?.message, label).toBeUndefined();
  return module;
}

async function pipelineOf(code: string, label: string): Promise<GPUComputePipeline> {
  const module = await compile(code, label);
  device.pushErrorScope('validation');
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' }, label });
  expect((await device.popErrorScope())?.message, label).toBeUndefined();
  return pipeline;
}

/** Runs `main` over `count` invocations with these bindings, in order from 0, and reads back the `read` ones. */
async function dispatch(pipeline: GPUComputePipeline, bindings: readonly GPUBuffer[], count: number, read: readonly GPUBuffer[]): Promise<Float32Array[]> {
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0), entries: bindings.map((buffer, binding) => ({ binding, resource: { buffer } })),
  }));
  pass.dispatchWorkgroups(Math.ceil(count / 64));
  pass.end();
  device.queue.submit([encoder.finish()]);
  return Promise.all(read.map((b) => readBuffer(device, b)));
}

const uniformBuffer = (values: ArrayBuffer) => {
  const buffer = device.createBuffer({ size: Math.max(16, values.byteLength), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, values);
  return buffer;
};

/** f32 values padded with zeros to a multiple of 4 elements, for vec4 arrays. */
const padded = (values: Float32Array) => {
  const out = new Float32Array(Math.ceil(values.length / 4) * 4 || 4);
  out.set(values);
  return out;
};

/** `entry(z[, dy], p0, …)` with the given WGSL expressions for z, dy and the parameters. */
const call = (e: WgslEntry, z: string, dy: string, params: readonly string[]) =>
  `${e.entry}(${[z, ...(e.mode === 'backward' ? [dy] : []), ...params].join(', ')})`;

describe('every export compiles', () => {
  // One module per name × mode × width, each with a probe that calls it: getCompilationInfo with no
  // error for the text exactly as wgsl.function hands it out.
  test.each(ELEMENTWISE_NAMES)('%s, every mode and width', async (name) => {
    for (const mode of MODES) {
      for (const width of WIDTHS) {
        const f = wgsl.function(name, mode, { width });
        const T = typeOf(width);
        const probe = call(f, `${T}(0.5)`, `${T}(1.0)`, f.params.map((p) => String(p.default)));
        await compile(`${f.code}\n@compute @workgroup_size(1) fn main() { _ = ${probe}; }`, `${name} ${mode} width ${width}`);
      }
    }
  });
});

describe('every export within the contract, from one wgsl.functions module per width', () => {
  // Every exported function, with its parameters as a uniform, on the special inputs and the entry's
  // own (× the special dy), at every parameter set the kernels' suite runs: the same contract as the
  // library's kernels, including the functions that make their host constants in WGSL (elu and selu
  // backward) and hardSigmoid's, which takes them from wgsl.args.
  test.each(WIDTHS)('width %i', async (width) => {
    const requests = ELEMENTWISE_NAMES.flatMap((name) => MODES.map((mode) => ({ name, mode, width })));
    const { code, entries } = wgsl.functions(requests);
    const T = typeOf(width);
    const cases = entries.map((e, i) => `    case ${i}u: { y[i] = ${call(e, 'x[i]', 'dy[i]', e.params.map((_, k) => `u.p${k}`))}; }`);
    const pipeline = await pipelineOf(`${code}
struct Case { which: u32, n: u32, p0: f32, p1: f32, p2: f32 }
@group(0) @binding(0) var<uniform> u: Case;
@group(0) @binding(1) var<storage, read> x: array<${T}>;
@group(0) @binding(2) var<storage, read> dy: array<${T}>;
@group(0) @binding(3) var<storage, read_write> y: array<${T}>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= u.n) { return; }
  switch u.which {
${cases.join('\n')}
    default: {}
  }
}`, `all exports, width ${width}`);
    for (const name of ELEMENTWISE_NAMES) {
      const { x, dy } = chosenPairs(ELEMENTWISE[name].inputs);
      const bx = callerBuffer(device, padded(x));
      const bdy = callerBuffer(device, padded(dy));
      const by = callerBuffer(device, padded(new Float32Array(x.length)));
      for (const mode of MODES) {
        const which = entries.findIndex((e) => e.name === name && e.mode === mode);
        for (const params of paramSets(ELEMENTWISE[name])) {
          const u = new DataView(new ArrayBuffer(32));
          u.setUint32(0, which, true);
          u.setUint32(4, width === 4 ? Math.ceil(x.length / 4) : x.length, true);
          wgsl.args(name, mode, params).forEach((v, k) => u.setFloat32(8 + 4 * k, v, true));
          const [y] = await dispatch(pipeline, [uniformBuffer(u.buffer), bx, bdy, by], x.length, [by]);
          const r = checkElementwise(name, mode, params, x, dy, y!.subarray(0, x.length));
          expect(r.failures, `${name} ${mode} ${JSON.stringify(params)} width ${width}`).toEqual([]);
        }
      }
      for (const b of [bx, bdy, by]) b.destroy();
    }
  });
});

describe('a matmul epilogue: C = f(A·B + bias), the function in the store (docs/examples/fuse.ts)', () => {
  // m × k times k × n, n = 12: bias column j sets where row sums land, so the epilogue sees each
  // activation's tails, kinks and ±∞/NaN: −30 and 90 (far tails: gelu and mish underflow, softplus is
  // z), −12 (the exp tails keep their relative accuracy), −3 and 0.5 (hardSigmoid's kinks and
  // slope), −0.75 (gelu' and quickGelu' cross zero nearby), 0 (the kink of relu and elu), 6 (relu6's
  // kink), −∞, +∞ and NaN (propagated through A·B + bias), 1e-3 (near 0).
  const bias = new Float32Array([-30, -12, -3, -0.75, 0, 0.5, 6, 90, -Infinity, Infinity, NaN, 1e-3]);
  const m = 7;
  const k = 19; // not a multiple of 4: the loop's length is the uniform's, not the vector's
  const n = bias.length;
  const random = rng(14);
  // Entries in [−0.5, 0.5]: a row sum moves z by up to a few units around its bias.
  const a = Float32Array.from({ length: m * k }, () => random() - 0.5);
  const b = Float32Array.from({ length: k * n }, () => random() - 0.5);

  /** A·B + bias in float64 on the f32 inputs, and the bound of an f32 sum of k + 1 products in any order. */
  function reference(i: number, j: number): { z: number; bound: number } {
    let z = bias[j]!;
    let magnitude = Math.abs(z);
    for (let q = 0; q < k; q++) {
      z += a[i * k + q]! * b[q * n + j]!;
      magnitude += Math.abs(a[i * k + q]! * b[q * n + j]!);
    }
    // Each of the k products and k additions rounds once (or fuses, which only removes roundings).
    return { z, bound: 2 * (k + 1) * 2 ** -24 * magnitude + 2 ** -126 };
  }

  const cases: { name: ElementwiseName; params: Record<string, number> }[] = [
    { name: 'gelu', params: {} },
    { name: 'geluTanh', params: {} },
    { name: 'silu', params: {} },
    { name: 'mish', params: {} },
    { name: 'tanh', params: {} },
    { name: 'elu', params: { alpha: 0.5 } }, // a non-default α reaches the exported function as a literal
    { name: 'leakyRelu', params: { alpha: 0.1 } },
    { name: 'softplus', params: { beta: 2 } },
    { name: 'hardSigmoid', params: { alpha: 0.2, beta: 0.5 } }, // ONNX's
    { name: 'relu6', params: {} },
  ];

  test.each(WIDTHS)('width %i', async (width) => {
    const shape = uniformBuffer(new Uint32Array([m, k, n / width, 0]).buffer);
    const inputs = [callerBuffer(device, a), callerBuffer(device, b), callerBuffer(device, bias)];
    for (const { name, params } of cases) {
      const z = callerBuffer(device, new Float32Array(m * n));
      const c = callerBuffer(device, new Float32Array(m * n));
      const pipeline = await pipelineOf(fusedMatmul(name, params, width), `fused ${name}, width ${width}`);
      const [gotZ, gotC] = await dispatch(pipeline, [shape, ...inputs, z, c], (m * n) / width, [z, c]);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const { z: exact, bound } = reference(i, j);
          const zij = gotZ![i * n + j]!;
          if (Number.isFinite(exact)) expect(Math.abs(zij - exact), `z[${i}][${j}]`).toBeLessThanOrEqual(bound);
          else expect(Object.is(zij, exact) || (Number.isNaN(exact) && Number.isNaN(zij)), `z[${i}][${j}] = ${zij}`).toBe(true);
        }
      }
      // The activation's bound, at its input as the GPU computed it.
      const r = checkElementwise(name, 'forward', params, gotZ!, undefined, gotC!);
      expect(r.failures, `${name} width ${width}`).toEqual([]);
      z.destroy();
      c.destroy();
    }
    for (const buffer of [shape, ...inputs]) buffer.destroy();
  });
});

describe('collisions', () => {
  // The user's module declares exp_parts, is_nan and pow2 (helpers of the export) and a Params struct
  // (the library's kernels' uniform), with other meanings: with the export's prefix both sets live in
  // one module, and each call reaches its own.
  const user = `
struct Params { scale: f32 }
fn exp_parts(v: f32) -> f32 { return 2.0 * v; }
fn is_nan(v: f32) -> bool { return false; }
fn pow2(v: f32) -> f32 { return v * v; }`;
  const requests = [
    { name: 'gelu', mode: 'forward', width: 1 }, { name: 'softplus', mode: 'backward', width: 1 }, { name: 'elu', mode: 'backward', width: 1 },
  ] as const;

  async function run(withUser: boolean): Promise<{ y: Float32Array[]; mine: Float32Array }> {
    const { code, entries } = wgsl.functions(requests);
    const x = new Float32Array([-20, -3, -0.5, -0, 0.25, 4, Infinity, NaN]);
    const dy = new Float32Array([1, -2, 3e30, 1, 0.5, -1, 1, 1]);
    const outputs = entries.map(() => callerBuffer(device, new Float32Array(x.length)));
    const mine = callerBuffer(device, new Float32Array(x.length));
    const stores = entries.map((e, i) => `  y${i}[i] = ${call(e, 'x[i]', 'dy[i]', e.params.map((p) => String(p.default)))};`);
    const pipeline = await pipelineOf(`${withUser ? user : ''}
${code}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> mine: array<f32>;
${entries.map((_, i) => `@group(0) @binding(${i + 3}) var<storage, read_write> y${i}: array<f32>;`).join('\n')}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= ${x.length}u) { return; }
${stores.join('\n')}
  mine[i] = ${withUser ? 'exp_parts(pow2(x[i])) * Params(1.0).scale + select(0.0, 1.0, is_nan(x[i]))' : '0.0'};
}`, `collisions, user code ${withUser}`);
    const inputs = [callerBuffer(device, x), callerBuffer(device, dy)];
    const [m, ...y] = await dispatch(pipeline, [...inputs, mine, ...outputs], x.length, [mine, ...outputs]);
    for (const buffer of [...inputs, mine, ...outputs]) buffer.destroy();
    for (const [i, r] of requests.entries()) {
      const check = checkElementwise(r.name, r.mode, {}, x, dy, y[i]!);
      expect(check.failures, `${r.name} ${r.mode}, user code ${withUser}`).toEqual([]);
    }
    return { y, mine: m! };
  }

  test('the export next to user code that declares exp_parts, is_nan, pow2 and Params compiles and gives the same bits', async () => {
    const alone = await run(false);
    const together = await run(true);
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    expect(together.y.map(bits)).toEqual(alone.y.map(bits));
    // The user's own functions ran: 2·x² (NaN stays NaN; the user's is_nan is false).
    const x = [-20, -3, -0.5, -0, 0.25, 4, Infinity];
    expect(Array.from(together.mine.subarray(0, x.length))).toEqual(x.map((v) => Math.fround(2 * v * v)));
  });
});
