// The public API: createActivations() and the Activations object it returns.
import {
  kernelParam, lookupActivation, resolveLayout, resolveParams, resolveSource,
  type ActivationName, type ElementwiseActivation, type Mode, type Source,
} from './activations.js';
import {
  BindGroupCache, BufferLedger, BufferPool, DeviceLostError, UniformSlots, cachedPipeline, deviceCache,
  requestBestDevice, uniformBytes, type CachedPipeline,
} from './device.js';
import { mergeShared, planChunks, planDispatch, sharedSpread } from './dispatch.js';
import {
  SMALL_WORKGROUP_SIZE, WORKGROUP_SIZE, copyShader, elementsPerGroup, elementwiseKey, elementwiseShader, type ElementwiseVariant,
} from './kernels.js';
import { Made, captureErrors, sharedQueue, type SharedQueue } from './queue.js';
import { checkSoftmaxFits, runSoftmax, type SoftmaxContext } from './softmax.js';
import { GpuTensor, type BufferCheck, type TensorOwner } from './tensor.js';

export interface CreateOptions {
  /** Reuse the caller's device. It is never destroyed by the library. */
  device?: GPUDevice;
  /**
   * The most bytes one dispatch binds per operand (default and maximum: the device's
   * maxStorageBufferBindingSize). Larger tensors are processed in chunks.
   */
  maxBindingSize?: number;
  /**
   * Whether softmax merges lanes with subgroup operations. Default: when the device has the
   * 'subgroups' feature. false forces the workgroup-memory path (the tests run both).
   */
  subgroups?: boolean;
  /**
   * At most this many workgroups per grid dimension (default: the device's limit). A small value
   * sends small inputs down the 2D-grid path that large ones take.
   */
  maxWorkgroupsPerDimension?: number;
}

/** Why the device went away (GPUDeviceLostInfo). */
export interface DeviceLoss {
  readonly reason: GPUDeviceLostReason;
  readonly message: string;
}

/** Live GPU objects held by one Activations, for leak tests. */
export interface ActivationsStats {
  /** Buffers the library created and has not destroyed: tensors, outputs, uniforms, staging. */
  readonly liveBuffers: number;
  /** Compute pipelines cached for this device. */
  readonly pipelines: number;
  /**
   * Library-owned tensors that were garbage-collected without destroy(): their buffers went back to
   * the pool. Above 0 means a leak in the caller's code, which the library has mended.
   */
  readonly rescued: number;
}

/** Activation parameters. Each activation takes only its own (see ELEMENTWISE[name].params). */
export interface Params {
  /** linear's slope (default 1). */
  readonly m?: number;
  /** elu's α (default 1, > 0) or leakyRelu's α (default 0.01). */
  readonly alpha?: number;
  /** softmax and logSoftmax: the tensor's dimensions (default [length]: the whole array is one row). */
  readonly shape?: readonly number[];
  /** softmax and logSoftmax: the axis each distribution runs along; negative counts from the end (default -1). */
  readonly axis?: number;
  /**
   * backward of softmax, logSoftmax, sigmoid and tanh: 'output' when the first operand is the saved
   * y = f(x) rather than x (default 'input').
   */
  readonly from?: Source;
}

/** Parameters plus options for GPU-resident calls. */
export interface CallOptions extends Params {
  /**
   * Write the result here (same length). May be an input itself (in place), or share an input's
   * buffer at a range that does not overlap it (arena layouts).
   */
  readonly out?: GpuTensor;
  /**
   * Record the op into this encoder instead of submitting it: the caller submits the encoder. The
   * tensors it uses must stay alive (not destroyed) until then, as for any GPU buffer an encoder uses.
   */
  readonly encoder?: GPUCommandEncoder;
}

const CALL_OPTION_KEYS = ['out', 'encoder'] as const;
/** u32 words of the elementwise kernels' Params (shaders/elementwise.wgsl) and the copy kernel's. */
const ELEMENTWISE_UNIFORM_WORDS = 5;
const COPY_UNIFORM_WORDS = 3;
/** How long a failed readback waits for device.lost, so that it rejects with the loss when that was the cause. */
const LOSS_GRACE_MS = 100;
/** The least binding room that still leaves planChunks a chunk (see Activations.bindingRoom). */
const MIN_BINDING_ROOM = 4096;

