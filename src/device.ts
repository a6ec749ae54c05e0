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
  /** The layout of the bind group that checks a wrapped buffer belongs to the device. */
  probeLayout?: GPUBindGroupLayout;
}

export interface CachedPipeline {
  readonly pipeline: GPUComputePipeline;
  /** The vec4 variant's entry point for the last, partial vec4. */
  readonly tail?: GPUComputePipeline;
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

  constructor(private readonly buffers: BufferLedger) {}

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
      this.blocks[block] = this.buffers.create({
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

}

/**
 * Collects the command buffers recorded in one task and submits them together, at the next
 * microtask or when a readback needs them now. A failed submit invalidates every command buffer in
 * it, so each add() returns a promise of its submit's error, which the op passes on to its output.
 */
export class Batcher {
  private commands: GPUCommandBuffer[] = [];
  private afterSubmitting: (() => void)[] = [];
  private submitted: { resolve: (e: Promise<Error | undefined>) => void; promise: Promise<Error | undefined> } | undefined;
  private scheduled = false;

  constructor(
    private readonly device: GPUDevice,
    readonly uniforms: UniformArena,
  ) {}

  /**
   * Queues `commands` for the next submit. `isolated` gives them a submit of their own (after the
   * ones already queued), for work whose validity is not yet known, so that it cannot take other
   * calls' work down with it.
   */
  add(commands: GPUCommandBuffer, isolated = false): Promise<Error | undefined> {
    if (isolated) this.flush();
    if (!this.submitted) {
      let resolve!: (e: Error | undefined | Promise<Error | undefined>) => void;
      const promise = new Promise<Error | undefined>((r) => (resolve = r));
      this.submitted = { resolve, promise };
    }
    const result = this.submitted.promise;
    this.commands.push(commands);
    if (isolated) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
    return result;
  }

  /**
   * Runs `task` after the queued commands are submitted, or now if none are queued: a buffer that an
   * unsubmitted command uses must not be destroyed (the submit would fail), nor handed out again.
   */
  afterSubmit(task: () => void): void {
    if (this.submitted) this.afterSubmitting.push(task);
    else task();
  }

  flush(): void {
    this.scheduled = false;
    const submitted = this.submitted;
    if (!submitted) return;
    const commands = this.commands;
    const tasks = this.afterSubmitting;
    this.commands = [];
    this.afterSubmitting = [];
    this.submitted = undefined;
    submitted.resolve(captureErrors(this.device, 'queue.submit', () => {
      this.uniforms.flush(this.device.queue);
      this.device.queue.submit(commands);
    }));
    for (const task of tasks) task();
  }
}

/** Most bind groups kept per output buffer; more means a caller cycles many inputs into one output. */
const BIND_GROUPS_PER_OUTPUT = 16;

/**
 * Bind groups by what they bind, so that a call with the same layout, buffers, ranges and uniform
 * block as an earlier call reuses its bind group: a chain of ops over the same tensors creates none
 * after its first round. Entries are filed under the output buffer in a WeakMap and go with it.
 */
export class BindGroupCache {
  private readonly byOutput = new WeakMap<GPUBuffer, Map<string, GPUBindGroup>>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;

  constructor(private readonly device: GPUDevice) {}

  get(label: string, layout: GPUBindGroupLayout, output: GPUBuffer, entries: readonly GPUBindGroupEntry[]): GPUBindGroup {
    const parts = [this.id(layout)];
    for (const e of entries) {
      const r = e.resource as GPUBufferBinding;
      parts.push(e.binding, this.id(r.buffer), r.offset ?? 0, r.size ?? -1);
    }
    const key = parts.join(',');
    let groups = this.byOutput.get(output);
    if (!groups) this.byOutput.set(output, (groups = new Map()));
    let group = groups.get(key);
    if (!group) {
      if (groups.size >= BIND_GROUPS_PER_OUTPUT) groups.clear();
      group = this.device.createBindGroup({ label, layout, entries });
      groups.set(key, group);
    }
    return group;
  }

  /** Drops the bind groups that write `output` (about to be destroyed or reused). */
  forget(output: GPUBuffer): void {
    this.byOutput.delete(output);
  }

  private id(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) this.ids.set(o, (id = this.nextId++));
    return id;
  }
}

/** Bytes of released output buffers kept for reuse, per Activations instance. */
const POOL_BYTES = 256 * 2 ** 20;

/**
 * Output buffers of destroyed tensors, kept by size for the next op that needs one: creating a
 * buffer also costs its zero-initialisation, a full extra write. A buffer enters the pool only once
 * the commands that used it are submitted (Batcher.afterSubmit); later writes are ordered after them.
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private bytes = 0;

  constructor(private readonly buffers: BufferLedger) {}

  take(size: number): GPUBuffer | undefined {
    const buffer = this.free.get(size)?.pop();
    if (buffer) this.bytes -= size;
    return buffer;
  }

  /** Keeps `buffer` for reuse, or destroys it when the pool is full. */
  put(buffer: GPUBuffer): void {
    if (this.bytes + buffer.size > POOL_BYTES) {
      this.buffers.destroy(buffer);
      return;
    }
    let list = this.free.get(buffer.size);
    if (!list) this.free.set(buffer.size, (list = []));
    list.push(buffer);
    this.bytes += buffer.size;
  }
}

/** The GPU buffers the library has created and not yet destroyed (act.stats(), act.destroy()). */
export class BufferLedger {
  private readonly buffers = new Set<GPUBuffer>();

  constructor(private readonly device: GPUDevice) {}

  get live(): number {
    return this.buffers.size;
  }

  create(descriptor: GPUBufferDescriptor): GPUBuffer {
    const buffer = this.device.createBuffer(descriptor);
    this.buffers.add(buffer);
    return buffer;
  }

  /** Destroys a buffer this ledger created; a second call is a no-op. */
  destroy(buffer: GPUBuffer): void {
    if (this.buffers.delete(buffer)) buffer.destroy();
  }

  destroyAll(): void {
    for (const buffer of this.buffers) buffer.destroy();
    this.buffers.clear();
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
