// The library's place on a device's GPUQueue: one SharedQueue per GPUDevice, shared by every
// Activations instance on it.
//
// Calls record their dispatches into one open compute pass, submitted at the end of the task, so a
// chain of ops is one submit. Batching must never be observable: a library call's GPU work has to run
// exactly where the call happened relative to everything else on the queue. So the queue's own
// methods that put work on it (submit, writeBuffer, writeTexture, copyExternalImageToTexture) and
// onSubmittedWorkDone are wrapped, on the device's GPUQueue object, to submit the library's pending
// work first. The caller's own submits, other libraries and other Activations instances then see the
// library's results in program order, with no await anywhere.
//
// Error scopes cost more than a small dispatch (about 30 µs a pair on the software adapter), so they
// wrap only what can fail: the making of GPU objects (Made), and a submit only when its work uses an
// object not yet known to be valid or a wrapped buffer not yet checked. Work on known-valid objects
// and live buffers cannot fail: the library destroys its own buffers only after the submits that use
// them, and a wrapped buffer's destroy() is watched (see GpuRuntime.wrap).

/** Queue methods that enqueue work (or wait for it), wrapped to submit pending library work first. */
const ORDERED = ['submit', 'writeBuffer', 'writeTexture', 'copyExternalImageToTexture', 'onSubmittedWorkDone'] as const;

interface Batch {
  readonly encoder: GPUCommandEncoder;
  pass: GPUComputePassEncoder | undefined;
  /** Some of the work may fail: submit it inside error scopes. */
  checked: boolean;
  /** The ops recorded, for the error message of a failed submit. */
  readonly labels: string[];
  /** Run once the batch is submitted: releases of buffers it uses. */
  readonly after: (() => void)[];
  readonly result: Promise<Error | undefined>;
  readonly resolve: (error: Promise<Error | undefined>) => void;
}

const queues = new WeakMap<GPUDevice, SharedQueue>();
const NO_ERROR: Promise<Error | undefined> = Promise.resolve(undefined);
/**
 * A batch is submitted once it holds this many calls, even mid-task: in a long synchronous loop the
 * GPU then starts while the loop goes on (measured: 2 µs less wall time per call of relu at n = 256
 * on the software adapter, `npm run bench -- --overhead-only`). A 100-op chain stays one submit.
 */
const MAX_BATCH_CALLS = 128;

/** The SharedQueue of `device`, made (and the queue wrapped) on first use. */
export function sharedQueue(device: GPUDevice): SharedQueue {
  let queue = queues.get(device);
  if (!queue) queues.set(device, (queue = new SharedQueue(device)));
  return queue;
}

export class SharedQueue {
  private batch: Batch | undefined;
  /** Tasks to run once the caller submits an encoder the library recorded into (see afterCallerSubmit). */
  private readonly encoderTasks = new WeakMap<GPUCommandEncoder, (() => void)[]>();
  private readonly commandTasks = new WeakMap<GPUCommandBuffer, (() => void)[]>();
  private scheduled = false;
  /** The queue's methods as they were before wrapping: the library's own work goes through these. */
  private readonly raw: { submit: GPUQueue['submit']; writeBuffer: GPUQueue['writeBuffer'] };

  constructor(private readonly device: GPUDevice) {
    const queue = device.queue;
    this.raw = { submit: queue.submit.bind(queue), writeBuffer: queue.writeBuffer.bind(queue) };
    for (const method of ORDERED) {
      const original = queue[method] as ((...args: unknown[]) => unknown) | undefined;
      if (typeof original !== 'function') continue; // copyExternalImageToTexture is absent outside browsers
      const shared = this;
      // An own property on this queue object only: other devices and the prototype are untouched.
      Object.defineProperty(queue, method, {
        configurable: true,
        writable: true,
        value: function (this: GPUQueue, ...args: unknown[]): unknown {
          shared.flush();
          const result = original.apply(this, args);
          if (method === 'submit') shared.submitted(args[0] as Iterable<GPUCommandBuffer>);
          return result;
        },
      });
    }
  }

  /**
   * Records compute work into the pending batch. `record` returns true when the work may fail (it
   * uses an object not yet known to be valid), which puts the submit inside error scopes. `isolated`
   * gives it a submit of its own, right after the work already pending: for work on a wrapped buffer
   * not yet checked, so that it cannot take other calls' work down with it. Resolves to the submit's
   * error.
   */
  compute(label: string, isolated: boolean, record: (pass: GPUComputePassEncoder) => boolean): Promise<Error | undefined> {
    if (isolated) this.flush();
    const batch = this.open();
    batch.pass ??= batch.encoder.beginComputePass({ label: 'webgpu-activations' });
    return this.recorded(batch, label, isolated, record(batch.pass));
  }

