// GpuTensor: a run of f32 or f16 values in a GPUBuffer, owned by the library or wrapped from the caller.

declare global {
  /**
   * The published .d.ts names Float16Array; a consumer whose `lib` predates it (ES2022, TypeScript
   * before 5.7) would fail to compile it. This empty declaration merges with lib.esnext.float16's
   * where that is present (same type parameters), and stands in for it where not.
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface Float16Array<TArrayBuffer extends ArrayBufferLike = ArrayBufferLike> {}
}

/** How a tensor's elements are stored: f32, or f16 packed two per u32 (see the README's f16 section). */
export type Dtype = 'f32' | 'f16';

/** The typed array read() gives for a dtype. */
export type ArrayOf<D extends Dtype> = D extends 'f16' ? Float16Array : Float32Array;

/** Bytes per element. */
export const BYTES_PER_ELEMENT: Readonly<Record<Dtype, 4 | 2>> = { f32: 4, f16: 2 };

/**
 * The TypeError for an f16 array where the engine has no Float16Array (Node before 24, older
 * browsers): f16 tensors still work on the GPU through wrap(), without arrays on the CPU side.
 */
export function assertFloat16Array(verb: string): void {
  if (typeof Float16Array !== 'function') {
    throw new TypeError(
      `${verb}: this JavaScript engine has no Float16Array, so f16 values cannot be passed or read as arrays; ` +
        "f16 tensors still work on the GPU through wrap(buffer, { dtype: 'f16' })",
    );
  }
}

/** What a tensor needs from the Activations instance that made it. */
export interface TensorOwner {
  readonly device: GPUDevice;
  /** The tensor's bytes, exactly (2·length for f16, whatever its offset's parity). */
  readBack(tensor: GpuTensor): Promise<ArrayBuffer>;
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

export class GpuTensor<D extends Dtype = Dtype> {
  private destroyed = false;
  private writes: Promise<Error | undefined>;
  /** The promises already folded into `writes`: a loop over the same tensors chains nothing new. */
  private readonly included = new WeakSet<Promise<Error | undefined>>();

  /** @internal Made by Activations.tensor(), .wrap() and the GPU-resident ops. */
  constructor(
    private readonly owner: TensorOwner,
    /** The buffer holding the values. */
    readonly buffer: GPUBuffer,
    /** Number of elements. */
    readonly length: number,
    /** Byte offset of the first element in `buffer` (a multiple of 4 for f32, of 2 for f16). */
    readonly byteOffset: number,
    /** True when the library allocated `buffer` and destroys it with the tensor. */
    readonly ownsBuffer: boolean,
    /** 'f32', or 'f16': two elements per u32, arithmetic in f32. */
    readonly dtype: D,
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

  /** 4 for f32, 2 for f16. */
  get bytesPerElement(): 4 | 2 {
    return BYTES_PER_ELEMENT[this.dtype];
  }

  /** The bytes the elements take in `buffer`, from byteOffset. */
  get byteLength(): number {
    return this.length * this.bytesPerElement;
  }

  get device(): GPUDevice {
    return this.owner.device;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /**
   * Copies the values back to the CPU: a Float32Array, or a Float16Array for f16 (a TypeError where
   * the engine has none). Rejects with the error of the op that produced them, if any.
   */
  read(): Promise<ArrayOf<D>> {
    try {
      this.assertUsable('read');
      if (this.dtype === 'f16') assertFloat16Array('read');
    } catch (e) {
      return Promise.reject(e);
    }
    const f16 = this.dtype === 'f16';
    return this.owner.readBack(this).then((bytes) => (f16 ? new Float16Array(bytes) : new Float32Array(bytes)) as ArrayOf<D>);
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
