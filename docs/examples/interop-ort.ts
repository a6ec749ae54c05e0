import * as ort from 'onnxruntime-web/webgpu';
import type { Activations } from 'webgpu-activations';

/** An ONNX Runtime session on the library's GPUDevice, its outputs left on the GPU. */
export function sessionOnDevice(act: Activations, model: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: [{ name: 'webgpu', device: act.device }],
    preferredOutputLocation: 'gpu-buffer',
  });
}

/**
 * first's output `y` → our softmax over its last axis → second's input `x`, all on the GPU. The
 * result is second's `y`, a GPU tensor: read it with `await y.getData()`, then `y.dispose()`.
 */
export async function softmaxBetween(act: Activations, first: ort.InferenceSession, second: ort.InferenceSession, x: ort.Tensor): Promise<ort.Tensor> {
  const { y } = await first.run({ x });      // y.location === 'gpu-buffer': ORT owns y.gpuBuffer
  const p = act.forward('softmax', act.wrap(y!.gpuBuffer, { length: y!.size }), { shape: [...y!.dims] });
  const input = ort.Tensor.fromGpuBuffer(p.buffer, { dataType: 'float32', dims: y!.dims }); // borrows p's buffer
  const out = await second.run({ x: input });
  y!.dispose();                               // ORT's buffer back to ORT (our read of it ran already)
  p.destroy();                                // second.run has finished with it
  return out.y!;
}
