// The device manager: asks for the GPUDevice (or borrows the caller's), caches pipelines and wrap
// checks per device, keeps bind groups and released buffers for reuse, and counts the buffers it made.
import { Made } from './queue.js';
import { ENTRY_MAIN, ENTRY_TAIL } from './kernels.js';
import type { BufferCheck } from './tensor.js';

/** Thrown when WebGPU is missing or gives no adapter or device. */
export class WebGpuUnavailableError extends Error {
  override name = 'WebGpuUnavailableError';
}

/** What to do about a missing WebGPU, for the runtime this code runs in (by its globals: no DOM assumed). */
export function enableHint(global: object = globalThis): string {
  const g = global as { Deno?: unknown; process?: { versions?: { node?: string } } };
  if (g.Deno) {
    return 'Deno has WebGPU built in (navigator.gpu) and needs a Vulkan, Metal or D3D12 driver; on Debian or ' +
      'Ubuntu without a GPU, `apt-get install mesa-vulkan-drivers` gives the lavapipe software adapter.';
  }
  if (g.process?.versions?.node) {
    return 'Node has no navigator.gpu: install the `webgpu` package (Dawn) and pass its GPU object, ' +
      "`createActivations({ gpu: create([]) })` with `import { create, globals } from 'webgpu'` and " +
      '`Object.assign(globalThis, globals)`. Dawn needs a Vulkan driver; without a GPU, point ' +
      'VK_ICD_FILENAMES at a software one (SwiftShader, e.g. /usr/lib/chromium/vk_swiftshader_icd.json).';
  }
  return 'Use a browser with WebGPU (Chrome or Edge 113+, Safari 26+, Firefox 141+ on Windows), served ' +
    'from https:// or http://localhost. On Linux, Chromium needs the --enable-unsafe-webgpu flag ' +
    '(and --enable-features=Vulkan on some drivers).';
}

/**
 * The adapter limits the library asks for when it makes the device: the largest buffers and
 * bindings, and the largest workgroups (a compatibility-mode device defaults to 128 invocations,
 * below the kernels' 256).
 */
const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX',
] as const;

/**
 * The GPU object each device came from, kept alive as long as the device: Dawn for Node crashes when
 * a `create()` result is collected while its device is in use.
 */
const gpuOf = new WeakMap<GPUDevice, GPU>();

/**
 * A device with the adapter's largest buffer, binding and workgroup sizes, and the optional
 * features the kernels can use (subgroups, timestamp-query). `gpu` defaults to navigator.gpu.
 */
export async function requestBestDevice(gpu?: GPU): Promise<GPUDevice> {
  gpu ??= (globalThis as { navigator?: Navigator }).navigator?.gpu;
  if (!gpu) throw new WebGpuUnavailableError(`WebGPU is not available: navigator.gpu is missing. ${enableHint()}`);
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new WebGpuUnavailableError(`WebGPU is not available: requestAdapter() returned no adapter. ${enableHint()}`);
  }
  const wanted: GPUFeatureName[] = ['subgroups', 'timestamp-query'];
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({
    label: 'webgpu-activations',
    requiredFeatures: wanted.filter((f) => adapter.features.has(f)),
    requiredLimits,
  });
  gpuOf.set(device, gpu);
  return device;
}

/** Per-device state shared by every Activations instance on that device. */
export interface DeviceCache {
  readonly pipelines: Map<string, Made<CachedPipeline>>;
  /** What is known of each caller buffer wrapped on the device (see GpuRuntime.wrap). */
  readonly wraps: WeakMap<GPUBuffer, BufferCheck>;
  /** The pipeline that checks a wrapped buffer can be used on the device. */
  probe?: CachedPipeline;
}

export interface CachedPipeline {
  readonly pipeline: GPUComputePipeline;
  /** The elementwise vec4 variant's entry point for the last, partial vec4. */
  readonly tail?: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

const caches = new WeakMap<GPUDevice, DeviceCache>();

/** The pipeline cache of `device`; it goes away with the device. */
export function deviceCache(device: GPUDevice): DeviceCache {
  let cache = caches.get(device);
  if (!cache) {
    cache = { pipelines: new Map(), wraps: new WeakMap() };
    caches.set(device, cache);
  }
  return cache;
}

/** A storage binding of a kernel: its number, and whether the kernel writes it. */
export type StorageBinding = readonly [binding: number, writable: boolean];

/**
 * The pipeline cached under `key` on `device`, made on first use inside error scopes (its error
 * pushed to `errors`). Binding 0 is a uniform block at a dynamic offset; `storage()` lists the rest.
 */
export function cachedPipeline(
  device: GPUDevice, key: string, code: () => string, storage: () => readonly StorageBinding[],
  errors: Promise<Error | undefined>[], withTail = false,
): CachedPipeline {
  const pipelines = deviceCache(device).pipelines;
  let cached = pipelines.get(key);
  if (!cached) {
    cached = new Made(device, key, () => {
      const entries: GPUBindGroupLayoutEntry[] = [
        // One uniform buffer serves many dispatches, each at its own dynamic offset.
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
        ...storage().map(([binding, writable]): GPUBindGroupLayoutEntry => ({
          binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: writable ? 'storage' : 'read-only-storage' },
        })),
      ];
      const layout = device.createBindGroupLayout({ label: key, entries });
      const pipelineLayout = device.createPipelineLayout({ label: key, bindGroupLayouts: [layout] });
      const module = device.createShaderModule({ label: key, code: code() });
      const entry = (entryPoint: string) => device.createComputePipeline({
        label: `${key}/${entryPoint}`, layout: pipelineLayout, compute: { module, entryPoint },
      });
      return { layout, pipeline: entry(ENTRY_MAIN), ...(withTail ? { tail: entry(ENTRY_TAIL) } : {}) };
    });
    pipelines.set(key, cached);
  }
  return cached.use(errors);
}

