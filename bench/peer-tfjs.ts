// The TensorFlow.js peer: tfjs-core on tfjs-backend-webgpu, running on the benchmark's own GPUDevice
// so that its work goes on the same queue as ours and the same clock brackets it.
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { BenchCase } from './cases.js';
import type { TfjsCall } from './tfjs-ops.js';
import { afterPendingSubmits, type Contender } from './measure.js';

/**
 * The backend's batching internals (private in its typings): ops are recorded into one command
 * encoder, which is submitted every 15 dispatches or when something is read.
 */
interface BatchingBackend {
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder: GPUCommandEncoder | null;
}

let backend: BatchingBackend | undefined;

/** Makes tfjs use `device`; tfjs would otherwise request a device of its own. */
export async function initTfjs(device: GPUDevice, adapterInfo: GPUAdapterInfo): Promise<void> {
  // Importing the backend registered a factory that requests its own adapter and device.
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapterInfo));
  // Keep every op on the GPU, however small (the default hands small CPU-resident ops to the CPU).
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: setBackend("webgpu") failed');
  backend = tf.backend() as unknown as BatchingBackend;
}

export const tfjsVersion = tf.version_core;

function apply(call: TfjsCall, x: tf.Tensor, scalar: tf.Scalar | undefined): tf.Tensor {
  switch (call.fn) {
    case 'relu': return tf.relu(x);
    case 'sigmoid': return tf.sigmoid(x);
    case 'tanh': return tf.tanh(x);
    case 'elu': return tf.elu(x);
    case 'softmax': return tf.softmax(x);
    case 'logSoftmax': return tf.logSoftmax(x);
    case 'leakyRelu': return tf.leakyRelu(x, call.alpha);
    case 'relu6': return tf.relu6(x);
    case 'selu': return tf.selu(x);
    case 'softplus': return tf.softplus(x);
    case 'logSigmoid': return tf.logSigmoid(x);
    case 'geluErf': return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
    case 'mulScalar': return tf.mul(x, scalar!);
  }
}

/**
 * K tfjs ops on a GPU-resident copy of `input` (the first `elements` f32s of the buffer). Each output
 * is disposed, as an inference loop would; tfjs then recycles its buffer after the next submit.
 */
export function tfjsContender(c: BenchCase, call: TfjsCall, input: GPUBuffer): Contender & { head(count: number): Promise<Float32Array> } {
  if (!backend) throw new Error('tfjs: initTfjs() was not called');
  const b = backend;
  const x = tf.tensor({ buffer: input }, c.shape as number[], 'float32');
  const scalar = call.fn === 'mulScalar' ? tf.scalar(call.scalar) : undefined;
  const flush = () => {
    b.endComputePassEncoder();
    if (b.commandEncoder) b.submitQueue();
  };
  return {
    async run(k) {
      for (let i = 0; i < k; i++) apply(call, x, scalar).dispose();
      flush();
      await afterPendingSubmits();
    },
    async head(count) {
      const y = apply(call, x, scalar);
      try {
        return (await y.data<'float32'>()).subarray(0, count);
      } finally {
        y.dispose();
      }
    },
    dispose() {
      x.dispose();
      scalar?.dispose();
      flush();
    },
  };
}

/** f(x) by tfjs for the accuracy report (`npm run accuracy`): x uploaded by tfjs, the result read back. */
export async function tfjsForward(call: TfjsCall, x: Float32Array): Promise<Float32Array> {
  if (!backend) throw new Error('tfjs: initTfjs() was not called');
  const t = tf.tensor1d(x, 'float32');
  const scalar = call.fn === 'mulScalar' ? tf.scalar(call.scalar) : undefined;
  const y = apply(call, t, scalar);
  try {
    return Float32Array.from(await y.data<'float32'>());
  } finally {
    for (const v of [t, y, scalar]) v?.dispose();
  }
}