function padBytes(length: number): number {
  // At least 16 bytes, a multiple of 16: the vec4 kernels read and write whole vec4s.
  return Math.max(16, Math.ceil((4 * length) / 16) * 16);
}

export class Activations implements TensorOwner {
  /** Resolves when the device is lost (or destroyed), with the reason. */
  readonly lost: Promise<DeviceLoss>;
  private readonly buffers: BufferLedger;
  private readonly queue: SharedQueue;
  private readonly uniforms: UniformSlots;
  private readonly pipelines: ReadonlyMap<string, unknown>;
  private readonly maxBindingSize: number;
  /** Set once the device is lost or this instance destroyed: every call then fails with it. */
  private closedBy: Error | undefined;
  /** Rejectors of calls still waiting on the GPU, so that a loss or destroy() never leaves one hanging. */
  private readonly waiting = new Set<(e: Error) => void>();
  private readonly bindGroups: BindGroupCache;
  /** Buffers of destroyed output tensors, reused by later outputs of the same size. */
  private readonly outputs: BufferPool;
  private readonly softmax: SoftmaxContext;
  private readonly maxWorkgroupsPerDimension: number;
  /** Returns the buffer of a library-owned tensor that was garbage-collected without destroy(). */
  private readonly finalizer = new FinalizationRegistry<GPUBuffer>((buffer) => this.rescue(buffer));
  private rescued = 0;

  /**
   * @internal use createActivations(). `subgroupLanes` (default: the adapter's smallest subgroup
   * size) is for tests: more lanes than a subgroup holds send softmax down its no-shuffle fallback.
   */
  constructor(
    readonly device: GPUDevice,
    private readonly ownsDevice: boolean,
    options: { subgroups: boolean; maxWorkgroupsPerDimension: number; maxBindingSize?: number; subgroupLanes?: number },
  ) {
    this.buffers = new BufferLedger(device);
    this.queue = sharedQueue(device);
    this.uniforms = new UniformSlots(device, this.buffers, this.queue);
    this.bindGroups = new BindGroupCache(device);
    this.outputs = new BufferPool(this.buffers);
    this.pipelines = deviceCache(device).pipelines;
    this.maxBindingSize = Math.min(options.maxBindingSize ?? Infinity, device.limits.maxStorageBufferBindingSize);
    this.lost = device.lost.then((info) => {
      this.close(new DeviceLostError(info.reason, `the GPU device was lost (${info.reason}): ${info.message}`));
      return { reason: info.reason, message: info.message };
    });
    this.maxWorkgroupsPerDimension = options.maxWorkgroupsPerDimension;
    this.softmax = {
      device,
      uniforms: this.uniforms,
      bindGroups: this.bindGroups,
      subgroups: options.subgroups,
      // WebGPU's subgroups are at least 4 wide; older browsers do not say how wide.
      subgroupLanes: options.subgroupLanes ?? device.adapterInfo?.subgroupMinSize ?? 4,
      maxWorkgroupsPerDimension: options.maxWorkgroupsPerDimension,
      allocate: (length, label, temporary) => this.allocate(length, label, temporary),
      createBuffer: (descriptor) => this.buffers.create(descriptor),
      retire: (buffer, encoder) => this.retire(buffer, encoder),
      record: (label, inputs, outputs, encoder, commands) => this.record(label, inputs, outputs, encoder, commands),
    };
  }

  /** True when softmax merges lanes with subgroup operations (see CreateOptions.subgroups). */
  get usesSubgroups(): boolean {
    return this.softmax.subgroups;
  }

  /** f(x): elementwise, or along one axis for softmax and logSoftmax. */
  forward(name: ActivationName, x: Float32Array, params?: Params): Promise<Float32Array>;
  forward(name: ActivationName, x: GpuTensor, options?: CallOptions): GpuTensor;
  forward(name: ActivationName, x: Float32Array | GpuTensor, options?: CallOptions): Promise<Float32Array> | GpuTensor {
    return this.call('forward', name, x, undefined, options);
  }

