// The smallest reproduction we found of Dawn for Node's crash (webgpu 0.6.2, SwiftShader, Node 20):
// a 4 MiB round trip (upload, one dispatch, copy, readback), then the main thread busy for 100 ms
// (as while checking results on the CPU), repeated. Without --no-opt the second round dies with
// SIGSEGV, "std::system_error: Invalid argument", or glibc's "pthread_mutex_lock: Assertion
// `mutex->__data.__owner == 0' failed"; with --no-opt all 8 rounds finish. It crashes as well
// without the upload (NOWRITE=1) or without reading the mapped range (NOMAP=1); with N=1024, or
// BUSY=0, it does not.
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium node docs/dawn-node-crash.mjs
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
const device = await (await gpu.requestAdapter()).requestDevice();
const n = Number(process.env.N ?? 2 ** 20), BUSY = Number(process.env.BUSY ?? 100);
const module = device.createShaderModule({ code: `
@group(0) @binding(0) var<storage, read_write> v: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.y * 65535u * 64u + g.x; if (i < arrayLength(&v)) { v[i] = v[i] * 2.0; } }` });
const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
for (let round = 0; round < 8; round++) {
  const buf = device.createBuffer({ size: 4 * n, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  if (!process.env.NOWRITE) device.queue.writeBuffer(buf, 0, new Float32Array(n).fill(1));
  const read = device.createBuffer({ size: 4 * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] }));
  pass.dispatchWorkgroups(Math.min(65535, Math.ceil(n / 64)), Math.ceil(n / 64 / 65535));
  pass.end();
  enc.copyBufferToBuffer(buf, 0, read, 0, 4 * n);
  device.queue.submit([enc.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const got = process.env.NOMAP ? [0] : new Float32Array(read.getMappedRange().slice(0));
  read.unmap(); read.destroy(); buf.destroy();
  const end = performance.now() + BUSY;
  while (performance.now() < end); // the main thread busy, as in a CPU-side check of the results
  console.error('round', round, got[got.length - 1]);
}
process.exit(0);
