// GpuTensor: a run of f32 values in a GPUBuffer, owned by the library or wrapped from the caller.

/** What a tensor needs from the Activations instance that made it. */
export interface TensorOwner {
  readonly device: GPUDevice;
  readBack(tensor: GpuTensor): Promise<Float32Array>;
  release(tensor: GpuTensor): void;
}

export class GpuTensor {
  private destroyed = false;

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
  ) {}

  private writes: Promise<Error | undefined> = Promise.resolve(undefined);

  /** @internal Resolves to the first WebGPU error among the ops that produced these values. */
  get written(): Promise<Error | undefined> {
    return this.writes;
  }

  /** False until a wrapped caller buffer is known to belong to this device. */
  verified = true;

  /** @internal Marks a wrapped buffer as unverified until `check` resolves; its error becomes the tensor's. */
  verify(check: Promise<Error | undefined>): void {
    this.verified = false;
    this.recordWrite(check.then((e) => {
      this.verified = e === undefined;
      this.failure = e;
      return e;
    }));
  }

  /** The error that makes this tensor unusable (a foreign or destroyed buffer), once known. */
  private failure: Error | undefined;

  /** @internal Records an op that writes this tensor; `error` resolves to its WebGPU error, if any. */
  recordWrite(error: Promise<Error | undefined>): void {
    const before = this.writes;
    this.writes = Promise.all([before, error]).then(([a, b]) => a ?? b);
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

  /** @internal Throws if the tensor was destroyed or its buffer is known to be unusable. */
  assertUsable(use: string): void {
    if (this.destroyed) throw new Error(`${use}: the tensor (${this.length} elements) was destroyed`);
    if (this.failure) throw this.failure;
  }
}