  /** f'(x), elementwise; for softmax and logSoftmax, each row's len×len Jacobian, rows in order. */
  derivative(name: ActivationName, x: Float32Array, params?: Params): Promise<Float32Array>;
  derivative(name: ActivationName, x: GpuTensor, options?: CallOptions): GpuTensor;
  derivative(name: ActivationName, x: Float32Array | GpuTensor, options?: CallOptions): Promise<Float32Array> | GpuTensor {
    return this.call('derivative', name, x, undefined, options);
  }

  /** The vector-Jacobian product: dy ⊙ f'(x) elementwise, and softmax's without forming the Jacobian. */
  backward(name: ActivationName, x: Float32Array, dy: Float32Array, params?: Params): Promise<Float32Array>;
  backward(name: ActivationName, x: GpuTensor, dy: GpuTensor, options?: CallOptions): GpuTensor;
  backward(name: ActivationName, x: Float32Array | GpuTensor, dy: Float32Array | GpuTensor, options?: CallOptions): Promise<Float32Array> | GpuTensor {
    return this.call('backward', name, x, dy, options);
  }

  /**
   * Submits the library's pending GPU work now, that of every instance on this device. Never needed
   * for correct results (the queue's own methods submit it first); useful to start the GPU early, or
   * before handing the device to code that submits through another path.
   */
  flush(): void {
    this.queue.flush();
  }

  /**
   * Uploads `values` into a new GPU buffer. Only Float32Array is accepted: convert other arrays
   * explicitly (`Float32Array.from(values)`), so that rounding to f32 is never a surprise.
   */
  tensor(values: Float32Array): GpuTensor {
    this.assertOpen();
    if (!(values instanceof Float32Array)) {
      throw new TypeError(`tensor: expected a Float32Array, got ${describe(values)}; convert with Float32Array.from()`);
    }
    const buffer = this.createTensorBuffer('tensor', values.length, true);
    new Float32Array(buffer.getMappedRange(), 0, values.length).set(values);
    buffer.unmap();
    return this.owned(buffer, values.length);
  }

