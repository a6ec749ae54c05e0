// Native-GPU figures for machines without a browser: the built library (dist/index.js) outside the
// browser, timed with timestamp queries on every compute pass. On Node it uses Dawn for Node (the npm
// package `webgpu`); where the runtime has navigator.gpu (Deno), that.
//
//   npm run bench -- --runtime node|deno [--quick]   builds dist/ and runs this on that stack (scripts/stacks.mjs)
//   npm run build && node --no-opt bench/native.mjs   on a machine with a GPU (Vulkan) and the webgpu package
//                                                     (--no-opt: see docs/dawn-node-crash.mjs)
//
// It checks every op and mode against the accuracy contract on this GPU, then times our kernels and
// the copy baselines (the peers need a browser): every elementwise op and mode, in f32 and in f16, and
// softmax and logSoftmax (forward, backward from the input and from the saved output) on three row
// lengths. Prints max ULP, GB/s, the ratio to the best trivial copy kernel moving the same bytes, and
// for f16 the ratio of elements per second to our f32; writes $RESULTS (else $OUT/native.json) when set.
// Environment: SIZES (log2, comma-separated; default 22,24,26), SAMPLES (7), K (20 dispatches per sample).
import { writeFileSync } from 'node:fs';

let gpu = globalThis.navigator?.gpu;
if (!gpu) {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  gpu = create(['disable-dawn-features=timestamp_quantization']);
}
const { createActivations, accuracy, ELEMENTWISE } = await import(process.env.ACTIVATIONS_DIST ?? '../dist/index.js');

const act = await createActivations({ gpu });
const { device } = act;
const adapterInfo = device.adapterInfo ?? {};
if (!device.features.has('timestamp-query')) throw new Error('this benchmark needs timestamp-query');
const info = { vendor: adapterInfo.vendor, architecture: adapterInfo.architecture, device: adapterInfo.device, description: adapterInfo.description };
console.error(`adapter: ${JSON.stringify(info)}`);

