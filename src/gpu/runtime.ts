// The GPU runtime of one Activations instance: it owns the library's buffers (allocation, the pool,
// release, the leak safety net), records ops into the device's shared queue or a caller's encoder,
// reads tensors back, checks wrapped buffers, and carries the instance's lifecycle (device loss,
// destroy). The elementwise and softmax paths plan their dispatches and call it; neither reaches
// into the other.
import {
  BindGroupCache, BufferLedger, BufferPool, DeviceLostError, cachedPipeline, deviceCache, type CachedPipeline,
  type StorageBinding,
} from './device.js';
import { planChunks, planDispatch } from './dispatch.js';
import { COPY_PARAMS, WORKGROUP_SIZE, copyShader } from './kernels.js';
import { Made, captureErrors, sharedQueue, type SharedQueue } from './queue.js';
import { BYTES_PER_ELEMENT, GpuTensor, type BufferCheck, type Dtype, type TensorOwner } from './tensor.js';
import { UniformSlots, type UniformLayout } from './uniforms.js';

/** An allocation of the library's failed for lack of GPU memory (after which the pool is trimmed). */
export class AllocationError extends Error {
  override name = 'AllocationError';
}

/** Why the device went away (GPUDeviceLostInfo). */
export interface DeviceLoss {
  readonly reason: GPUDeviceLostReason;
  readonly message: string;
}

/** The GPU memory one Activations holds, and the pipelines of its device. */
export interface ActivationsStats {
  /** Buffers the library created and has not destroyed: tensors, outputs, pooled, uniforms, staging. */
  readonly liveBuffers: number;
  /** Their bytes. */
  readonly liveBytes: number;
  /** Of those, the buffers kept in the pool for reuse, and their bytes (at most CreateOptions.poolBytes). */
  readonly pooledBuffers: number;
  readonly pooledBytes: number;
  /** Compute pipelines cached for this device. */
  readonly pipelines: number;
  /**
   * Library-owned tensors that were garbage-collected without destroy(): their buffers went back to
   * the pool. Above 0 means a leak in the caller's code, which the library has mended.
   */
  readonly rescued: number;
}

export interface RuntimeOptions {
  readonly maxWorkgroupsPerDimension: number;
  /** The most bytes of released buffers the pool keeps (0: none). */
  readonly poolBytes: number;
  readonly maxBindingSize?: number;
  /** Softmax merges lanes with subgroup operations (the device has the feature, the caller agrees). */
  readonly subgroups: boolean;
  /** The adapter's smallest subgroup size: at most this many lanes share a row on the subgroup path. */
  readonly subgroupLanes: number;
  /** Softmax reduces each row, or block of a long row, in one invocation (CreateOptions.rowLanes). */
  readonly serialRows: boolean;
}

/** Records one op's commands into a compute pass; pushes the errors of what it makes (Made.use). */
export type Commands = (pass: GPUComputePassEncoder, errors: Promise<Error | undefined>[]) => void;

/** How long a failed readback waits for device.lost, so that it rejects with the loss when that was the cause. */
const LOSS_GRACE_MS = 100;
/** The least binding room that still leaves planChunks a chunk (see bindingRoom). */
const MIN_BINDING_ROOM = 4096;

function padBytes(length: number, dtype: Dtype = 'f32'): number {
  // At least 16 bytes, a multiple of 16: the vec4 kernels read and write whole vec4s.
  return Math.max(16, Math.ceil((BYTES_PER_ELEMENT[dtype] * length) / 16) * 16);
}

/** The u32 words that hold `tensor`'s bytes: an f16 range may start and end mid-word. */
function wordRange(tensor: GpuTensor): { first: number; bytes: number; skip: number } {
  const first = Math.floor(tensor.byteOffset / 4) * 4;
  const end = Math.ceil((tensor.byteOffset + tensor.byteLength) / 4) * 4;
  return { first, bytes: end - first, skip: tensor.byteOffset - first };
}

