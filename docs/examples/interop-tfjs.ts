import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { createActivations, type Activations } from 'webgpu-activations';

/** The library on tfjs's own GPUDevice (tfjs's 'webgpu' backend active): one queue, so no fences. */
export function activationsOnTfjsDevice(): Promise<Activations> {
  return createActivations({ device: (tf.backend() as WebGPUBackend).device });
}

/**
 * gelu of a tfjs tensor, returned as a tfjs tensor; the values never leave the GPU. Call `release()`
 * once tfjs is done with `y`: it disposes `y`, then frees our buffer under it.
 */
export function geluOfTfjs(act: Activations, x: tf.Tensor): { y: tf.Tensor; release(): void } {
  const data = x.dataToGPU();               // a GPU copy of x's values, owned by data.tensorRef
  const out = act.forward('gelu', act.wrap(data.buffer!, { length: x.size }));
  data.tensorRef.dispose();                 // safe at once: our read is ordered before tfjs's next use of it
  const y = tf.tensor({ buffer: out.buffer, zeroCopy: true }, x.shape, 'float32'); // tfjs binds our buffer
  return { y, release: () => { y.dispose(); out.destroy(); } };
}