  /**
   * Views `length` f32s of a caller's STORAGE buffer from byte `offset`. Nothing is copied, and the
   * buffer is never destroyed by the library.
   */
  wrap(buffer: GPUBuffer, options: { length?: number; offset?: number } = {}): GpuTensor {
    this.assertOpen();
    if (!isGpuBuffer(buffer)) throw new TypeError(`wrap: expected a GPUBuffer, got ${describe(buffer)}`);
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % 4 !== 0 || offset > buffer.size) {
      throw new RangeError(`wrap: offset ${offset} must be a multiple of 4 in [0, ${buffer.size}]`);
    }
    const length = options.length ?? Math.floor((buffer.size - offset) / 4);
    if (!Number.isSafeInteger(length) || length < 0 || offset + 4 * length > buffer.size) {
      throw new RangeError(
        `wrap: length ${length} from byte offset ${offset} runs past the buffer's ${buffer.size} bytes`,
      );
    }
    if (!(buffer.usage & GPUBufferUsage.STORAGE)) {
      throw new TypeError(`wrap: the buffer${labelOf(buffer)} needs GPUBufferUsage.STORAGE`);
    }
    const check = this.checkBuffer(buffer);
    if (check.failure) throw new TypeError(`wrap: ${check.failure.message}`, { cause: check.failure });
    return new GpuTensor(this, buffer, length, offset, false, check);
  }

  /** Live GPU objects, for leak tests. */
  stats(): ActivationsStats {
    return { liveBuffers: this.buffers.live, pipelines: this.pipelines.size, rescued: this.rescued };
  }

  /**
   * Submits what is queued, rejects every pending call, and destroys the library's own buffers and,
   * if the library made it, the device. A caller's device and buffers are left alone.
   */
  destroy(): void {
    if (this.closedBy) return;
    this.queue.flush();
    this.close(new Error('this Activations instance was destroyed'));
    this.buffers.destroyAll();
    if (this.ownsDevice) this.device.destroy();
  }

  /**
   * @internal The copy to the CPU is recorded now, in call order: the values are those of the
   * moment read() was called, whatever runs after it.
   */
  readBack(tensor: GpuTensor): Promise<Float32Array> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    if (tensor.length === 0) {
      return this.track(async () => {
        const error = await tensor.written;
        if (error) throw error;
        return new Float32Array(0);
      });
    }
    const bytes = 4 * tensor.length;
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
        encoder.copyBufferToBuffer(source.buffer, source.byteOffset, staging, 0, bytes);
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
        return new Float32Array(staging.getMappedRange().slice(0));
      } finally {
        this.buffers.destroy(staging);
      }
    });
  }

  /** @internal */
  release(tensor: GpuTensor): void {
    if (!tensor.ownsBuffer) return;
    this.finalizer.unregister(tensor);
    this.releaseBuffer(tensor.buffer);
  }

  /** A library-owned tensor became garbage without destroy(): its buffer goes back to the pool. */
  private rescue(buffer: GPUBuffer): void {
    this.rescued++;
    this.releaseBuffer(buffer);
  }

  /** Returns a tensor's buffer to the pool once the pending work that may use it is submitted. */
  private releaseBuffer(buffer: GPUBuffer): void {
    this.bindGroups.forget(buffer);
    this.queue.afterSubmit(() => (this.closedBy ? this.buffers.destroy(buffer) : this.outputs.put(buffer)));
  }

  /**
   * Destroys an op's temporary once the work using it is submitted: the pending batch's, or, for
   * work recorded into the caller's `encoder`, the caller's submit of it.
   */
  private retire(buffer: GPUBuffer, encoder: GPUCommandEncoder | undefined): void {
    this.bindGroups.forget(buffer);
    const destroy = () => this.buffers.destroy(buffer);
    if (encoder) this.queue.afterCallerSubmit(encoder, destroy);
    else this.queue.afterSubmit(destroy);
  }

  /** A tensor of the library's; a temporary is released by its op, and not watched for leaks. */
  private owned(buffer: GPUBuffer, length: number, temporary = false): GpuTensor {
    const tensor = new GpuTensor(this, buffer, length, 0, true);
    if (!temporary) this.finalizer.register(tensor, buffer, tensor);
    return tensor;
  }

  private call(
    mode: Mode, name: ActivationName, x: Float32Array | GpuTensor, dy: Float32Array | GpuTensor | undefined,
    options: CallOptions | undefined,
  ): Promise<Float32Array> | GpuTensor {
    // GPU-resident calls are synchronous and throw; Float32Array calls return a promise and reject.
    if (x instanceof GpuTensor) return this.run(mode, name, x, dy, options);
    try {
      return this.run(mode, name, x, dy, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Validates a call, then runs it. Throws before anything is allocated or written. */
  private run(
    mode: Mode, name: ActivationName, x: Float32Array | GpuTensor, dy: Float32Array | GpuTensor | undefined,
    options: CallOptions | undefined,
  ): Promise<Float32Array> | GpuTensor {
    const verb = `${mode}(${name})`;
    this.assertOpen();
    const act = lookupActivation(name, mode);
    const params = resolveParams(name, options, CALL_OPTION_KEYS);
    const out = options?.out;
    const encoder = options?.encoder;
    checkOperand(mode, 'x', x);
    if (mode === 'backward') {
      checkOperand(mode, 'dy', dy);
      if (dy!.length !== x.length) {
        throw new RangeError(`${verb}: dy has length ${dy!.length}, expected x's length ${x.length}`);
      }
      if ((x instanceof Float32Array) !== (dy instanceof Float32Array)) {
        throw new TypeError(`${verb}: x and dy must both be Float32Arrays or both GpuTensors`);
      }
    }
    const from = resolveSource(name, mode, options, params);
    if (encoder !== undefined && !isCommandEncoder(encoder)) {
      throw new TypeError(`${verb}: encoder must be a GPUCommandEncoder, got ${describe(encoder)}`);
    }
    let run: (x: GpuTensor, dy?: GpuTensor, out?: GpuTensor) => GpuTensor;
    if (act.kind === 'softmax') {
      const layout = resolveLayout(name, options, x.length);
      checkSoftmaxFits(verb, mode, layout, this.device.limits);
      run = (tx, tdy, tout) => {
        this.checkTensors(verb, tx, tdy, tout);
        // The Jacobians have their own length, and are written after x was read into a temporary.
        if (tout !== undefined && mode !== 'derivative') checkOut(verb, tout, [tx, tdy]);
        return runSoftmax(this.softmax, { verb, name, act, mode, from, layout, x: tx, dy: tdy, out: tout, encoder });
      };
    } else {
      const p = kernelParam(act, params);
      run = (tx, tdy, tout) => this.dispatch(mode, name, act, p, from, tx, tdy, tout, encoder);
    }
    if (x instanceof GpuTensor) return run(x, dy as GpuTensor | undefined, out);
    if (out !== undefined) throw new TypeError(`${verb}: out is only for GpuTensor inputs`);
    if (encoder !== undefined) throw new TypeError(`${verb}: encoder is only for GpuTensor inputs`);
    return this.roundTrip(x, dy as Float32Array | undefined, run);
  }

  private async roundTrip(x: Float32Array, dy: Float32Array | undefined, run: (x: GpuTensor, dy?: GpuTensor) => GpuTensor): Promise<Float32Array> {
    const tx = this.tensor(x);
    let tdy: GpuTensor | undefined;
    let ty: GpuTensor | undefined;
    try {
      tdy = dy && this.tensor(dy);
      ty = run(tx, tdy);
      return await ty.read();
    } finally {
      tx.destroy();
      tdy?.destroy();
      ty?.destroy();
    }
  }

  private checkTensors(verb: string, x: GpuTensor, dy?: GpuTensor, out?: GpuTensor): void {
    for (const [what, t] of [['x', x], ['dy', dy], ['out', out]] as const) {
      if (t === undefined) continue;
      t.assertUsable(`${verb}: ${what}`);
      if (t.device !== this.device) throw new TypeError(`${verb}: ${what} belongs to another Activations' GPUDevice`);
    }
  }

  /**
   * Records one op: into the caller's `encoder` when given, else into the device's pending batch.
   * Errors flow down a chain: each output carries its inputs' errors first, then the op's own (of
   * making pipelines and bind groups, and of the submit).
   */
  private record(
    label: string, inputs: readonly GpuTensor[], outputs: readonly GpuTensor[], encoder: GPUCommandEncoder | undefined,
    commands: (pass: GPUComputePassEncoder, errors: Promise<Error | undefined>[]) => void,
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

  private dispatch(
    mode: Mode, name: ActivationName, act: ElementwiseActivation, p: number, from: Source,
    x: GpuTensor, dy: GpuTensor | undefined, out: GpuTensor | undefined, encoder: GPUCommandEncoder | undefined,
  ): GpuTensor {
    const verb = `${mode}(${name})`;
    this.checkTensors(verb, x, dy, out);
    if (out !== undefined) checkOut(verb, out, [x, dy]);
    const y = out ?? this.allocate(x.length, name);
    if (x.length === 0) return y;
    const operands = [x, y, ...(dy ? [dy] : [])];
    const placements = operands.map((t) => ({ byteOffset: t.byteOffset, bufferSize: t.buffer.size }));
    // Inputs in y's buffer (in place, or elsewhere in an arena) are read through y's binding.
    const shared = operands.map((t) => t.buffer === y.buffer);
    const plan = planChunks(
      x.length, placements, this.bindingRoom(verb, sharedSpread(placements, shared)),
      this.device.limits.minStorageBufferOffsetAlignment,
    );
    const unit = plan.vector === 'vec4' ? 16 : 4;
    const variant: ElementwiseVariant = {
      vector: plan.vector,
      xIsY: shared[0]!,
      dyIsY: dy !== undefined && shared[2]!,
      fromOutput: from === 'output',
      small: x.length <= SMALL_WORKGROUP_SIZE * (unit / 4),
    };
    const perGroup = elementsPerGroup(plan.vector, variant.small);
    this.record(verb, dy ? [x, dy] : [x], [y], encoder, (pass, errors) => {
      const { pipeline, tail, layout } = cachedPipeline(
        this.device, elementwiseKey(name, mode, variant), () => elementwiseShader(act, mode, variant),
        () => [[2, true], ...(variant.xIsY ? [] : [[1, false] as const]), ...(mode === 'backward' && !variant.dyIsY ? [[3, false] as const] : [])],
        errors, plan.vector === 'vec4',
      );
      for (const chunk of plan.chunks) {
        const [bx, by, bdy] = mergeShared(chunk.bindings, shared, unit);
        const { u32, f32 } = this.uniforms;
        u32[0] = chunk.length;
        u32[1] = bx!.elementOffset;
        u32[2] = bdy?.elementOffset ?? 0;
        u32[3] = by!.elementOffset;
        f32[4] = p;
        const uniform = this.uniforms.slot(ELEMENTWISE_UNIFORM_WORDS, errors);
        const entries: GPUBindGroupEntry[] = [
          { binding: 0, resource: { buffer: uniform.buffer, offset: 0, size: uniformBytes(ELEMENTWISE_UNIFORM_WORDS) } },
          { binding: 2, resource: { buffer: y.buffer, offset: by!.offset, size: by!.size } },
        ];
        if (!variant.xIsY) entries.push({ binding: 1, resource: { buffer: x.buffer, offset: bx!.offset, size: bx!.size } });
        if (dy && !variant.dyIsY) entries.push({ binding: 3, resource: { buffer: dy.buffer, offset: bdy!.offset, size: bdy!.size } });
        pass.setBindGroup(0, this.bindGroups.get(verb, layout, y.buffer, entries, errors), [uniform.offset]);
        // The vec4 main entry covers the whole vec4s; the partial last one (n % 4 lanes) is the tail's.
        const partial = plan.vector === 'vec4' ? chunk.length % 4 : 0;
        if (chunk.length > partial) {
          const grid = planDispatch(chunk.length - partial, perGroup, this.maxWorkgroupsPerDimension);
          pass.setPipeline(pipeline);
          pass.dispatchWorkgroups(grid.x, grid.y);
        }
        if (partial) {
          pass.setPipeline(tail!);
          pass.dispatchWorkgroups(1);
        }
      }
    });
    return y;
  }

  /** The bytes a chunk's binding may hold when shared operands sit `spread` bytes apart in one binding. */
  private bindingRoom(verb: string, spread: number): number {
    const room = this.maxBindingSize - spread;
    if (room < MIN_BINDING_ROOM) {
      throw new RangeError(
        `${verb}: out and an input share a GPUBuffer ${spread} bytes apart, more than one storage binding ` +
          `(${this.maxBindingSize} bytes) can span; place them closer together or in separate buffers`,
      );
    }
    return room;
  }

  /** A library-owned copy of `tensor` made by a kernel (for a caller's buffer without COPY_SRC). */
  private copyOf(tensor: GpuTensor): GpuTensor {
    const copy = this.allocate(tensor.length, 'read copy', true);
    const placements = [tensor, copy].map((t) => ({ byteOffset: t.byteOffset, bufferSize: t.buffer.size }));
    const plan = planChunks(tensor.length, placements, this.maxBindingSize, this.device.limits.minStorageBufferOffsetAlignment);
    const perUnit = plan.vector === 'vec4' ? 4 : 1;
    this.record('read (copy)', [tensor], [copy], undefined, (pass, errors) => {
      const { pipeline, layout } = cachedPipeline(this.device, 'copy/u32', copyShader, () => [[1, false], [2, true]], errors);
      pass.setPipeline(pipeline);
      for (const chunk of plan.chunks) {
        const [src, dst] = chunk.bindings;
        const { u32 } = this.uniforms;
        u32[0] = chunk.length;
        u32[1] = src!.elementOffset * perUnit;
        u32[2] = dst!.elementOffset * perUnit;
        const uniform = this.uniforms.slot(COPY_UNIFORM_WORDS, errors);
        pass.setBindGroup(0, this.bindGroups.get('read (copy)', layout, copy.buffer, [
          { binding: 0, resource: { buffer: uniform.buffer, offset: 0, size: uniformBytes(COPY_UNIFORM_WORDS) } },
          { binding: 1, resource: { buffer: tensor.buffer, offset: src!.offset, size: src!.size } },
          { binding: 2, resource: { buffer: copy.buffer, offset: dst!.offset, size: dst!.size } },
        ], errors), [uniform.offset]);
        const grid = planDispatch(chunk.length, WORKGROUP_SIZE, this.maxWorkgroupsPerDimension);
        pass.dispatchWorkgroups(grid.x, grid.y);
      }
    });
    return copy;
  }

  private allocate(length: number, name: string, temporary = false): GpuTensor {
    const pooled = this.outputs.take(padBytes(length));
    if (pooled) {
      pooled.label = `webgpu-activations ${name}[${length}]`;
      return this.owned(pooled, length, temporary);
    }
    let buffer!: GPUBuffer;
    // Out of memory is an error scope's to catch, not an uncaptured error: it becomes the tensor's.
    const error = captureErrors(this.device, `allocating ${name}[${length}]`, () => {
      buffer = this.createTensorBuffer(name, length, false);
    });
    const tensor = this.owned(buffer, length, temporary);
    tensor.recordWrite(error);
    return tensor;
  }

  private createTensorBuffer(name: string, length: number, mappedAtCreation: boolean): GPUBuffer {
    const bytes = padBytes(length);
    const max = this.device.limits.maxBufferSize;
    if (bytes > max) {
      throw new RangeError(
        `${name}: ${length} elements need ${bytes} bytes, past this device's maxBufferSize of ${max} bytes ` +
          `(at most ${Math.floor(max / 16) * 4} f32 elements per tensor)`,
      );
    }
    return this.buffers.create({
      label: `webgpu-activations ${name}[${length}]`,
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      mappedAtCreation,
    });
  }

  /**
   * What is known of a caller's buffer on this device, checked once per buffer: WebGPU cannot say
   * synchronously which device a buffer belongs to, or whether it was destroyed. A probe (a bind
   * group and a dispatch that touches nothing, in error scopes) finds out; until it has, ops on the
   * buffer get a submit of their own. The buffer's destroy() is wrapped so that the library's
   * pending work on it is submitted first, and later calls on it throw a TypeError.
   */
  private checkBuffer(buffer: GPUBuffer): BufferCheck {
    const checks = deviceCache(this.device).wraps;
    let check = checks.get(buffer);
    if (check) return check;
    const probe = buffer.size < 4 ? Promise.resolve(undefined) : this.probe(buffer);
    const known: BufferCheck = { verified: buffer.size < 4, failure: undefined, probe };
    void probe.then((e) => {
      known.verified = e === undefined;
      known.failure ??= e;
    });
    checks.set(buffer, (check = known));
    const queue = this.queue;
    const destroy = buffer.destroy;
    Object.defineProperty(buffer, 'destroy', {
      configurable: true,
      writable: true,
      value: function (this: GPUBuffer): undefined {
        queue.flush();
        known.failure ??= new TypeError(`the wrapped buffer${labelOf(buffer)} was destroyed by its owner`);
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

  /** Runs `work`, but rejects at once if the device is lost or this instance destroyed meanwhile. */
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

  /** After a loss or destroy(), every call fails with the same error. */
  private assertOpen(): void {
    if (this.closedBy) throw this.closedBy;
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

const labelOf = (buffer: GPUBuffer): string => (buffer.label ? ` "${buffer.label}"` : '');

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return v.constructor?.name ?? 'object';
}

// instanceof where the WebGPU classes are globals (browsers); the shape elsewhere (Dawn for Node).
function isGpuBuffer(v: unknown): v is GPUBuffer {
  if (typeof GPUBuffer === 'function') return v instanceof GPUBuffer;
  return typeof v === 'object' && v !== null && typeof (v as GPUBuffer).usage === 'number' && typeof (v as GPUBuffer).size === 'number';
}

function isGpuDevice(v: unknown): v is GPUDevice {
  if (typeof GPUDevice === 'function') return v instanceof GPUDevice;
  return typeof v === 'object' && v !== null && typeof (v as GPUDevice).createBuffer === 'function';
}

function checkOperand(verb: string, what: string, v: unknown): asserts v is Float32Array | GpuTensor {
  if (!(v instanceof Float32Array || v instanceof GpuTensor)) {
    throw new TypeError(`${verb}: ${what} must be a Float32Array or a GpuTensor, got ${describe(v)}`);
  }
}

function isCommandEncoder(v: unknown): v is GPUCommandEncoder {
  if (typeof GPUCommandEncoder === 'function') return v instanceof GPUCommandEncoder;
  return typeof v === 'object' && v !== null && typeof (v as GPUCommandEncoder).beginComputePass === 'function';
}

/**
 * out has x's length, and shares a buffer with an input only at exactly the input's range (in place)
 * or at a range that does not overlap it (arena layouts): a partial overlap would have invocations
 * read what others write.
 */
function checkOut(verb: string, out: GpuTensor, inputs: readonly (GpuTensor | undefined)[]): void {
  const x = inputs[0]!;
  if (out.length !== x.length) throw new RangeError(`${verb}: out has length ${out.length}, expected ${x.length}`);
  const end = (t: GpuTensor) => t.byteOffset + 4 * t.length;
  for (const input of inputs) {
    if (!input || input.buffer !== out.buffer || input.byteOffset === out.byteOffset) continue;
    if (input.byteOffset < end(out) && out.byteOffset < end(input)) {
      throw new RangeError(
        `${verb}: out (bytes ${out.byteOffset}–${end(out)}) partly overlaps an input (bytes ${input.byteOffset}–${end(input)}) ` +
          'in the same GPUBuffer; use exactly the same range (in place) or ranges that do not overlap',
      );
    }
  }
}

/** Creates an Activations on the caller's device, or on a new one with the adapter's largest limits. */
export async function createActivations(options: CreateOptions = {}): Promise<Activations> {
  const { subgroups, maxWorkgroupsPerDimension, maxBindingSize } = options;
  if (subgroups !== undefined && typeof subgroups !== 'boolean') {
    throw new TypeError(`createActivations: subgroups must be true or false, got ${describe(subgroups)} ${String(subgroups)}`);
  }
  if (maxWorkgroupsPerDimension !== undefined && (!Number.isSafeInteger(maxWorkgroupsPerDimension) || maxWorkgroupsPerDimension < 1)) {
    throw new RangeError(`createActivations: maxWorkgroupsPerDimension ${maxWorkgroupsPerDimension} is invalid; expected an integer >= 1`);
  }
  if (maxBindingSize !== undefined && !(Number.isSafeInteger(maxBindingSize) && maxBindingSize >= 4096)) {
    throw new RangeError(`createActivations: maxBindingSize ${maxBindingSize} must be an integer >= 4096 bytes`);
  }
  if (options.device !== undefined && !isGpuDevice(options.device)) {
    throw new TypeError(`createActivations: device must be a GPUDevice, got ${describe(options.device)}`);
  }
  const owns = options.device === undefined;
  const device = options.device ?? (await requestBestDevice());
  const hasSubgroups = device.features.has('subgroups');
  const fail = (error: Error): never => {
    if (owns) device.destroy();
    throw error;
  };
  if (subgroups === true && !hasSubgroups) {
    fail(new RangeError('createActivations: subgroups is true, but the device lacks the "subgroups" feature'));
  }
  const limit = device.limits.maxComputeWorkgroupsPerDimension;
  if (maxWorkgroupsPerDimension !== undefined && maxWorkgroupsPerDimension > limit) {
    fail(new RangeError(`createActivations: maxWorkgroupsPerDimension ${maxWorkgroupsPerDimension} exceeds the device's limit ${limit}`));
  }
  return new Activations(device, owns, {
    subgroups: subgroups ?? hasSubgroups,
    maxWorkgroupsPerDimension: maxWorkgroupsPerDimension ?? limit,
    maxBindingSize,
  });
}