export class GpuRuntime implements TensorOwner {
  /** Resolves when the device is lost (or destroyed), with the reason. */
  readonly lost: Promise<DeviceLoss>;
  readonly maxBindingSize: number;
  readonly maxWorkgroupsPerDimension: number;
  readonly subgroups: boolean;
  readonly subgroupLanes: number;
  readonly serialRows: boolean;
  private readonly buffers: BufferLedger;
  private readonly queue: SharedQueue;
  private readonly uniforms: UniformSlots;
  private readonly bindGroups: BindGroupCache;
  /** Buffers of destroyed tensors, reused by later outputs of the same size. */
  private readonly outputs: BufferPool;
  /** Set once the device is lost or the instance destroyed: every call then fails with it. */
  private closedBy: Error | undefined;
  /** Rejectors of calls still waiting on the GPU, so that a loss or destroy() never leaves one hanging. */
  private readonly waiting = new Set<(e: Error) => void>();
  /** Returns the buffer of a library-owned tensor that was garbage-collected without destroy(). */
  private readonly finalizer = new FinalizationRegistry<GPUBuffer>((buffer) => this.rescue(buffer));
  private rescued = 0;

  constructor(readonly device: GPUDevice, options: RuntimeOptions) {
    this.buffers = new BufferLedger(device);
    this.queue = sharedQueue(device);
    this.uniforms = new UniformSlots(device, this.buffers, this.queue);
    this.bindGroups = new BindGroupCache(device);
    this.outputs = new BufferPool(this.buffers, options.poolBytes);
    this.maxBindingSize = Math.min(options.maxBindingSize ?? Infinity, device.limits.maxStorageBufferBindingSize);
    this.maxWorkgroupsPerDimension = options.maxWorkgroupsPerDimension;
    this.subgroups = options.subgroups;
    this.subgroupLanes = options.subgroupLanes;
    this.serialRows = options.serialRows;
    this.lost = device.lost.then((info) => {
      this.close(new DeviceLostError(info.reason, `the GPU device was lost (${info.reason}): ${info.message}`));
      return { reason: info.reason, message: info.message };
    });
  }

  // ---- Lifecycle ----

  /** After a loss or destroy(), every call fails with the same error. */
  assertOpen(): void {
    if (this.closedBy) throw this.closedBy;
  }

  /** Submits the pending work, rejects every waiting call, destroys the library's buffers. */
  destroy(): void {
    if (this.closedBy) return;
    this.queue.flush();
    this.close(new Error('this Activations instance was destroyed'));
    this.outputs.trim();
    this.buffers.destroyAll();
  }

  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  flush(): void {
    this.queue.flush();
  }

  stats(): ActivationsStats {
    return {
      liveBuffers: this.buffers.live, liveBytes: this.buffers.bytes,
      pooledBuffers: this.outputs.count, pooledBytes: this.outputs.bytes,
      pipelines: deviceCache(this.device).pipelines.size, rescued: this.rescued,
    };
  }

  /** Destroys the pooled buffers. */
  trim(): void {
    this.outputs.trim();
  }

