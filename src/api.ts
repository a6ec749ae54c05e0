// The public API: createActivations() and the Activations object it returns.
import {
  kernelParam, lookupActivation, resolveLayout, resolveParams, resolveSource,
  type ActivationName, type ElementwiseActivation, type Mode, type Source,
} from './activations.js';
import {
  Batcher, BindGroupCache, BufferLedger, BufferPool, DeviceLostError, UniformArena, captureErrors, deviceCache,
  requestBestDevice, type CachedPipeline,
} from './device.js';
import { planChunks, planDispatch } from './dispatch.js';
import {
  ENTRY_MAIN, ENTRY_TAIL, elementsPerGroup, elementwiseKey, elementwiseShader, type ElementwiseVariant,
} from './kernels.js';
import { checkSoftmaxFits, runSoftmax, type SoftmaxContext } from './softmax.js';
import { GpuTensor, type TensorOwner } from './tensor.js';

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
  /** Write the result here (same length). May be an input itself (in place); nothing else may share its buffer. */
  readonly out?: GpuTensor;
}

const CALL_OPTION_KEYS = ['out'] as const;

function padBytes(length: number): number {
  // At least 16 bytes, a multiple of 16: the vec4 kernels read and write whole vec4s.
  return Math.max(16, Math.ceil((4 * length) / 16) * 16);
}