/** Most bind groups kept per output buffer; more means a caller cycles many inputs into one output. */
const BIND_GROUPS_PER_OUTPUT = 16;

/**
 * Bind groups by what they bind, so that a call with the same layout, buffers, ranges and uniform
 * block as an earlier call reuses its bind group: a chain of ops over the same tensors creates none
 * after its first round. Entries are filed under the output buffer in a WeakMap and go with it.
 */
export class BindGroupCache {
  private readonly byOutput = new WeakMap<GPUBuffer, Map<string, Made<GPUBindGroup>>>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;

  constructor(private readonly device: GPUDevice) {}

  /**
   * The bind group for `entries`, made on first use inside error scopes: the error of making it (a
   * buffer of another device, say) reaches the ops that use it through `errors` (see Made.use),
   * never uncaptured.
   */
  get(
    label: string, layout: GPUBindGroupLayout, output: GPUBuffer, entries: readonly GPUBindGroupEntry[],
    errors: Promise<Error | undefined>[],
  ): GPUBindGroup {
    let key = String(this.id(layout));
    for (const e of entries) {
      const r = e.resource as GPUBufferBinding;
      key += `,${e.binding},${this.id(r.buffer)},${r.offset ?? 0},${r.size ?? -1}`;
    }
    let groups = this.byOutput.get(output);
    if (!groups) this.byOutput.set(output, (groups = new Map()));
    let group = groups.get(key);
    if (!group) {
      if (groups.size >= BIND_GROUPS_PER_OUTPUT) groups.clear();
      group = new Made(this.device, label, () => this.device.createBindGroup({ label, layout, entries }));
      groups.set(key, group);
    }
    return group.use(errors);
  }

  private id(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) this.ids.set(o, (id = this.nextId++));
    return id;
  }
}

/**
 * Buffers of destroyed tensors, kept by size for the next tensor or output of that size: creating a
 * buffer also costs its zero-initialisation, a full extra write. A buffer enters the pool only once
 * the commands that used it are submitted (SharedQueue.afterSubmit); later work is ordered after
 * them. At most `capBytes` are kept; past that, released buffers are destroyed.
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private pooledBytes = 0;
  private pooled = 0;

  constructor(
    private readonly buffers: BufferLedger,
    private readonly capBytes: number,
  ) {}

  get count(): number {
    return this.pooled;
  }

  get bytes(): number {
    return this.pooledBytes;
  }

  take(size: number): GPUBuffer | undefined {
    const buffer = this.free.get(size)?.pop();
    if (buffer) {
      this.pooledBytes -= size;
      this.pooled--;
    }
    return buffer;
  }

  /** Keeps `buffer` for reuse, or destroys it when the pool is full. */
  put(buffer: GPUBuffer): void {
    if (this.pooledBytes + buffer.size > this.capBytes) {
      this.buffers.destroy(buffer);
      return;
    }
    let list = this.free.get(buffer.size);
    if (!list) this.free.set(buffer.size, (list = []));
    list.push(buffer);
    this.pooledBytes += buffer.size;
    this.pooled++;
  }

  /** Destroys every pooled buffer (their users are all submitted; WebGPU lets that work finish). */
  trim(): void {
    for (const list of this.free.values()) for (const buffer of list) this.buffers.destroy(buffer);
    this.free.clear();
    this.pooledBytes = 0;
    this.pooled = 0;
  }
}

/** The GPU buffers the library has created and not yet destroyed (act.stats(), act.destroy()). */
export class BufferLedger {
  private readonly buffers = new Set<GPUBuffer>();
  private liveBytes = 0;

  constructor(private readonly device: GPUDevice) {}

  get live(): number {
    return this.buffers.size;
  }

  get bytes(): number {
    return this.liveBytes;
  }

  create(descriptor: GPUBufferDescriptor): GPUBuffer {
    const buffer = this.device.createBuffer(descriptor);
    this.buffers.add(buffer);
    this.liveBytes += buffer.size;
    return buffer;
  }

  /** Destroys a buffer this ledger created; a second call is a no-op. */
  destroy(buffer: GPUBuffer): void {
    if (!this.buffers.delete(buffer)) return;
    this.liveBytes -= buffer.size;
    buffer.destroy();
  }

  destroyAll(): void {
    for (const buffer of this.buffers) buffer.destroy();
    this.buffers.clear();
    this.liveBytes = 0;
  }
}

/** Rejects every pending and later call once the device is lost. */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';

  constructor(
    /** GPUDeviceLostInfo.reason: 'destroyed' or 'unknown'. */
    readonly reason: GPUDeviceLostReason,
    message: string,
  ) {
    super(message);
  }
}