// Every compute pass gets begin/end timestamps; a sample's GPU time is the sum over its passes.
const MAX_PASSES = 2048; // query sets hold at most 4096 queries
const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * MAX_PASSES });
const resolveBuf = device.createBuffer({ size: 16 * MAX_PASSES, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
const readBuf = device.createBuffer({ size: 16 * MAX_PASSES, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
let passes = 0;
const createEncoder = device.createCommandEncoder.bind(device);
device.createCommandEncoder = (descriptor) => {
  const encoder = createEncoder(descriptor);
  const begin = encoder.beginComputePass.bind(encoder);
  encoder.beginComputePass = (desc = {}) => {
    if (passes >= MAX_PASSES) throw new Error('too many passes in one sample');
    const i = passes++;
    return begin({ ...desc, timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
  };
  return encoder;
};

async function gpuSeconds(run) {
  passes = 0;
  run();
  await Promise.resolve(); // let the library submit its batch
  const n = passes;
  const encoder = createEncoder();
  encoder.resolveQuerySet(querySet, 0, 2 * n, resolveBuf, 0);
  encoder.copyBufferToBuffer(resolveBuf, 0, readBuf, 0, 16 * n);
  device.queue.submit([encoder.finish()]);
  await readBuf.mapAsync(GPUMapMode.READ);
  const t = new BigInt64Array(readBuf.getMappedRange().slice(0, 16 * n));
  readBuf.unmap();
  let ns = 0n;
  for (let i = 0; i < n; i++) ns += t[2 * i + 1] - t[2 * i];
  return Number(ns) * 1e-9;
}

function copyKernel(vec4PerThread) {
  const code = `
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> y: array<vec4<f32>>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) g: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let first = (wid.y * g.x + wid.x) * 256u * ${vec4PerThread}u + lid;
  for (var k = 0u; k < ${vec4PerThread}u; k++) {
    let i = first + k * 256u;
    if (i < arrayLength(&y)) { y[i] = x[i]; }
  }
}`;
  return device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
}

function runCopy(pipeline, vec4PerThread, x, y, n) {
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [
    { binding: 0, resource: { buffer: x } }, { binding: 1, resource: { buffer: y } }] });
  const groups = Math.ceil(n / 4 / 256 / vec4PerThread);
  const gy = Math.ceil(groups / 65535);
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(groups / gy), gy);
  pass.end();
  device.queue.submit([encoder.finish()]);
}

// Accuracy on this GPU first: every op and mode on the chosen special inputs (crossed with special
// dy values) and a dense sweep over [-100, 100], checked against the float64 reference and contract.
const SPECIAL_X = [0, -0, 1e-40, -1e-40, 1e-30, -1e-30, 1e-4, -1e-4, 0.25, -0.25, 0.4999, -0.4999, 0.5, -0.5,
  0.5001, -0.5001, 1, -1, 9, -9, 16, -16, 20, -20, 43.7, -43.7, 44, -44, 44.3, -44.3, 50, -50, 87.3, -87.3,
  88, -88, 88.8, -88.8, 89, -89, 100, -100, 104, -104, 1e4, -1e4, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];
const SPECIAL_DY = [1, -1, 0, -0, 0.7, -3.25, 1e30, -1e30, 1e-30, 1e-40, 3.4e38, Infinity, -Infinity, NaN];
const accuracyRows = [];
{
  const pairs = SPECIAL_X.flatMap((x) => SPECIAL_DY.map((dy) => [x, dy]));
  const dense = 2 ** 20 + 1;
  const x = new Float32Array(pairs.length + dense);
  const dy = new Float32Array(x.length);
  pairs.forEach(([a, b], i) => { x[i] = a; dy[i] = b; });
  for (let i = 0; i < dense; i++) {
    x[pairs.length + i] = -100 + (200 * i) / (dense - 1);
    dy[pairs.length + i] = ((i * 7919) % 1000) / 125 - 4;
  }
  for (const [name, act_] of Object.entries(ELEMENTWISE)) {
    for (const mode of ['forward', 'derivative', 'backward']) {
      const got = mode === 'backward' ? await act.backward(name, x, dy) : await act[mode](name, x);
      const p = Object.fromEntries(Object.entries(act_.params).map(([k, v]) => [k, Math.fround(v.default)]));
      const f = mode === 'forward' ? (z) => act_.forward(z, p) : (z, g = 1) => g * act_.derivative(z, p);
      // Near a zero crossing of f or f' the table's absolute bound applies as well (times |dy| for backward).
      const absolute = mode === 'forward' ? act_.absoluteBound?.forward : act_.absoluteBound?.derivative;
      const withinAbsolute = (i, exact) => absolute !== undefined && Number.isFinite(got[i]) &&
        Math.abs(got[i] - exact) <= absolute(x[i], p) * (mode === 'backward' ? Math.abs(dy[i]) : 1) + 2 ** -126;
      let maxUlps = 0;
      let failures = 0;
      for (let i = 0; i < x.length; i++) {
        const inputs = mode === 'backward' ? [x[i], dy[i]] : [x[i]];
        const exact = f(...inputs);
        const byUlps = accuracy.acceptFlushed(inputs, f, (z) => act_.ulpBound(z, p, mode)).contains(got[i]);
        if (!byUlps && !withinAbsolute(i, exact)) failures++;
        if (i >= pairs.length && byUlps) maxUlps = Math.max(maxUlps, accuracy.measuredUlps(got[i], exact));
      }
      accuracyRows.push({ name, mode, maxUlpsDense: maxUlps, failures, checked: x.length });
      console.log(`accuracy ${name.padEnd(9)} ${mode.padEnd(10)} max ${maxUlps} ULP on the dense sweep, ${failures} of ${x.length} outside the contract`);
    }
  }
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const SAMPLES = Number(process.env.SAMPLES ?? 7);
const K = Number(process.env.K ?? 20);
const SIZES = (process.env.SIZES ?? '22,24,26').split(',').map((e) => 2 ** Number(e));
const copies = [[1, copyKernel(1)], [4, copyKernel(4)]];
const ops = Object.keys(ELEMENTWISE).flatMap((name) =>
  ['forward', 'derivative', 'backward'].map((mode) => ({ name, mode })));
// Softmax and logSoftmax over the last axis of n elements, from many short rows to a few long ones:
// forward (read x, write y), backward from x and from the saved output (read two, write one).
const softmaxShapes = (n) => [[n / 64, 64], [n / 1024, 1024], [n / 65536, 65536]];
const SOFTMAX_MODES = ['forward', 'backward', 'backward from output'];
const rows = [];
const gbps = (bytes, t) => bytes / t / 1e9;

// x, dy and y of n elements in `dtype` (f16: rounded to f16 on upload).
const tensorsOf = (n, dtype) => [
  new Float32Array(n).map((_, i) => ((i % 2001) - 1000) / 50), new Float32Array(n).fill(0.5), new Float32Array(n),
].map((v) => act.tensor(v, { dtype }));

// Per-dispatch times of the copy kernels (over copyN f32s of x's and y's buffers: the same bytes as
// the ops move) and of every elementwise op and mode, SAMPLES each after a warm-up sample. Copies and
// ops alternate within each sample, so that drift cancels in the ratios.
async function timeElementwise(x, dy, y, copyN) {
  const copyTimes = copies.map(() => []);
  const opTimes = ops.map(() => []);
  for (let s = 0; s <= SAMPLES; s++) {
    for (const [c, [per, pipeline]] of copies.entries()) {
      const t = await gpuSeconds(() => { for (let k = 0; k < K; k++) runCopy(pipeline, per, x.buffer, y.buffer, copyN); });
      if (s > 0) copyTimes[c].push(t / K);
    }
    for (const [o, { name, mode }] of ops.entries()) {
      const t = await gpuSeconds(() => {
        for (let k = 0; k < K; k++) {
          if (mode === 'backward') act.backward(name, x, dy, { out: y });
          else act[mode](name, x, { out: y });
        }
      });
      if (s > 0) opTimes[o].push(t / K);
    }
  }
  return { copyTimes, opTimes };
}
for (const n of SIZES) {
  const [x, dy, y] = tensorsOf(n, 'f32');
  const { copyTimes, opTimes } = await timeElementwise(x, dy, y, n);
  const softmaxOps = softmaxShapes(n).flatMap((shape) =>
    ['softmax', 'logSoftmax'].flatMap((name) => SOFTMAX_MODES.map((mode) => ({ name, mode, shape }))));
  const softmaxTimes = softmaxOps.map(() => []);
  for (let s = 0; s <= SAMPLES; s++) {
    for (const [o, { name, mode, shape }] of softmaxOps.entries()) {
      const t = await gpuSeconds(() => {
        for (let k = 0; k < K; k++) {
          if (mode === 'forward') act.forward(name, x, { shape, out: y });
          else act.backward(name, x, dy, { shape, out: y, from: mode === 'backward' ? 'input' : 'output' });
        }
      });
      if (s > 0) softmaxTimes[o].push(t / K);
    }
  }
  // f16: the same elementwise ops on f16 tensors (x and dy rounded to f16 on upload), against the
  // copy kernel moving the same bytes (the f16 buffers' 2n bytes as n/2 f32s), and against our f32 time.
  const [x16, dy16, y16] = tensorsOf(n, 'f16');
  const { copyTimes: copy16Times, opTimes: op16Times } = await timeElementwise(x16, dy16, y16, n / 2);
  const copyBest = Math.min(...copyTimes.map(median));
  console.error(`n = 2^${Math.log2(n)}: copy kernel ${copyTimes.map((t) => gbps(8 * n, median(t)).toFixed(0)).join(' / ')} GB/s (1 / 4 vec4 per thread)`);
  rows.push({ n, name: 'copy-kernel', mode: 'best', ms: copyBest * 1e3, gbps: gbps(8 * n, copyBest), ratioToCopy: 1 });
  for (const [o, { name, mode }] of ops.entries()) {
    const bytes = (mode === 'backward' ? 12 : 8) * n;
    const t = median(opTimes[o]);
    const row = { n, name, mode, ms: t * 1e3, gbps: gbps(bytes, t), ratioToCopy: gbps(bytes, t) / gbps(8 * n, copyBest) };
    rows.push(row);
    console.log(`2^${Math.log2(n)} ${name.padEnd(9)} ${mode.padEnd(10)} ${row.ms.toFixed(4).padStart(9)} ms ${row.gbps.toFixed(0).padStart(6)} GB/s  ${row.ratioToCopy.toFixed(2)} x copy`);
  }
  for (const [o, { name, mode, shape }] of softmaxOps.entries()) {
    const bytes = (mode === 'forward' ? 8 : 12) * n;
    const t = median(softmaxTimes[o]);
    const row = { n, name, mode, shape, ms: t * 1e3, gbps: gbps(bytes, t), ratioToCopy: gbps(bytes, t) / gbps(8 * n, copyBest) };
    rows.push(row);
    console.log(`2^${Math.log2(n)} ${name.padEnd(10)} ${mode.padEnd(20)} [${shape.join(',')}] ${row.ms.toFixed(4).padStart(9)} ms ${row.gbps.toFixed(0).padStart(6)} GB/s  ${row.ratioToCopy.toFixed(2)} x copy`);
  }
  const copy16Best = Math.min(...copy16Times.map(median));
  for (const [o, { name, mode }] of ops.entries()) {
    const bytes = (mode === 'backward' ? 6 : 4) * n;
    const t = median(op16Times[o]);
    const row = {
      n, name, mode, dtype: 'f16', ms: t * 1e3, gbps: gbps(bytes, t), ratioToCopy: gbps(bytes, t) / gbps(4 * n, copy16Best),
      perF32: median(opTimes[o]) / t,
    };
    rows.push(row);
    console.log(`2^${Math.log2(n)} ${name.padEnd(9)} ${mode.padEnd(10)} f16 ${row.ms.toFixed(4).padStart(9)} ms ${row.gbps.toFixed(0).padStart(6)} GB/s  ${row.ratioToCopy.toFixed(2)} x copy  ${row.perF32.toFixed(2)} x our f32 elements/s`);
  }
  for (const t of [x, dy, y, x16, dy16, y16]) t.destroy();
}
const result = { adapter: info, date: new Date().toISOString(), samples: SAMPLES, dispatchesPerSample: K, accuracy: accuracyRows, rows };
const outFile = process.env.RESULTS ?? (process.env.OUT && `${process.env.OUT}/native.json`);
if (outFile) writeFileSync(outFile, JSON.stringify(result, null, 2));
act.destroy();
process.exit(0);
