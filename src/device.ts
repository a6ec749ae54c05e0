// The device manager: owns the GPUDevice (or borrows the caller's), caches pipelines per device,
// packs per-dispatch uniforms, batches command buffers into one submit per task, and reads back.

/** Thrown when WebGPU is missing or gives no adapter or device. */
export class WebGpuUnavailableError extends Error {
  override name = 'WebGpuUnavailableError';
}

const HOW_TO_ENABLE =
  'Use a browser with WebGPU (Chrome or Edge 113+, Safari 26+, Firefox 141+ on Windows), served ' +
  'from https:// or http://localhost. On Linux, Chromium needs the --enable-unsafe-webgpu flag ' +
  '(and --enable-features=Vulkan on some drivers).';

/**
 * A device with the adapter's largest buffer and binding sizes, and the optional features the
 * kernels can use (subgroups, timestamp-query).
 */
export async function requestBestDevice(): Promise<GPUDevice> {
  const gpu = (globalThis as { navigator?: Navigator }).navigator?.gpu;
  if (!gpu) throw new WebGpuUnavailableError(`WebGPU is not available: navigator.gpu is missing. ${HOW_TO_ENABLE}`);
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new WebGpuUnavailableError(`WebGPU is not available: navigator.gpu.requestAdapter() returned no adapter. ${HOW_TO_ENABLE}`);
  }
  const wanted: GPUFeatureName[] = ['subgroups', 'timestamp-query'];
  const device = await adapter.requestDevice({
    label: 'webgpu-activations',
    requiredFeatures: wanted.filter((f) => adapter.features.has(f)),
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  return device;
}

/** Per-device state shared by every Activations instance on that device. */
export interface DeviceCache {
  readonly pipelines: Map<string, CachedPipeline>;
}

export interface CachedPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

const caches = new WeakMap<GPUDevice, DeviceCache>();

/** The pipeline cache of `device`; it goes away with the device. */
export function deviceCache(device: GPUDevice): DeviceCache {
  let cache = caches.get(device);
  if (!cache) {
    cache = { pipelines: new Map() };
    caches.set(device, cache);
  }
  return cache;
}

/** Bytes per uniform slot: the largest minUniformBufferOffsetAlignment WebGPU allows. */
export const UNIFORM_SLOT = 256;
const SLOTS_PER_BLOCK = 256;

/**
 * Uniform values for the dispatches of one batch, written with one writeBuffer per block just before
 * the batch is submitted. Blocks are reused by later batches: writeBuffer is ordered on the queue
 * after the earlier submit, so a dispatch always sees the values recorded for it.
 */
export class UniformArena {
  private readonly blocks: GPUBuffer[] = [];
  private readonly pending: ArrayBuffer[] = [];
  private used = 0;

  constructor(private readonly device: GPUDevice) {}

  /** Reserves a slot and fills it through u32 and f32 views of its UNIFORM_SLOT bytes. */
  slot(write: (u32: Uint32Array, f32: Float32Array) => void): { buffer: GPUBuffer; offset: number } {
    const block = Math.floor(this.used / SLOTS_PER_BLOCK);
    const index = this.used % SLOTS_PER_BLOCK;
    if (index === 0) this.pending.push(new ArrayBuffer(UNIFORM_SLOT * SLOTS_PER_BLOCK));
    const data = this.pending[block]!;
    write(
      new Uint32Array(data, index * UNIFORM_SLOT, UNIFORM_SLOT / 4),
      new Float32Array(data, index * UNIFORM_SLOT, UNIFORM_SLOT / 4),
    );
    this.used++;
    if (!this.blocks[block]) {
      this.blocks[block] = this.device.createBuffer({
        label: 'webgpu-activations uniforms',
        size: UNIFORM_SLOT * SLOTS_PER_BLOCK,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
    }
    return { buffer: this.blocks[block]!, offset: index * UNIFORM_SLOT };
  }

  /** Queues the writes for every slot reserved since the last flush. */
  flush(queue: GPUQueue): void {
    this.pending.forEach((data, block) => {
      const slots = Math.min(SLOTS_PER_BLOCK, this.used - block * SLOTS_PER_BLOCK);
      queue.writeBuffer(this.blocks[block]!, 0, data, 0, slots * UNIFORM_SLOT);
    });
    this.pending.length = 0;
    this.used = 0;
  }

  get bufferCount(): number {
    return this.blocks.length;
  }

  destroy(): void {
    for (const b of this.blocks) b.destroy();
    this.blocks.length = 0;
  }
}

/**
 * Collects the command buffers recorded in one task and submits them together, at the next
 * microtask or when a readback needs them now.
 */
export class Batcher {
  private commands: GPUCommandBuffer[] = [];
  private retired: GPUBuffer[] = [];
  private scheduled = false;

  constructor(
    private readonly device: GPUDevice,
    readonly uniforms: UniformArena,
  ) {}

  add(commands: GPUCommandBuffer): void {
    this.commands.push(commands);
    this.schedule();
  }

  /**
   * Destroys `buffer`, a temporary that recorded commands use, once they are submitted: destroying
   * it before the submit would make the submit invalid; after it, WebGPU frees it when the work ends.
   */
  retire(buffer: GPUBuffer): void {
    this.retired.push(buffer);
    this.schedule();
  }

  flush(): void {
    this.scheduled = false;
    const commands = this.commands;
    this.commands = [];
    if (commands.length > 0) {
      this.uniforms.flush(this.device.queue);
      this.device.queue.submit(commands);
    }
    for (const buffer of this.retired.splice(0)) buffer.destroy();
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }
}

/** Runs `record` inside validation and out-of-memory error scopes; resolves to the first error. */
export function captureErrors(device: GPUDevice, label: string, record: () => void): Promise<Error | undefined> {
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let thrown: unknown;
  try {
    record();
  } catch (e) {
    thrown = e;
  }
  const oom = device.popErrorScope();
  const validation = device.popErrorScope();
  if (thrown !== undefined) throw thrown;
  return Promise.all([oom, validation]).then(
    ([o, v]) => {
      const error = o ?? v;
      return error ? new Error(`${label}: WebGPU ${error.constructor.name}: ${error.message}`) : undefined;
    },
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
}
