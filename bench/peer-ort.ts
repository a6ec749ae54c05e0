// The ONNX Runtime Web peer: a one-node model per op and shape, on the WebGPU execution provider,
// given the benchmark's own GPUDevice, with GPU-resident input and a preallocated GPU-resident output.
import type { BenchCase } from './cases.js';
import { afterPendingSubmits, type Contender } from './measure.js';
import { singleOpModel, type SingleOpModel } from './onnx-model.js';
import { ort } from './ort-setup.js';

export const ortVersion = ort.env.versions.web ?? 'unknown';

export async function ortContender(
  device: GPUDevice,
  c: BenchCase,
  op: Omit<SingleOpModel, 'shape'>,
  input: GPUBuffer,
  output: GPUBuffer,
): Promise<Contender> {
  const model = singleOpModel({ ...op, shape: c.shape });
  const session = await webgpuSession(device, op.opType, model, { preferredOutputLocation: 'gpu-buffer' });
  const dims = c.shape as number[];
  const x = ort.Tensor.fromGpuBuffer(input, { dataType: 'float32', dims });
  const y = ort.Tensor.fromGpuBuffer(output, { dataType: 'float32', dims });
  const feeds = { x };
  const fetches = { y };
  return {
    async run(k) {
      // One session runs one request at a time.
      for (let i = 0; i < k; i++) await session.run(feeds, fetches);
      await afterPendingSubmits();
    },
    dispose() {
      void session.release();
    },
  };
}

/**
 * f(x) by ORT's WebGPU EP for the accuracy report (`npm run accuracy`): a one-node model of x's
 * length, CPU-resident input and output, and no CPU fallback (an op without a WebGPU kernel throws).
 */
export async function ortForward(device: GPUDevice, op: Omit<SingleOpModel, 'shape'>, x: Float32Array): Promise<Float32Array> {
  const session = await webgpuSession(device, op.opType, singleOpModel({ ...op, shape: [x.length] }));
  try {
    const out = await session.run({ x: new ort.Tensor('float32', x, [x.length]) });
    return Float32Array.from(out.y!.data as Float32Array);
  } finally {
    await session.release();
  }
}

/** A session on ORT's WebGPU EP on `device`, without CPU fallback: a node the EP cannot run fails here. */
function webgpuSession(
  device: GPUDevice, opType: string, model: Uint8Array, options: ort.InferenceSession.SessionOptions = {},
): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    ...options,
    executionProviders: [{ name: 'webgpu', device }],
    graphOptimizationLevel: 'all',
    extra: { session: { disable_cpu_ep_fallback: '1' } },
  }).catch((e: unknown) => {
    if (String(e).includes('fallback to CPU EP has been explicitly disabled')) {
      throw new Error(`${opType} has no kernel in ORT's WebGPU EP: ORT would run it on the CPU`);
    }
    throw e;
  });
}
