// The bandwidth baselines: y = x as copyBufferToBuffer (the driver's memcpy) and as the two trivial
// copy kernels, one vec4 per thread and four vec4s per thread. A case that moves B bytes (read +
// written) is compared with a copy of B / 2 bytes, which also moves B.
import { WORKGROUP_SIZE } from '../src/gpu/kernels.js';
import { afterPendingSubmits, type Contender } from './measure.js';

export type CopyKind = 'memcpy' | 'copyVec4' | 'copyVec4x4';
export const COPY_KINDS: readonly CopyKind[] = ['memcpy', 'copyVec4', 'copyVec4x4'];

function copyKernel(perThread: number): string {
  // Strided like the library's kernel: in each of the thread's steps, neighbouring threads touch
  // neighbouring vec4s. The grid may be 2D; the vec4 index comes from the flattened group id.
  // The workgroup size is the library's: on the software adapter both copies run faster at 256
  // than at 64 threads, so the baseline is not handicapped by a launch shape we tuned away from.
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let first = (wid.y * groups.x + wid.x) * ${WORKGROUP_SIZE * perThread}u + lid;
  let n = arrayLength(&y);
  for (var k = 0u; k < ${perThread}u; k++) {
    let i = first + k * ${WORKGROUP_SIZE}u;
    if (i >= n) { return; }
    y[i] = x[i];
  }
}`;
}

const pipelines = new WeakMap<GPUDevice, Map<number, GPUComputePipeline>>();

function copyPipeline(device: GPUDevice, perThread: number): GPUComputePipeline {
  let byDevice = pipelines.get(device);
  if (!byDevice) pipelines.set(device, (byDevice = new Map()));
  let pipeline = byDevice.get(perThread);
  if (!pipeline) {
    const label = `bench copy ${perThread}×vec4`;
    pipeline = device.createComputePipeline({
      label,
      layout: 'auto',
      compute: { module: device.createShaderModule({ label, code: copyKernel(perThread) }), entryPoint: 'main' },
    });
    byDevice.set(perThread, pipeline);
  }
  return pipeline;
}

/** The three copy baselines for `bytesMoved` bytes read + written, sharing one source and destination. */
export function copyBaselines(device: GPUDevice, bytesMoved: number): Record<CopyKind, Contender> {
  const size = Math.ceil(bytesMoved / 2 / 16) * 16;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const src = device.createBuffer({ label: 'bench copy source', size, usage });
  const dst = device.createBuffer({ label: 'bench copy destination', size, usage });
  const maxPerDimension = device.limits.maxComputeWorkgroupsPerDimension;
  let alive = COPY_KINDS.length; // the buffers go with the last baseline disposed
  const release = () => {
    if (--alive > 0) return;
    src.destroy();
    dst.destroy();
  };

  const kernel = (perThread: number): Contender => {
    const pipeline = copyPipeline(device, perThread);
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: src } }, { binding: 1, resource: { buffer: dst } }],
    });
    const groups = Math.ceil(size / 16 / (WORKGROUP_SIZE * perThread));
    const y = Math.ceil(groups / maxPerDimension);
    const x = Math.ceil(groups / y);
    return {
      async run(k) {
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        for (let i = 0; i < k; i++) pass.dispatchWorkgroups(x, y);
        pass.end();
        device.queue.submit([encoder.finish()]);
        await afterPendingSubmits();
      },
      dispose: release,
    };
  };
  return {
    memcpy: {
      async run(k) {
        const encoder = device.createCommandEncoder();
        for (let i = 0; i < k; i++) encoder.copyBufferToBuffer(src, 0, dst, 0, size);
        device.queue.submit([encoder.finish()]);
        await afterPendingSubmits();
      },
      dispose: release,
    },
    copyVec4: kernel(1),
    copyVec4x4: kernel(4),
  };
}
