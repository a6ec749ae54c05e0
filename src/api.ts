// The public API: createActivations() and the Activations object it returns.
import { lookupActivation, kernelParam, resolveParams, type ActivationName, type Mode } from './activations.js';
import {
  BindGroupCache, Batcher, BufferPool, UniformArena, captureErrors, deviceCache, requestBestDevice, type CachedPipeline,
} from './device.js';
import { planChunks, planDispatch } from './dispatch.js';
import {
  ENTRY_MAIN, ENTRY_TAIL, elementsPerGroup, elementwiseKey, elementwiseShader, type ElementwiseVariant,
} from './kernels.js';
import { GpuTensor, type TensorOwner } from './tensor.js';

export interface CreateOptions {
  /** Reuse the caller's device. It is never destroyed by the library. */
  device?: GPUDevice;
}

/** Per-call options that are not activation parameters. */
export interface CallOptions {
  /** Write the result here (same length). May be the input itself (in place); nothing else may overlap. */
  out?: GpuTensor;
}

/** Activation parameters, such as `{ alpha: 0.2 }` for leakyRelu or `{ m: 3 }` for linear. */
export type Params = Readonly<Record<string, number>>;
// Not Params & CallOptions: Params' index signature would require `out` to be a number too, so no
// object with `out` would type-check.
type Options = CallOptions & { readonly [param: string]: number | GpuTensor | undefined };

const CALL_OPTION_KEYS = ['out'] as const;

const OUTPUT_USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

function padBytes(length: number): number {
  // At least 16 bytes, a multiple of 16: the vec4 kernels read and write whole vec4s.
  return Math.max(16, Math.ceil((4 * length) / 16) * 16);
}

export class Activations implements TensorOwner {
  private readonly batcher: Batcher;
  private readonly uniforms: UniformArena;
  private readonly pipelines: Map<string, CachedPipeline>;
  private readonly bindGroups: BindGroupCache;
  private readonly outputs = new BufferPool();
  private destroyed = false;

  /** @internal use createActivations() */
  constructor(
    readonly device: GPUDevice,
    private readonly ownsDevice: boolean,
  ) {
    this.uniforms = new UniformArena(device);
    this.batcher = new Batcher(device, this.uniforms);
    this.pipelines = deviceCache(device).pipelines;
    this.bindGroups = new BindGroupCache(device);
  }

  /** f(x), elementwise. */
  forward(name: ActivationName, x: Float32Array, params?: Params): Promise<Float32Array>;
  forward(name: ActivationName, x: GpuTensor, options?: Options): GpuTensor;
  forward(name: ActivationName, x: Float32Array | GpuTensor, options?: Options): Promise<Float32Array> | GpuTensor {
    return this.call('forward', name, x, undefined, options);
  }

  /** f'(x), elementwise. */
  derivative(name: ActivationName, x: Float32Array, params?: Params): Promise<Float32Array>;
  derivative(name: ActivationName, x: GpuTensor, options?: Options): GpuTensor;
  derivative(name: ActivationName, x: Float32Array | GpuTensor, options?: Options): Promise<Float32Array> | GpuTensor {
    return this.call('derivative', name, x, undefined, options);
  }

  /** dy ⊙ f'(x), the vector-Jacobian product, in one pass. */
  backward(name: ActivationName, x: Float32Array, dy: Float32Array, params?: Params): Promise<Float32Array>;
  backward(name: ActivationName, x: GpuTensor, dy: GpuTensor, options?: Options): GpuTensor;
  backward(name: ActivationName, x: Float32Array | GpuTensor, dy: Float32Array | GpuTensor, options?: Options): Promise<Float32Array> | GpuTensor {
    return this.call('backward', name, x, dy, options);
  }

  /** Uploads `values` into a new GPU buffer. */
  tensor(values: Float32Array): GpuTensor {
    this.assertAlive('tensor');
    if (!(values instanceof Float32Array)) {
      throw new TypeError(`tensor: expected a Float32Array, got ${describe(values)}`);
    }
    const buffer = this.device.createBuffer({
      label: `webgpu-activations tensor[${values.length}]`,
      size: padBytes(values.length),
      usage: OUTPUT_USAGE,
      mappedAtCreation: true,
    });
    new Float32Array(buffer.getMappedRange(), 0, values.length).set(values);
    buffer.unmap();
    return new GpuTensor(this, buffer, values.length, 0, true);
  }

