// The public API: createActivations() and the Activations object it returns. Calls are resolved
// and checked (src/activations/call.ts), then planned by the elementwise or softmax path, which record their
// dispatches through the instance's GPU runtime (src/gpu/runtime.ts).
import type { ActivationName, Mode, ParamName, Source } from './activations/table.js';
import { checkOperands, describe, isFloat16Array, resolveCall, type Call, type Operands } from './activations/call.js';
import { WebGpuUnavailableError, requestBestDevice } from './gpu/device.js';
import { runElementwise } from './gpu/elementwise.js';
import { LARGEST_WORKGROUP } from './gpu/kernels.js';
import { AllocationError, GpuRuntime, labelOf, type ActivationsStats, type DeviceLoss } from './gpu/runtime.js';
import { runSoftmax } from './gpu/softmax.js';
import type { SoftmaxCall } from './activations/call.js';
import { GpuTensor, assertFloat16Array, type Dtype } from './gpu/tensor.js';
import { roundToF16Bits } from './numerics/f16.js';

export type { ActivationsStats, DeviceLoss } from './gpu/runtime.js';
export type { Dtype } from './gpu/tensor.js';

/** The arrays a call on the CPU side takes: x and dy, f32 or f16; the result is of the same type. */
type HostArray = Float32Array | Float16Array;

export interface CreateOptions {
  /** Reuse the caller's device. It is never destroyed by the library. */
  device?: GPUDevice;
  /**
   * Where to get an adapter when no `device` is given (default: navigator.gpu). Node has none:
   * pass `create([])` of the `webgpu` package.
   */
  gpu?: GPU;
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
   * How softmax and logSoftmax spread a row over invocations. 'parallel': several invocations share
   * a row (or a block of a long row), each reading every few columns, and merge their statistics,
   * as a GPU needs to keep its lanes busy. 'serial': one invocation per row or block, nothing to
   * merge; faster on a software adapter, whose lanes are a CPU's SIMD elements, and which the rows
   * alone keep busy. Default: 'serial' on a fallback (software) adapter, as its
   * GPUAdapterInfo.isFallbackAdapter says (SwiftShader), else 'parallel'.
   */
  rowLanes?: 'serial' | 'parallel';
  /**
   * At most this many workgroups per grid dimension (default: the device's limit). A small value
   * sends small inputs down the 2D-grid path that large ones take.
   */
  maxWorkgroupsPerDimension?: number;
  /**
   * The most bytes of released buffers kept for reuse by later tensors and outputs (default 64 MiB;
   * 0 turns pooling off). See the README's Memory section.
   */
  poolBytes?: number;
}

/** The default pool: four 2²² f32 tensors, a quarter of a phone-class GPU's 256 MiB maxBufferSize. */
const DEFAULT_POOL_BYTES = 64 * 2 ** 20;

/**
 * Activation parameters, by the names the table gives them (m for linear; alpha for elu and
 * leakyRelu). Each activation takes only its own (see ELEMENTWISE[name].params); a wrong one is a
 * RangeError that lists what the activation takes.
 */
export type Params = { readonly [P in ParamName]?: number } & {
  /** softmax and logSoftmax: the tensor's dimensions (default [length]: the whole array is one row). */
  readonly shape?: readonly number[];
  /** softmax and logSoftmax: the axis each distribution runs along; negative counts from the end (default -1). */
  readonly axis?: number;
  /**
   * backward of the activations that have a form in terms of their output (softmax, logSoftmax,
   * sigmoid, tanh, relu, leakyRelu, elu): 'output' when the first operand is the saved y = f(x)
   * rather than x (default 'input').
   */
  readonly from?: Source;
};

/** Parameters plus options for GPU-resident calls. */
export type CallOptions = Params & {
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
};

export class Activations {
  /** Resolves when the device is lost (or destroyed), with the reason. */
  readonly lost: Promise<DeviceLoss>;
  private readonly rt: GpuRuntime;