export class Activations implements TensorOwner {
  /** Resolves when the device is lost (or destroyed), with the reason. */
  readonly lost: Promise<DeviceLoss>;
  private readonly buffers: BufferLedger;
  private readonly batcher: Batcher;
  private readonly uniforms: UniformArena;
  private readonly pipelines: Map<string, CachedPipeline>;
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
    this.uniforms = new UniformArena(this.buffers);
    this.batcher = new Batcher(device, this.uniforms);
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
      batcher: this.batcher,
      pipelines: this.pipelines,
      subgroups: options.subgroups,
      // WebGPU's subgroups are at least 4 wide; older browsers do not say how wide.
      subgroupLanes: options.subgroupLanes ?? device.adapterInfo?.subgroupMinSize ?? 4,
      maxWorkgroupsPerDimension: options.maxWorkgroupsPerDimension,
      allocate: (length, label) => this.allocate(length, label),
      createBuffer: (descriptor) => this.buffers.create(descriptor),
      retire: (buffer) => this.batcher.afterSubmit(() => this.buffers.destroy(buffer)),
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
    return new GpuTensor(this, buffer, values.length, 0, true);
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
      throw new TypeError(`wrap: the buffer${buffer.label ? ` "${buffer.label}"` : ''} needs GPUBufferUsage.STORAGE`);
    }
    const tensor = new GpuTensor(this, buffer, length, offset, false);
    // WebGPU cannot say synchronously which device a buffer belongs to, or whether it was destroyed.
    // A probe bind group finds out; until it has, ops on this tensor are submitted on their own.
    if (buffer.size >= 4) tensor.verify(this.probe(buffer));
    return tensor;
  }

  /** Live GPU objects, for leak tests. */
  stats(): ActivationsStats {
    return { liveBuffers: this.buffers.live, pipelines: this.pipelines.size };
  }

  /**
   * Submits what is queued, rejects every pending call, and destroys the library's own buffers and,
   * if the library made it, the device. A caller's device and buffers are left alone.
   */
  destroy(): void {
    if (this.closedBy) return;
    this.batcher.flush();
    this.close(new Error('this Activations instance was destroyed'));
    this.buffers.destroyAll();
    if (this.ownsDevice) this.device.destroy();
  }

  /** @internal */
  readBack(tensor: GpuTensor): Promise<Float32Array> {
    return this.track(async () => {
      const error = await tensor.written;
      if (error) throw error;
      if (tensor.length === 0) return new Float32Array(0);
      this.assertOpen();
      const bytes = 4 * tensor.length;
      const staging = this.buffers.create({
        label: 'webgpu-activations readback',
        size: bytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      try {
        const encoder = this.device.createCommandEncoder({ label: 'webgpu-activations readback' });
        encoder.copyBufferToBuffer(tensor.buffer, tensor.byteOffset, staging, 0, bytes);
        const submitted = this.batcher.add(encoder.finish());
        this.batcher.flush();
        // After a failed submit the map may never complete: reject with the submit's error instead.
        const failed = submitted.then((e) => (e ? Promise.reject(e) : new Promise<never>(() => {})));
        await Promise.race([staging.mapAsync(GPUMapMode.READ), failed]);
        return new Float32Array(staging.getMappedRange().slice(0));
      } finally {
        this.buffers.destroy(staging);
      }
    });
  }

  /** @internal */
  release(tensor: GpuTensor): void {
    if (!tensor.ownsBuffer) return;
    const buffer = tensor.buffer;
    this.bindGroups.forget(buffer);
    // Queued commands may still use the buffer: pool it only once they are submitted.
    if (this.closedBy) this.buffers.destroy(buffer);
    else this.batcher.afterSubmit(() => this.outputs.put(buffer));
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
    const verb = mode;
    this.assertOpen();
    const act = lookupActivation(name, verb);
    const params = resolveParams(name, options, CALL_OPTION_KEYS);
    const out = (options as CallOptions | undefined)?.out;
    checkOperand(verb, 'x', x);
    if (mode === 'backward') {
      checkOperand(verb, 'dy', dy);
      if (dy!.length !== x.length) {
        throw new RangeError(`${verb}(${name}): dy has length ${dy!.length}, expected x's length ${x.length}`);
      }
      if ((x instanceof Float32Array) !== (dy instanceof Float32Array)) {
        throw new TypeError(`${verb}(${name}): x and dy must both be Float32Arrays or both GpuTensors`);
      }
    }
    const from = resolveSource(name, mode, options);
    let run: (x: GpuTensor, dy?: GpuTensor, out?: GpuTensor) => GpuTensor;
    if (act.kind === 'softmax') {
      const layout = resolveLayout(name, options, x.length);
      checkSoftmaxFits(`${verb}(${name})`, mode, layout, this.device.limits);
      run = (tx, tdy, tout) => {
        const call = `${verb}(${name})`;
        this.checkTensors(call, tx, tdy, tout);
        // The Jacobians have their own length, and are written after x was read into a temporary.
        if (tout !== undefined && mode !== 'derivative') checkOut(call, tout, [tx, tdy]);
        return runSoftmax(this.softmax, { verb: call, name, act, mode, from, layout, x: tx, dy: tdy, out: tout });
      };
    } else {
      const p = kernelParam(act, params);
      run = (tx, tdy, tout) => this.dispatch(mode, name, act, p, from, tx, tdy, tout);
    }
    if (x instanceof GpuTensor) return run(x, dy as GpuTensor | undefined, out);
    if (out !== undefined) throw new TypeError(`${verb}(${name}): out is only for GpuTensor inputs`);
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

  private dispatch(
    mode: Mode, name: ActivationName, act: ElementwiseActivation, p: number, from: Source,
    x: GpuTensor, dy?: GpuTensor, out?: GpuTensor,
  ): GpuTensor {
    const verb = `${mode}(${name})`;
    this.checkTensors(verb, x, dy, out);
    if (out !== undefined) checkOut(verb, out, [x, dy]);
    const y = out ?? this.allocate(x.length, name);
    if (x.length === 0) return y;
    const operands = [x, y, ...(dy ? [dy] : [])];
    const limits = this.device.limits;
    const plan = planChunks(
      x.length,
      operands.map((t) => ({ byteOffset: t.byteOffset, bufferSize: t.buffer.size })),
      this.maxBindingSize,
      limits.minStorageBufferOffsetAlignment,
    );
    const variant: ElementwiseVariant = {
      vector: plan.vector,
      xIsY: x.buffer === y.buffer,
      dyIsY: dy !== undefined && dy.buffer === y.buffer,
      fromOutput: from === 'output',
    };
    const perGroup = elementsPerGroup(plan.vector);
    // Errors flow down a chain: the output carries its inputs' errors first, then this op's own.
    y.recordWrite(x.written);
    if (dy) y.recordWrite(dy.written);
    let submitted: Promise<Error | undefined> | undefined;
    const errors = captureErrors(this.device, verb, () => {
      const { pipeline, tail, layout } = this.pipeline(elementwiseKey(name, mode, variant), mode, variant, () => elementwiseShader(act, mode, variant));
      const encoder = this.device.createCommandEncoder({ label: verb });
      const pass = encoder.beginComputePass({ label: verb });
      for (const chunk of plan.chunks) {
        const [bx, by, bdy] = chunk.bindings;
        const uniform = this.uniforms.slot((u32, f32) => {
          u32[0] = chunk.length;
          u32[1] = bx!.elementOffset;
          u32[2] = bdy?.elementOffset ?? 0;
          u32[3] = by!.elementOffset;
          f32[4] = p;
        });
        const entries: GPUBindGroupEntry[] = [
          { binding: 0, resource: { buffer: uniform.buffer, offset: 0, size: 32 } },
          { binding: 2, resource: { buffer: y.buffer, offset: by!.offset, size: by!.size } },
        ];
        // An input that is the output itself is read through y's binding.
        if (!variant.xIsY) entries.push({ binding: 1, resource: { buffer: x.buffer, offset: bx!.offset, size: bx!.size } });
        if (dy && !variant.dyIsY) entries.push({ binding: 3, resource: { buffer: dy.buffer, offset: bdy!.offset, size: bdy!.size } });
        pass.setBindGroup(0, this.bindGroups.get(verb, layout, y.buffer, entries), [uniform.offset]);
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
      pass.end();
      const unverified = operands.some((t) => !t.verified);
      submitted = this.batcher.add(encoder.finish(), unverified);
    });
    y.recordWrite(errors);
    if (submitted) y.recordWrite(submitted);
    return y;
  }

  private allocate(length: number, name: string): GpuTensor {
    const pooled = this.outputs.take(padBytes(length));
    if (pooled) pooled.label = `webgpu-activations ${name}[${length}]`;
    return new GpuTensor(this, pooled ?? this.createTensorBuffer(name, length, false), length, 0, true);
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

  /** Resolves to an error if `buffer` cannot be bound on this device. */
  private probe(buffer: GPUBuffer): Promise<Error | undefined> {
    const cache = deviceCache(this.device);
    cache.probeLayout ??= this.device.createBindGroupLayout({
      label: 'webgpu-activations wrap probe',
      entries: [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } }],
    });
    const layout = cache.probeLayout;
    return captureErrors(this.device, 'wrap', () => {
      this.device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer, offset: 0, size: 4 } }] });
    }).then((e) => e && new TypeError(
      `wrap: the buffer${buffer.label ? ` "${buffer.label}"` : ''} cannot be used on this device: it belongs to ` +
        `another GPUDevice or was destroyed (${e.message})`,
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

  private pipeline(key: string, mode: Mode, variant: ElementwiseVariant, code: () => string): CachedPipeline {
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const module = this.device.createShaderModule({ label: key, code: code() });
      const storage = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry =>
        ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type } });
      const entries = [
        // One uniform buffer serves many dispatches, each at its own dynamic offset.
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
        storage(2, 'storage'),
        ...(variant.xIsY ? [] : [storage(1, 'read-only-storage')]),
        ...(mode === 'backward' && !variant.dyIsY ? [storage(3, 'read-only-storage')] : []),
      ] satisfies GPUBindGroupLayoutEntry[];
      const layout = this.device.createBindGroupLayout({ label: key, entries });
      const pipelineLayout = this.device.createPipelineLayout({ label: key, bindGroupLayouts: [layout] });
      const entry = (entryPoint: string) => this.device.createComputePipeline({
        label: `${key}/${entryPoint}`,
        layout: pipelineLayout,
        compute: { module, entryPoint },
      });
      pipeline = { layout, pipeline: entry(ENTRY_MAIN), ...(variant.vector === 'vec4' ? { tail: entry(ENTRY_TAIL) } : {}) };
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  /** After a loss or destroy(), every call fails with the same error. */
  private assertOpen(): void {
    if (this.closedBy) throw this.closedBy;
  }
}

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

function checkOut(verb: string, out: GpuTensor, inputs: readonly (GpuTensor | undefined)[]): void {
  const x = inputs[0]!;
  if (out.length !== x.length) throw new RangeError(`${verb}: out has length ${out.length}, expected ${x.length}`);
  for (const input of inputs) {
    // WebGPU cannot bind one buffer as both read-only and writable storage in a dispatch, so an
    // input in out's buffer is read through out's binding, which needs it at the same offset.
    if (input && input.buffer === out.buffer && input.byteOffset !== out.byteOffset) {
      throw new RangeError(
        `${verb}: out shares its GPUBuffer with an input at byte offset ${input.byteOffset} instead of ` +
          `${out.byteOffset}; use exactly the same range (in place) or another buffer`,
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