  /** Views `length` f32s of a caller's STORAGE buffer from byte `offset`. Nothing is copied. */
  wrap(buffer: GPUBuffer, options: { length?: number; offset?: number } = {}): GpuTensor {
    this.assertAlive('wrap');
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
      throw new TypeError('wrap: the buffer needs GPUBufferUsage.STORAGE');
    }
    return new GpuTensor(this, buffer, length, offset, false);
  }

  /** Destroys the library's own device, if it made one. Tensors become unusable. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.batcher.flush();
    this.uniforms.destroy();
    this.outputs.destroy();
    if (this.ownsDevice) this.device.destroy();
  }

  /** @internal */
  async readBack(tensor: GpuTensor): Promise<Float32Array> {
    this.assertAlive('read');
    const error = await tensor.written;
    if (error) throw error;
    if (tensor.length === 0) return new Float32Array(0);
    const bytes = 4 * tensor.length;
    const staging = this.device.createBuffer({
      label: 'webgpu-activations readback',
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      const encoder = this.device.createCommandEncoder({ label: 'webgpu-activations readback' });
      encoder.copyBufferToBuffer(tensor.buffer, tensor.byteOffset, staging, 0, bytes);
      this.batcher.add(encoder.finish());
      this.batcher.flush();
      await staging.mapAsync(GPUMapMode.READ);
      return new Float32Array(staging.getMappedRange().slice(0));
    } finally {
      staging.destroy();
    }
  }

  /** @internal */
  release(tensor: GpuTensor): void {
    if (!tensor.ownsBuffer) return;
    const buffer = tensor.buffer;
    this.bindGroups.forget(buffer);
    if (this.destroyed) buffer.destroy();
    else this.batcher.whenSubmitted(() => this.outputs.put(buffer));
  }

  private call(
    mode: Mode, name: ActivationName, x: Float32Array | GpuTensor, dy: Float32Array | GpuTensor | undefined,
    options: Options | undefined,
  ): Promise<Float32Array> | GpuTensor {
    const verb = mode;
    this.assertAlive(verb);
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
    const p = kernelParam(act, params);
    if (x instanceof GpuTensor) {
      return this.dispatch(mode, name, p, x, dy as GpuTensor | undefined, out);
    }
    if (out !== undefined) throw new TypeError(`${verb}(${name}): out is only for GpuTensor inputs`);
    return this.roundTrip(mode, name, p, x, dy as Float32Array | undefined);
  }

  private async roundTrip(mode: Mode, name: ActivationName, p: number, x: Float32Array, dy?: Float32Array): Promise<Float32Array> {
    const tx = this.tensor(x);
    const tdy = dy && this.tensor(dy);
    let ty: GpuTensor | undefined;
    try {
      ty = this.dispatch(mode, name, p, tx, tdy);
      return await ty.read();
    } finally {
      tx.destroy();
      tdy?.destroy();
      ty?.destroy();
    }
  }

  private dispatch(mode: Mode, name: ActivationName, p: number, x: GpuTensor, dy?: GpuTensor, out?: GpuTensor): GpuTensor {
    const verb = `${mode}(${name})`;
    for (const [what, t] of [['x', x], ['dy', dy], ['out', out]] as const) {
      if (t === undefined) continue;
      t.assertAlive(verb);
      if (t.device !== this.device) throw new TypeError(`${verb}: ${what} belongs to another GPUDevice`);
    }
    if (out !== undefined) checkOut(verb, out, [x, dy]);
    const y = out ?? this.allocate(x.length, name);
    if (x.length === 0) return y;
    const operands = [x, y, ...(dy ? [dy] : [])];
    const limits = this.device.limits;
    const plan = planChunks(
      x.length,
      operands.map((t) => ({ byteOffset: t.byteOffset, bufferSize: t.buffer.size })),
      limits.maxStorageBufferBindingSize,
      limits.minStorageBufferOffsetAlignment,
    );
    const variant: ElementwiseVariant = {
      vector: plan.vector,
      xIsY: x.buffer === y.buffer,
      dyIsY: dy !== undefined && dy.buffer === y.buffer,
    };
    const act = lookupActivation(name, verb);
    const perGroup = elementsPerGroup(plan.vector);
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
          const grid = planDispatch(chunk.length - partial, perGroup, limits.maxComputeWorkgroupsPerDimension);
          pass.setPipeline(pipeline);
          pass.dispatchWorkgroups(grid.x, grid.y);
        }
        if (partial) {
          pass.setPipeline(tail!);
          pass.dispatchWorkgroups(1);
        }
      }
      pass.end();
      this.batcher.add(encoder.finish());
    });
    // Errors flow down a chain: the output carries its inputs' errors and this op's own.
    y.recordWrite(x.written);
    if (dy) y.recordWrite(dy.written);
    y.recordWrite(errors);
    return y;
  }

  private allocate(length: number, name: string): GpuTensor {
    const label = `webgpu-activations ${name} output[${length}]`;
    const size = padBytes(length);
    let buffer = this.outputs.take(size);
    if (buffer) buffer.label = label;
    else buffer = this.device.createBuffer({ label, size, usage: OUTPUT_USAGE });
    return new GpuTensor(this, buffer, length, 0, true);
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

  private assertAlive(verb: string): void {
    if (this.destroyed) throw new Error(`${verb}: this Activations instance was destroyed`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return v.constructor?.name ?? 'object';
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
  if (options.device !== undefined) return new Activations(options.device, false);
  return new Activations(await requestBestDevice(), true);
}