  /**
   * @internal use createActivations(). `subgroupLanes` (default: the adapter's smallest subgroup
   * size) is for tests: more lanes than a subgroup holds send softmax down its no-shuffle fallback.
   */
  constructor(
    readonly device: GPUDevice,
    private readonly ownsDevice: boolean,
    options: {
      subgroups: boolean; serialRows: boolean; maxWorkgroupsPerDimension: number; maxBindingSize?: number; subgroupLanes?: number;
      poolBytes?: number;
    },
    /**
     * How softmax and logSoftmax run: runSoftmax, or undefined in an instance of the
     * `webgpu-activations/elementwise` entry (no default, so that the class itself holds no reference).
     */
    private readonly runRows: RowRunner | undefined,
  ) {
    this.rt = new GpuRuntime(device, {
      ...options,
      poolBytes: options.poolBytes ?? DEFAULT_POOL_BYTES,
      // WebGPU's subgroups are at least 4 wide; older browsers do not say how wide.
      subgroupLanes: options.subgroupLanes ?? device.adapterInfo?.subgroupMinSize ?? 4,
    });
    this.lost = this.rt.lost;
  }

  /** How softmax spreads a row over invocations (see CreateOptions.rowLanes). */
  get rowLanes(): 'serial' | 'parallel' {
    return this.rt.serialRows ? 'serial' : 'parallel';
  }

  /** True when softmax merges lanes with subgroup operations (see CreateOptions.subgroups). */
  get usesSubgroups(): boolean {
    return this.rt.subgroups;
  }

  /**
   * f(x): elementwise, or along one axis for softmax and logSoftmax. f16 operands (a Float16Array,
   * an f16 GpuTensor) give f16 results, computed in f32 and rounded once to the nearest f16.
   */
  forward(name: ActivationName, x: Float32Array, params?: Params): Promise<Float32Array>;
  forward<D extends Dtype>(name: ActivationName, x: GpuTensor<D>, options?: CallOptions): GpuTensor<D>;
  forward(name: ActivationName, x: Float16Array, params?: Params): Promise<Float16Array>;
  forward(name: ActivationName, x: HostArray | GpuTensor, options?: CallOptions): Promise<HostArray> | GpuTensor {
    return this.call('forward', name, x, undefined, options);
  }

  /** f'(x), elementwise; for softmax and logSoftmax, each row's len×len Jacobian, rows in order. */
  derivative(name: ActivationName, x: Float32Array, params?: Params): Promise<Float32Array>;
  derivative<D extends Dtype>(name: ActivationName, x: GpuTensor<D>, options?: CallOptions): GpuTensor<D>;
  derivative(name: ActivationName, x: Float16Array, params?: Params): Promise<Float16Array>;
  derivative(name: ActivationName, x: HostArray | GpuTensor, options?: CallOptions): Promise<HostArray> | GpuTensor {
    return this.call('derivative', name, x, undefined, options);
  }

  /** The vector-Jacobian product: dy ⊙ f'(x) elementwise, and softmax's without forming the Jacobian. */
  backward(name: ActivationName, x: Float32Array, dy: Float32Array, params?: Params): Promise<Float32Array>;
  backward<D extends Dtype>(name: ActivationName, x: GpuTensor<D>, dy: GpuTensor<D>, options?: CallOptions): GpuTensor<D>;
  backward(name: ActivationName, x: Float16Array, dy: Float16Array, params?: Params): Promise<Float16Array>;
  backward(name: ActivationName, x: HostArray | GpuTensor, dy: HostArray | GpuTensor, options?: CallOptions): Promise<HostArray> | GpuTensor {
    return this.call('backward', name, x, dy, options);
  }

  /**
   * Submits the library's pending GPU work now, that of every instance on this device. Never needed
   * for correct results (the queue's own methods submit it first); useful to start the GPU early, or
   * before handing the device to code that submits through another path.
   */
  flush(): void {
    this.rt.flush();
  }

