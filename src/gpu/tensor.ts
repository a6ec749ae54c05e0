// GpuTensor: a run of f32 values in a GPUBuffer, owned by the library or wrapped from the caller.

/** What a tensor needs from the Activations instance that made it. */
export interface TensorOwner {
  readonly device: GPUDevice;
  readBack(tensor: GpuTensor): Promise<Float32Array>;
  release(tensor: GpuTensor): void;
}

/**
 * What the library knows of a caller's buffer, shared by every tensor that wraps it on one device:
 * wrapping the same buffer again costs no new check.
 */
export interface BufferCheck {
  /** True once a probe has shown that the buffer belongs to the device. */
  verified: boolean;
  /** Why the buffer cannot be used (another device's, or destroyed by its owner), once known. */
  failure: Error | undefined;
  /** Resolves to the probe's error. */
  readonly probe: Promise<Error | undefined>;
}

export class GpuTensor {
  private destroyed = false;
  private writes: Promise<Error | undefined>;
  /** The promises already folded into `writes`: a loop over the same tensors chains nothing new. */
  private readonly included = new WeakSet<Promise<Error | undefined>>();

  /** @internal Made by Activations.tensor(), .wrap() and the GPU-resident ops. */
  constructor(
    private readonly owner: TensorOwner,
    /** The buffer holding the values. */
    readonly buffer: GPUBuffer,
    /** Number of f32 elements. */
    readonly length: number,
    /** Byte offset of the first element in `buffer`. */
    readonly byteOffset: number,
    /** True when the library allocated `buffer` and destroys it with the tensor. */
    readonly ownsBuffer: boolean,
    /** @internal For a wrapped caller buffer: what is known of it. */
    readonly check?: BufferCheck,
  ) {
    this.writes = check?.probe ?? Promise.resolve(undefined);
    this.included.add(this.writes);
  }

  /** @internal Resolves to the first WebGPU error among the ops that produced these values. */
  get written(): Promise<Error | undefined> {
    return this.writes;
  }

  /** @internal False while a wrapped caller buffer is not yet known to belong to this device. */
  get verified(): boolean {
    return this.check === undefined || this.check.verified;
  }

  /** @internal Records an op that writes this tensor; `error` resolves to its WebGPU error, if any. */
  recordWrite(error: Promise<Error | undefined>): void {
    if (this.included.has(error)) return;
    const before = this.writes;
    this.writes = Promise.all([before, error]).then(([a, b]) => a ?? b);
    this.included.add(error);
    this.included.add(this.writes);
  }

  get device(): GPUDevice {
    return this.owner.device;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Copies the values back to the CPU. Rejects with the error of the op that produced them, if any. */
  read(): Promise<Float32Array> {
    try {
      this.assertUsable('read');
    } catch (e) {
      return Promise.reject(e);
    }
    return this.owner.readBack(this);
  }

  /**
   * Releases the buffer if the library owns it: it goes back to the library's pool for later outputs
   * (or is destroyed), once the ops already recorded with it are submitted. A wrapped caller buffer
   * is left alone. Idempotent.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.owner.release(this);
  }

  /**
   * @internal Throws if the tensor was destroyed or its buffer is known to be unusable; the message
   * starts with `use` and, if given, the operand's name (`forward(relu): x`).
   */
  assertUsable(use: string, operand?: string): void {
    if (!this.destroyed && this.check?.failure === undefined) return;
    const where = operand === undefined ? use : `${use}: ${operand}`;
    if (this.destroyed) throw new Error(`${where}: the tensor (${this.length} elements) was destroyed`);
    const failure = this.check!.failure!;
    throw new TypeError(`${where}: ${failure.message}`, { cause: failure });
  }
}