  /** Runs `work`, but rejects at once if the device is lost or the instance destroyed meanwhile. */
  private track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    return new Promise<T>((resolve, reject) => {
      const fail = (e: Error) => reject(e);
      this.waiting.add(fail);
      work().then(resolve, (e: unknown) => reject(this.closedBy ?? e)).finally(() => this.waiting.delete(fail));
    });
  }

  private close(reason: Error): void {
    if (this.closedBy) return;
    this.closedBy = reason;
    for (const fail of this.waiting) fail(reason);
    this.waiting.clear();
  }

  // ---- Tensors and buffers ----

  /**
   * A tensor holding `values`: a pooled buffer of the size, written with writeBuffer (every earlier
   * user of it is already submitted, and every later one comes after this write on the queue), or a
   * new buffer written at creation.
   */
  upload(values: Float32Array): GpuTensor<'f32'>;
  /** f16 bits, one element each. */
  upload(values: Uint16Array): GpuTensor<'f16'>;
  upload(values: Float32Array | Uint16Array): GpuTensor {
    const dtype: Dtype = values instanceof Uint16Array ? 'f16' : 'f32';
    const pooled = this.outputs.take(padBytes(values.length, dtype));
    if (pooled) {
      pooled.label = `webgpu-activations tensor[${values.length}]`;
      // An empty write changes nothing, and Deno 2.9.6 panics on one (writeBuffer of a zero-length
      // Float32Array; see the README's "Running outside the browser"). writeBuffer writes whole u32s:
      // an odd count of halves is written with a zero half after it, inside the padded buffer.
      if (values.length > 0) {
        const words = values.length % 2 === 1 && dtype === 'f16' ? padToWord(values as Uint16Array) : values;
        this.queue.writeUnbatched(pooled, 0, words as Float32Array<ArrayBuffer>);
      }
      return this.owned(pooled, values.length, false, dtype);
    }
    const buffer = this.createMappedBuffer(values.length, dtype);
    let range: ArrayBuffer;
    try {
      range = buffer.getMappedRange();
    } catch (e) {
      // Deno 2.9.6 maps no range for a buffer made on a lost device (WebGPU maps one for any buffer
      // made with mappedAtCreation): the tensor is left unwritten, and the loss rejects its calls.
      if (!(e instanceof Error && e.name === 'OperationError')) throw e;
      return this.owned(buffer, values.length, false, dtype);
    }
    if (values instanceof Uint16Array) new Uint16Array(range, 0, values.length).set(values);
    else new Float32Array(range, 0, values.length).set(values);
    buffer.unmap();
    return this.owned(buffer, values.length, false, dtype);
  }

  /**
   * An output tensor of `verb` (the call, for labels and errors), from the pool when it has a
   * buffer of the size; a `temporary` one is released with retire().
   */
  allocate<D extends Dtype = 'f32'>(length: number, verb: string, temporary = false, dtype: D = 'f32' as D): GpuTensor<D> {
    const bytes = padBytes(length, dtype);
    const pooled = this.outputs.take(bytes);
    if (pooled) {
      pooled.label = `webgpu-activations ${verb}[${length}]`;
      return this.owned(pooled, length, temporary, dtype);
    }
    let buffer!: GPUBuffer;
    // Out of memory is an error scope's to catch, not an uncaptured error: it becomes the tensor's.
    // A buffer that failed to allocate is never pooled (releaseBuffer destroys it).
    const failed = (e: Error) => {
      this.unusable.add(buffer);
      return this.outOfMemory(verb, bytes, e);
    };
    let error = captureErrors(this.device, `${verb}: allocating ${bytes} bytes`, () => {
      buffer = this.createTensorBuffer(verb, length, false, dtype);
    }).then((e) => e && failed(e));
    if (this.failAllocations > 0) {
      this.failAllocations--;
      error = Promise.resolve(failed(new Error('out-of-memory injected by a test')));
    }
    const tensor = this.owned(buffer, length, temporary, dtype);
    tensor.recordWrite(error);
    return tensor;
  }

  /** @internal For tests: the next this-many allocations fail as if the GPU were out of memory. */
  failAllocations = 0;
  /** Buffers whose allocation failed. */
  private readonly unusable = new WeakSet<GPUBuffer>();

  /**
   * An allocation failed: the pool is trimmed at once, so that later calls find the memory, and the
   * error names the call, the bytes and what the library held.
   */
  private outOfMemory(verb: string, bytes: number, cause: Error): AllocationError {
    const held = this.stats();
    this.trim();
    return new AllocationError(
      `${verb}: out of GPU memory allocating ${bytes} bytes, with ${held.liveBytes} bytes in ${held.liveBuffers} ` +
        `buffers held (${held.pooledBytes} of them pooled, now released): ${cause.message}`,
      { cause },
    );
  }

  /** A temporary buffer of an op, counted in stats(); released with retire(). */
  createBuffer(descriptor: GPUBufferDescriptor): GPUBuffer {
    return this.buffers.create(descriptor);
  }

  /** @internal TensorOwner: a library-owned tensor was destroyed. */
  release(tensor: GpuTensor): void {
    if (!tensor.ownsBuffer) return;
    this.finalizer.unregister(tensor);
    this.releaseBuffer(tensor.buffer);
  }

  /**
   * Destroys an op's temporary once the work using it is submitted: the pending batch's, or, for
   * work recorded into the caller's `encoder`, the caller's submit of it.
   */
  retire(buffer: GPUBuffer, encoder: GPUCommandEncoder | undefined): void {
    const destroy = () => this.buffers.destroy(buffer);
    if (encoder) this.queue.afterCallerSubmit(encoder, destroy);
    else this.queue.afterSubmit(destroy);
  }

  /** A library-owned tensor became garbage without destroy(): its buffer goes back to the pool. */
  private rescue(buffer: GPUBuffer): void {
    this.rescued++;
    this.releaseBuffer(buffer);
  }

  /**
   * Returns a tensor's buffer to the pool once the pending work that may use it is submitted. Its
   * bind groups stay cached: the next tensor that takes the buffer binds it the same way. (Those of
   * a destroyed buffer go with it: the cache holds them weakly, by buffer.)
   */
  private releaseBuffer(buffer: GPUBuffer): void {
    this.queue.afterSubmit(() => {
      if (this.closedBy || this.unusable.has(buffer)) this.buffers.destroy(buffer);
      else this.outputs.put(buffer);
    });
  }

  /**
   * A new buffer mapped at creation. WebGPU throws a RangeError at once when it cannot allocate one;
   * then the pool is trimmed and the allocation tried once more.
   */
  private createMappedBuffer(length: number, dtype: Dtype): GPUBuffer {
    const bytes = padBytes(length, dtype);
    try {
      return this.createTensorBuffer('tensor', length, true, dtype);
    } catch (e) {
      // Past maxBufferSize the RangeError is createTensorBuffer's own: no retry can help.
      if (!(e instanceof RangeError) || bytes > this.device.limits.maxBufferSize) throw e;
      const error = this.outOfMemory('tensor', bytes, e);
      try {
        return this.createTensorBuffer('tensor', length, true, dtype);
      } catch {
        throw error;
      }
    }
  }

  /** A tensor of the library's; a temporary is released by its op, and not watched for leaks. */
  private owned<D extends Dtype>(buffer: GPUBuffer, length: number, temporary: boolean, dtype: D): GpuTensor<D> {
    const tensor = new GpuTensor(this, buffer, length, 0, true, dtype);
    if (!temporary) this.finalizer.register(tensor, buffer, tensor);
    return tensor;
  }

  private createTensorBuffer(name: string, length: number, mappedAtCreation: boolean, dtype: Dtype): GPUBuffer {
    const bytes = padBytes(length, dtype);
    const max = this.device.limits.maxBufferSize;
    if (bytes > max) {
      throw new RangeError(
        `${name}: ${length} elements need ${bytes} bytes, past this device's maxBufferSize of ${max} bytes ` +
          `(at most ${Math.floor(max / 16) * (16 / BYTES_PER_ELEMENT[dtype])} ${dtype} elements per tensor)`,
      );
    }
    return this.buffers.create({
      label: `webgpu-activations ${name}[${length}]`,
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      mappedAtCreation,
    });
  }

  // ---- Recording ----

  /** The pipeline for `key`, made on first use (see cachedPipeline). */
  pipeline(
    key: string, code: () => string, storage: () => readonly StorageBinding[], errors: Promise<Error | undefined>[],
    withTail = false,
  ): CachedPipeline {
    return cachedPipeline(this.device, key, code, storage, errors, withTail);
  }

  /**
   * Sets the bind group of `entries` plus binding 0, `uniforms`' values at their slot (a dynamic
   * offset). `entries` is the caller's new array: binding 0 is added to it.
   */
  setBindGroup<F extends string>(
    pass: GPUComputePassEncoder, label: string, bindLayout: GPUBindGroupLayout, output: GPUBuffer,
    uniforms: UniformLayout<F>, values: Readonly<Record<F, number>>, entries: GPUBindGroupEntry[],
    errors: Promise<Error | undefined>[],
  ): void {
    const slot = uniforms.slot(this.uniforms, values, errors);
    entries.push(slot.entry);
    // The typed-array form: no JavaScript array to convert per call.
    this.dynamicOffset[0] = slot.offset;
    pass.setBindGroup(0, this.bindGroups.get(label, bindLayout, output, entries, errors), this.dynamicOffset, 0, 1);
  }

  private readonly dynamicOffset = new Uint32Array(1);

  /**
   * Records one op: into the caller's `encoder` when given, else into the device's pending batch.
   * Errors flow down a chain: each output carries its inputs' errors first, then the op's own (of
   * making pipelines and bind groups, and of the submit).
   */
  record(
    label: string, inputs: readonly GpuTensor[], outputs: readonly GpuTensor[], encoder: GPUCommandEncoder | undefined,
    commands: Commands,
  ): void {
    for (const y of outputs) for (const t of inputs) y.recordWrite(t.written);
    const errors: Promise<Error | undefined>[] = [];
    if (encoder) {
      // Slots used by the caller's encoder must outlive any turnover of the uniform cache.
      this.uniforms.pinning = true;
      try {
        const pass = encoder.beginComputePass({ label });
        commands(pass, errors);
        pass.end();
      } finally {
        this.uniforms.pinning = false;
      }
    } else {
      const isolated = inputs.some((t) => !t.verified) || outputs.some((t) => !t.verified);
      errors.push(this.queue.compute(label, isolated, (pass) => {
        commands(pass, errors);
        return errors.length > 0; // something it uses is not yet known to be valid
      }));
    }
    for (const y of outputs) for (const e of errors) y.recordWrite(e);
  }

  /** The bytes a chunk's binding may hold when shared operands sit `spread` bytes apart in one binding. */
  bindingRoom(verb: string, spread: number): number {
    const room = this.maxBindingSize - spread;
    if (room < MIN_BINDING_ROOM) {
      throw new RangeError(
        `${verb}: out and an input share a GPUBuffer ${spread} bytes apart, more than one storage binding ` +
          `(${this.maxBindingSize} bytes) can span; place them closer together or in separate buffers`,
      );
    }
    return room;
  }

  // ---- Reading back ----

  /**
   * @internal TensorOwner. The copy to the CPU is recorded now, in call order: the values are those
   * of the moment read() was called, whatever runs after it.
   */
  readBack(tensor: GpuTensor): Promise<ArrayBuffer> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    if (tensor.length === 0) {
      return this.track(async () => {
        const error = await tensor.written;
        if (error) throw error;
        return new ArrayBuffer(0);
      });
    }
    // Copies move whole u32s from 4-aligned offsets: an f16 range is read with its words' other halves.
    const { first, bytes, skip } = wordRange(tensor);
    const made = new Made(this.device, 'read', () => this.buffers.create({
      label: 'webgpu-activations readback',
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    }));
    const staging = made.value;
    let source = tensor;
    let submitted: Promise<Error | undefined>;
    try {
      // A caller's buffer without COPY_SRC is copied by a kernel into one of the library's first.
      if (!(tensor.buffer.usage & GPUBufferUsage.COPY_SRC)) source = this.copyOf(tensor);
      submitted = this.queue.encode('read', !tensor.verified, (encoder) => {
        encoder.copyBufferToBuffer(source.buffer, source === tensor ? first : 0, staging, 0, bytes);
        return true; // the staging buffer is new
      });
      if (source !== tensor) this.releaseBuffer(source.buffer);
      this.queue.flush();
    } catch (e) {
      this.buffers.destroy(staging);
      return Promise.reject(e);
    }
    return this.track(async () => {
      try {
        // After a failed submit the map may never complete: reject with the submit's error instead.
        const failed = Promise.all([source.written, made.error, submitted]).then(([a, b, c]) => {
          const error = a ?? b ?? c;
          return error ? Promise.reject(error) : new Promise<never>(() => {});
        });
        const mapped = staging.mapAsync(GPUMapMode.READ);
        mapped.catch(() => {}); // rejected by the destroy below when `failed` wins
        try {
          await Promise.race([mapped, failed]);
        } catch (e) {
          // A lost device aborts the map before `lost` resolves: give the loss a moment to be told.
          await Promise.race([this.lost, new Promise((resolve) => setTimeout(resolve, LOSS_GRACE_MS))]);
          throw this.closedBy ?? e;
        }
        const error = await tensor.written;
        if (error) throw error;
        return staging.getMappedRange().slice(skip, skip + tensor.byteLength);
      } finally {
        this.buffers.destroy(staging);
      }
    });
  }

  /**
   * A library-owned copy of the u32 words that hold `tensor` (wordRange), from the copy's start,
   * made by a kernel (for a caller's buffer without COPY_SRC).
   */
  private copyOf(tensor: GpuTensor): GpuTensor {
    const { first, bytes } = wordRange(tensor);
    const copy = this.allocate(bytes / 4, 'read copy', true);
    const placements = [{ byteOffset: first, bufferSize: tensor.buffer.size }, { byteOffset: 0, bufferSize: copy.buffer.size }];
    const plan = planChunks(bytes / 4, placements, this.maxBindingSize, this.device.limits.minStorageBufferOffsetAlignment);
    const perUnit = plan.vector === 'vec4' ? 4 : 1;
    this.record('read (copy)', [tensor], [copy], undefined, (pass, errors) => {
      const { pipeline, layout } = this.pipeline('copy/u32', copyShader, () => [[1, false], [2, true]], errors);
      pass.setPipeline(pipeline);
      for (const chunk of plan.chunks) {
        const [src, dst] = chunk.bindings;
        this.setBindGroup(pass, 'read (copy)', layout, copy.buffer, COPY_PARAMS, {
          n: chunk.length, src_off: src!.elementOffset * perUnit, dst_off: dst!.elementOffset * perUnit,
        }, [
          { binding: 1, resource: { buffer: tensor.buffer, offset: src!.offset, size: src!.size } },
          { binding: 2, resource: { buffer: copy.buffer, offset: dst!.offset, size: dst!.size } },
        ], errors);
        const grid = planDispatch(chunk.length, WORKGROUP_SIZE, this.maxWorkgroupsPerDimension);
        pass.dispatchWorkgroups(grid.x, grid.y);
      }
    });
    return copy;
  }

  // ---- Wrapped buffers ----

  /**
   * A caller's buffer as a tensor, checked once per buffer and device: WebGPU cannot say
   * synchronously which device a buffer belongs to, or whether it was destroyed. A probe (a bind
   * group and a dispatch that touches nothing, in error scopes) finds out; until it has, ops on the
   * buffer get a submit of their own. The buffer's destroy() is wrapped so that the library's
   * pending work on it is submitted first, and later calls on it throw a TypeError.
   */
  wrap<D extends Dtype>(buffer: GPUBuffer, length: number, offset: number, dtype: D): GpuTensor<D> {
    const check = this.checkBuffer(buffer);
    if (check.failure) throw new TypeError(`wrap: ${check.failure.message}`, { cause: check.failure });
    return new GpuTensor(this, buffer, length, offset, false, dtype, check);
  }

  private checkBuffer(buffer: GPUBuffer): BufferCheck {
    const checks = deviceCache(this.device).wraps;
    const known = checks.get(buffer);
    if (known) return known;
    const probe = buffer.size < 4 ? Promise.resolve(undefined) : this.probe(buffer);
    const check: BufferCheck = { verified: buffer.size < 4, failure: undefined, probe };
    void probe.then((e) => {
      check.verified = e === undefined;
      check.failure ??= e;
    });
    checks.set(buffer, check);
    const queue = this.queue;
    const destroy = buffer.destroy;
    Object.defineProperty(buffer, 'destroy', {
      configurable: true,
      writable: true,
      value: function (this: GPUBuffer): undefined {
        queue.flush();
        check.failure ??= new TypeError(`the wrapped buffer${labelOf(buffer)} was destroyed by its owner`);
        return destroy.call(this);
      },
    });
    return check;
  }

  /** Resolves to a TypeError if `buffer` cannot be used on this device. */
  private probe(buffer: GPUBuffer): Promise<Error | undefined> {
    const cache = deviceCache(this.device);
    return captureErrors(this.device, 'wrap', () => {
      cache.probe ??= probePipeline(this.device);
      const { pipeline, layout } = cache.probe;
      const group = this.device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer, offset: 0, size: 4 } }] });
      const encoder = this.device.createCommandEncoder({ label: 'webgpu-activations wrap probe' });
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(1);
      pass.end();
      // Touches no memory, so it need not wait for pending work, nor order anything.
      this.queue.submitUnordered(encoder.finish());
    }).then((e) => e && new TypeError(
      `wrap: the buffer${labelOf(buffer)} cannot be used on this device: it belongs to another GPUDevice, ` +
        `was destroyed, or is mapped (${e.message})`,
    ));
  }
}

/** The probe's pipeline: one read-only storage binding that the shader declares and never reads. */
function probePipeline(device: GPUDevice): CachedPipeline {
  const layout = device.createBindGroupLayout({
    label: 'webgpu-activations wrap probe',
    entries: [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } }],
  });
  const module = device.createShaderModule({
    label: 'webgpu-activations wrap probe',
    code: '@group(0) @binding(0) var<storage, read> probed: array<u32>;\n@compute @workgroup_size(1) fn main() {}',
  });
  const pipeline = device.createComputePipeline({
    label: 'webgpu-activations wrap probe',
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: 'main' },
  });
  return { pipeline, layout };
}

/** ` "label"` for messages, or nothing for a buffer without a label. */
export const labelOf = (buffer: GPUBuffer): string => (buffer.label ? ` "${buffer.label}"` : '');

/** `halves` with a zero half after it: writeBuffer writes a multiple of 4 bytes. */
function padToWord(halves: Uint16Array): Uint16Array {
  const out = new Uint16Array(halves.length + 1);
  out.set(halves);
  return out;
}