  /**
   * Uploads `values` into a new GPU buffer: a Float32Array as f32, or as f16 with `{ dtype: 'f16' }`
   * (each value rounded to the nearest f16, ties to even, as the kernels' stores round), a
   * Float16Array as f16. Other arrays are refused: convert them explicitly (`Float32Array.from()`),
   * so that rounding is never a surprise.
   */
  // The Float16Array overloads come last: where a consumer's lib lacks Float16Array, it is the empty
  // stand-in of src/gpu/tensor.ts, which any object would match.
  tensor(values: Float32Array, options: { dtype: 'f16' }): GpuTensor<'f16'>;
  tensor(values: Float32Array, options?: { dtype?: 'f32' }): GpuTensor<'f32'>;
  tensor(values: Float16Array): GpuTensor<'f16'>;
  tensor(values: HostArray, options: { dtype?: Dtype } = {}): GpuTensor {
    this.rt.assertOpen();
    const dtype = options.dtype ?? (isFloat16Array(values) ? 'f16' : 'f32');
    if (dtype !== 'f32' && dtype !== 'f16') throw new TypeError(`tensor: dtype ${String(dtype)} is not 'f32' or 'f16'`);
    if (isFloat16Array(values)) {
      if (dtype !== 'f16') throw new TypeError("tensor: a Float16Array makes an f16 tensor; dtype 'f32' would widen it silently, use Float32Array.from()");
      return this.rt.upload(new Uint16Array(values.buffer, values.byteOffset, values.length));
    }
    if (!(values instanceof Float32Array)) {
      if ((values as unknown) instanceof Uint16Array) assertFloat16Array('tensor');
      throw new TypeError(`tensor: expected a Float32Array or a Float16Array, got ${describe(values)}; convert with Float32Array.from()`);
    }
    return dtype === 'f16' ? this.rt.upload(roundToF16Bits(values)) : this.rt.upload(values);
  }

