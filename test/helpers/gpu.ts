// Caller-side buffer helpers for GPU tests: buffers the library did not make, read back directly.

/** A caller's buffer holding `values`, with `usage` (STORAGE by default) plus COPY_SRC | COPY_DST. */
export function callerBuffer(device: GPUDevice, values: Float32Array<ArrayBuffer>, usage: number = GPUBufferUsage.STORAGE): GPUBuffer {
  const buffer = device.createBuffer({ size: values.byteLength, usage: usage | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, values);
  return buffer;
}

/** The whole of `buffer`, read back without the library. */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer): Promise<Float32Array> {
  const staging = device.createBuffer({ size: buffer.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const data = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return data;
}

/**
 * Counts every submit on `device`'s queue. Install it before an Activations uses the device: the
 * library submits through the queue's methods as they were when it first saw them.
 */
export function countSubmits(device: GPUDevice): { readonly count: number } {
  const counter = { count: 0 };
  const submit = device.queue.submit.bind(device.queue);
  device.queue.submit = (buffers) => {
    counter.count++;
    submit(buffers);
  };
  return counter;
}

/**
 * The adapter that createActivations() gets on this stack, for tests that depend on its features or
 * limits. Without one it throws: a GPU test must fail where there is no adapter, never skip.
 */
export async function testAdapter(): Promise<GPUAdapter> {
  const gpu = (globalThis as { navigator?: Navigator }).navigator?.gpu;
  const adapter = await gpu?.requestAdapter();
  if (!adapter) throw new Error(`no WebGPU adapter (navigator.gpu ${gpu ? 'gave none' : 'is missing'}): the GPU tests need one on every stack`);
  return adapter;
}

/**
 * Counts every readback (a mapAsync for reading, on any buffer of any device) from now until
 * `stop()`: the library, tfjs and ONNX Runtime all read through it.
 */
export function countReadbacks(): { readonly count: number; stop(): void } {
  const mapAsync = GPUBuffer.prototype.mapAsync;
  const counter = {
    count: 0,
    stop: () => {
      GPUBuffer.prototype.mapAsync = mapAsync;
    },
  };
  GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, mode: number, ...rest: [number?, number?]) {
    if (mode & GPUMapMode.READ) counter.count++;
    return mapAsync.call(this, mode, ...rest);
  };
  return counter;
}
