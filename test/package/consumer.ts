// The packed tarball's consumer (test/unit/package.test.ts copies it into a fresh project that has
// installed the tarball): one forward, one GPU-resident chain, and the README's fused matmul with a
// wgsl.function in its epilogue. The page reports through window.result.
import { createActivations } from 'webgpu-activations';
import { fusedMatmul } from './fuse.js';

async function run(): Promise<unknown> {
  const act = await createActivations();
  const forward = Array.from(await act.forward('gelu', new Float32Array([-1, 0, 2])));
  const t = act.tensor(new Float32Array([-2, 0.5, 3]));
  const chain = Array.from(await act.forward('sigmoid', act.forward('relu', t)).read());

  // C = silu(A·B + bias) for A = [2] (1 × 1), B = [1, 2, -1, 0.5], bias 0: silu(2·b).
  const device = act.device;
  const storage = (values: number[]) => {
    const buffer = device.createBuffer({ size: values.length * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 0, new Float32Array(values));
    return buffer;
  };
  const shape = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(shape, 0, new Uint32Array([1, 1, 1, 0]));
  const module = device.createShaderModule({ code: fusedMatmul('silu') });
  const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error').map((m) => m.message);
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const buffers = [shape, storage([2]), storage([1, 2, -1, 0.5]), storage([0, 0, 0, 0]), storage([0, 0, 0, 0]), storage([0, 0, 0, 0])];
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) }));
  pass.dispatchWorkgroups(1);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const fused = Array.from(await act.wrap(buffers[5]!).read());
  return { forward, chain, fused, errors };
}

declare global {
  interface Window { result?: unknown }
}
run().then((r) => { window.result = r; }, (e: unknown) => { window.result = { error: String(e) }; });