  /**
   * Views `length` elements of a caller's STORAGE buffer from byte `offset`: f32s at a multiple of 4,
   * or with `dtype: 'f16'` halves at a multiple of 2 (a range that starts or ends mid-u32 leaves the
   * other half of that u32 untouched). Nothing is copied, and the buffer is never destroyed by the library.
   */
  wrap(buffer: GPUBuffer, options: { length?: number; offset?: number; dtype: 'f16' }): GpuTensor<'f16'>;
  wrap(buffer: GPUBuffer, options?: { length?: number; offset?: number; dtype?: 'f32' }): GpuTensor<'f32'>;
  wrap(buffer: GPUBuffer, options: { length?: number; offset?: number; dtype?: Dtype } = {}): GpuTensor {
    this.rt.assertOpen();
    if (!isGpuBuffer(buffer)) throw new TypeError(`wrap: expected a GPUBuffer, got ${describe(buffer)}`);
    const dtype = options.dtype ?? 'f32';
    if (dtype !== 'f32' && dtype !== 'f16') throw new TypeError(`wrap: dtype ${String(dtype)} is not 'f32' or 'f16'`);
    const size = dtype === 'f16' ? 2 : 4;
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % size !== 0 || offset > buffer.size) {
      throw new RangeError(`wrap: offset ${offset} must be a multiple of ${size} in [0, ${buffer.size}]`);
    }
    const length = options.length ?? Math.floor((buffer.size - offset) / size);
    // The kernels bind whole u32s: an f16 range ending mid-u32 needs that u32 inside the buffer.
    const end = Math.ceil((offset + size * length) / 4) * 4;
    if (!Number.isSafeInteger(length) || length < 0 || end > buffer.size) {
      throw new RangeError(
        `wrap: length ${length} from byte offset ${offset} runs past the buffer's ${buffer.size} bytes` +
          (end > offset + size * length ? ` (its last u32 ends at byte ${end})` : ''),
      );
    }
    if (!(buffer.usage & GPUBufferUsage.STORAGE)) {
      throw new TypeError(`wrap: the buffer${labelOf(buffer)} needs GPUBufferUsage.STORAGE`);
    }
    return this.rt.wrap(buffer, length, offset, dtype);
  }

  /** The GPU memory this instance holds, live and pooled, and the pipelines of its device. */
  stats(): ActivationsStats {
    return this.rt.stats();
  }

  /** Destroys the buffers kept for reuse (see stats().pooledBuffers); tensors are left alone. */
  trim(): void {
    this.rt.assertOpen();
    this.rt.trim();
  }

  /**
   * Submits what is queued, rejects every pending call, and destroys the library's own buffers and,
   * if the library made it, the device. A caller's device and buffers are left alone.
   */
  destroy(): void {
    if (this.rt.closed) return;
    this.rt.destroy();
    if (this.ownsDevice) this.device.destroy();
  }

  private call(
    mode: Mode, name: ActivationName, x: HostArray | GpuTensor, dy: HostArray | GpuTensor | undefined,
    options: CallOptions | undefined,
  ): Promise<HostArray> | GpuTensor {
    // GPU-resident calls are synchronous and throw; array calls return a promise and reject.
    if (x instanceof GpuTensor) return this.run(mode, name, x, dy, options);
    try {
      return this.run(mode, name, x, dy, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Resolves a call (it throws before anything is allocated or written), then runs it. */
  private run(
    mode: Mode, name: ActivationName, x: HostArray | GpuTensor, dy: HostArray | GpuTensor | undefined,
    options: CallOptions | undefined,
  ): Promise<HostArray> | GpuTensor {
    this.rt.assertOpen();
    const call = resolveCall(mode, name, x, dy, options, this.device);
    if (call.kind === 'softmax' && !this.runRows) {
      throw new TypeError(
        `${call.verb}: ${name} is not in the 'webgpu-activations/elementwise' entry, which leaves the row reductions out; ` +
          "import createActivations from 'webgpu-activations' for softmax and logSoftmax",
      );
    }
    if (x instanceof GpuTensor) return this.execute(call, { x, dy: dy as GpuTensor | undefined, out: call.out });
    return this.roundTrip(call, x, dy as HostArray | undefined);
  }

  private execute(call: Call, operands: Operands): GpuTensor {
    checkOperands(call, operands, this.device);
    return call.kind === 'softmax' ? this.runRows!(this.rt, call, operands) : runElementwise(this.rt, call, operands);
  }

  /**
   * An array call: upload, run, read. If an allocation fails for lack of memory, the pool has
   * been trimmed by then, and the call runs once more before it rejects.
   */
  private async roundTrip(call: Call, x: HostArray, dy: HostArray | undefined): Promise<HostArray> {
    try {
      return await this.roundTripOnce(call, x, dy);
    } catch (e) {
      if (!(e instanceof AllocationError)) throw e;
      return this.roundTripOnce(call, x, dy);
    }
  }

  private async roundTripOnce(call: Call, x: HostArray, dy: HostArray | undefined): Promise<HostArray> {
    const upload = (v: HostArray) => (v instanceof Float32Array ? this.rt.upload(v) : this.rt.upload(new Uint16Array(v.buffer, v.byteOffset, v.length)));
    const tx = upload(x);
    let tdy: GpuTensor | undefined;
    let ty: GpuTensor | undefined;
    try {
      tdy = dy && upload(dy);
      ty = this.execute(call, { x: tx, dy: tdy });
      return await ty.read();
    } finally {
      tx.destroy();
      tdy?.destroy();
      ty?.destroy();
    }
  }
}

/** Creates an Activations on the caller's device, or on a new one with the adapter's largest limits. */
export async function createActivations(options: CreateOptions = {}): Promise<Activations> {
  return openActivations(options, runSoftmax);
}

/** Records a softmax or logSoftmax call (src/gpu/softmax.ts's runSoftmax). */
export type RowRunner = (rt: GpuRuntime, call: SoftmaxCall, operands: Operands) => GpuTensor;

/**
 * createActivations, with the row reductions `runRows` (or none): the elementwise entry passes none,
 * so that its bundle holds no reference to the softmax kernels and a bundler can leave them out.
 */
export async function openActivations(options: CreateOptions, runRows: RowRunner | undefined): Promise<Activations> {
  const { subgroups, maxWorkgroupsPerDimension, maxBindingSize, rowLanes } = options;
  if (subgroups !== undefined && typeof subgroups !== 'boolean') {
    throw new TypeError(`createActivations: subgroups must be true or false, got ${describe(subgroups)} ${String(subgroups)}`);
  }
  if (rowLanes !== undefined && rowLanes !== 'serial' && rowLanes !== 'parallel') {
    throw new TypeError(`createActivations: rowLanes must be 'serial' or 'parallel', got ${describe(rowLanes)} ${String(rowLanes)}`);
  }
  if (maxWorkgroupsPerDimension !== undefined && (!Number.isSafeInteger(maxWorkgroupsPerDimension) || maxWorkgroupsPerDimension < 1)) {
    throw new RangeError(`createActivations: maxWorkgroupsPerDimension ${maxWorkgroupsPerDimension} is invalid; expected an integer >= 1`);
  }
  if (maxBindingSize !== undefined && !(Number.isSafeInteger(maxBindingSize) && maxBindingSize >= 4096)) {
    throw new RangeError(`createActivations: maxBindingSize ${maxBindingSize} must be an integer >= 4096 bytes`);
  }
  if (options.poolBytes !== undefined && !(Number.isSafeInteger(options.poolBytes) && options.poolBytes >= 0)) {
    throw new RangeError(`createActivations: poolBytes ${options.poolBytes} must be an integer >= 0`);
  }
  if (options.device !== undefined && !isGpuDevice(options.device)) {
    throw new TypeError(`createActivations: device must be a GPUDevice, got ${describe(options.device)}`);
  }
  if (options.gpu !== undefined) {
    if (options.device !== undefined) throw new TypeError('createActivations: pass device or gpu, not both');
    if (!isGpu(options.gpu)) throw new TypeError(`createActivations: gpu must be a GPU (navigator.gpu, or create() of the webgpu package), got ${describe(options.gpu)}`);
  }
  const owns = options.device === undefined;
  const device = options.device ?? (await requestBestDevice(options.gpu));
  const hasSubgroups = device.features.has('subgroups');
  const fail = (error: Error): never => {
    if (owns) device.destroy();
    throw error;
  };
  if (subgroups === true && !hasSubgroups) {
    fail(new RangeError('createActivations: subgroups is true, but the device lacks the "subgroups" feature'));
  }
  for (const name of ['maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX'] as const) {
    const value = device.limits[name];
    if (value >= LARGEST_WORKGROUP) continue;
    fail(owns
      ? new WebGpuUnavailableError(`createActivations: the adapter's ${name} ${value} is below the ${LARGEST_WORKGROUP} invocations of the library's workgroups`)
      : new RangeError(`createActivations: the device's ${name} ${value} is below the ${LARGEST_WORKGROUP} invocations of the library's workgroups; request ${name}: ${LARGEST_WORKGROUP} when creating it`));
  }
  const limit = device.limits.maxComputeWorkgroupsPerDimension;
  if (maxWorkgroupsPerDimension !== undefined && maxWorkgroupsPerDimension > limit) {
    fail(new RangeError(`createActivations: maxWorkgroupsPerDimension ${maxWorkgroupsPerDimension} exceeds the device's limit ${limit}`));
  }
  return new Activations(device, owns, {
    subgroups: subgroups ?? hasSubgroups,
    serialRows: (rowLanes ?? (device.adapterInfo?.isFallbackAdapter === true ? 'serial' : 'parallel')) === 'serial',
    maxWorkgroupsPerDimension: maxWorkgroupsPerDimension ?? limit,
    maxBindingSize,
    poolBytes: options.poolBytes,
  }, runRows);
}

// instanceof where the WebGPU classes are globals (browsers); the shape elsewhere (Dawn for Node).
function isGpuBuffer(v: unknown): v is GPUBuffer {
  if (typeof GPUBuffer === 'function') return v instanceof GPUBuffer;
  return typeof v === 'object' && v !== null && typeof (v as GPUBuffer).usage === 'number' && typeof (v as GPUBuffer).size === 'number';
}

function isGpu(v: unknown): v is GPU {
  return typeof v === 'object' && v !== null && typeof (v as GPU).requestAdapter === 'function';
}

function isGpuDevice(v: unknown): v is GPUDevice {
  if (typeof GPUDevice === 'function') return v instanceof GPUDevice;
  return typeof v === 'object' && v !== null && typeof (v as GPUDevice).createBuffer === 'function';
}