  /** Records encoder commands (copies) into the pending batch, after its compute work; as compute(). */
  encode(label: string, isolated: boolean, record: (encoder: GPUCommandEncoder) => boolean): Promise<Error | undefined> {
    if (isolated) this.flush();
    const batch = this.open();
    batch.pass?.end();
    batch.pass = undefined;
    return this.recorded(batch, label, isolated, record(batch.encoder));
  }

  /**
   * Writes `buffer` without submitting the pending work first: for a buffer that no pending work uses
   * (a fresh uniform slot, or a pooled buffer whose users were all submitted before it was pooled).
   */
  writeUnbatched(buffer: GPUBuffer, offset: number, data: BufferSource): void {
    this.raw.writeBuffer(buffer, offset, data);
  }

  /** Submits work that touches no memory (a probe): it orders nothing, so it need not flush. */
  submitUnordered(commands: GPUCommandBuffer): void {
    this.raw.submit([commands]);
  }

  /**
   * Runs `task` once the pending work is submitted, or now if none is pending: a buffer that pending
   * work uses must not be destroyed (the submit would fail), nor handed out again.
   */
  afterSubmit(task: () => void): void {
    if (this.batch) this.batch.after.push(task);
    else task();
  }

  /**
   * Runs `task` once the caller has submitted `encoder`, which the library recorded work into: the
   * temporaries of that work are released then. The encoder's finish() is wrapped to follow it.
   */
  afterCallerSubmit(encoder: GPUCommandEncoder, task: () => void): void {
    let tasks = this.encoderTasks.get(encoder);
    if (!tasks) {
      const all: (() => void)[] = (tasks = []);
      this.encoderTasks.set(encoder, all);
      const finish = encoder.finish;
      const commandTasks = this.commandTasks;
      Object.defineProperty(encoder, 'finish', {
        configurable: true,
        writable: true,
        value: function (this: GPUCommandEncoder, ...args: unknown[]): GPUCommandBuffer {
          const commands = finish.apply(this, args as [GPUCommandBufferDescriptor?]);
          commandTasks.set(commands, all);
          return commands;
        },
      });
    }
    tasks.push(task);
  }

  /** The caller submitted `commands`: run the tasks waiting for those recorded into by the library. */
  private submitted(commands: Iterable<GPUCommandBuffer>): void {
    for (const buffer of commands) {
      const tasks = this.commandTasks.get(buffer);
      if (!tasks) continue;
      this.commandTasks.delete(buffer);
      for (const task of tasks) task();
    }
  }

  /** Submits the pending work now. */
  flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    batch.pass?.end();
    if (batch.checked) {
      const what = batch.labels.length === 1 ? batch.labels[0]! : `${batch.labels[0]!} and ${batch.labels.length - 1} more library calls`;
      batch.resolve(captureErrors(this.device, `queue.submit of ${what}`, () => {
        this.raw.submit([batch.encoder.finish()]);
      }));
    } else {
      this.raw.submit([batch.encoder.finish()]);
      batch.resolve(NO_ERROR);
    }
    for (const task of batch.after) task();
  }

  private open(): Batch {
    if (!this.batch) {
      let resolve!: Batch['resolve'];
      const result = new Promise<Error | undefined>((r) => (resolve = r));
      const encoder = this.device.createCommandEncoder({ label: 'webgpu-activations' });
      this.batch = { encoder, pass: undefined, checked: false, labels: [], after: [], result, resolve };
    }
    return this.batch;
  }

  private recorded(batch: Batch, label: string, isolated: boolean, mayFail: boolean): Promise<Error | undefined> {
    batch.labels.push(label);
    batch.checked ||= isolated || mayFail;
    if (isolated || batch.labels.length >= MAX_BATCH_CALLS) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.flush();
      });
    }
    return batch.result;
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

/**
 * A GPU object made inside error scopes, and whether it is known to be valid yet. Work that uses
 * only objects known to be valid is submitted without error scopes (see the top of this file).
 */
export class Made<T> {
  private ok = false;
  readonly value: T;
  readonly error: Promise<Error | undefined>;

  constructor(device: GPUDevice, label: string, make: () => T) {
    let value!: T;
    this.error = captureErrors(device, label, () => {
      value = make();
    });
    this.value = value;
    void this.error.then((e) => {
      this.ok = e === undefined;
    });
  }

  /** The object; while it is not known to be valid, its error joins `errors` (the using op's). */
  use(errors: Promise<Error | undefined>[]): T {
    if (!this.ok) errors.push(this.error);
    return this.value;
  }
}
