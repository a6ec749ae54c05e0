// Kernel uniforms. Each kernel's uniform struct is declared once, as a UniformLayout: the layout
// writes the WGSL struct that the kernel's template receives, and packs the values of a dispatch by
// field name, so TypeScript and WGSL cannot disagree on the order, the types or the size.
import { Made, type SharedQueue } from './queue.js';
import type { BufferLedger } from './device.js';

export type UniformType = 'u32' | 'i32' | 'f32';

/** Bytes a uniform binding of `words` 4-byte fields takes: WGSL rounds a uniform struct up to 16. */
function uniformBytes(words: number): number {
  return Math.ceil((4 * words) / 16) * 16;
}

export class UniformLayout<Field extends string = string> {
  constructor(
    /** The WGSL struct's name. */
    readonly struct: string,
    readonly fields: readonly (readonly [name: Field, type: UniformType])[],
  ) {
    if (fields.length === 0 || fields.length > UNIFORM_SLOT / 4) {
      throw new RangeError(`UniformLayout ${struct}: ${fields.length} fields; expected 1 to ${UNIFORM_SLOT / 4}`);
    }
    if (new Set(fields.map(([name]) => name)).size !== fields.length) throw new RangeError(`UniformLayout ${struct}: a field name repeats`);
  }

  /** Bytes the binding takes. */
  get bytes(): number {
    return uniformBytes(this.fields.length);
  }

  /** The WGSL declaration of the struct, fields in order. */
  wgsl(): string {
    return `struct ${this.struct} {\n${this.fields.map(([name, type]) => `  ${name}: ${type},`).join('\n')}\n}`;
  }

  /**
   * The slot holding `values`, every field given (a missing one throws); `errors` as for Made.use.
   * Fields are read by name, in the layout's order.
   */
  slot(slots: UniformSlots, values: Readonly<Record<Field, number>>, errors: Promise<Error | undefined>[]): UniformSlot {
    const { u32, f32 } = slots;
    const { fields } = this;
    for (let i = 0; i < fields.length; i++) {
      const [name, type] = fields[i]!;
      const value = values[name];
      if (value === undefined) throw new RangeError(`UniformLayout ${this.struct}: no value for ${name}`);
      // An i32's bits are its value modulo 2^32, which is what a Uint32Array stores.
      if (type === 'f32') f32[i] = value;
      else u32[i] = value;
    }
    return slots.slot(fields.length, errors);
  }
}

/** Bytes per uniform slot: the largest minUniformBufferOffsetAlignment WebGPU allows. */
const UNIFORM_SLOT = 256;
const SLOTS_PER_BLOCK = 256;
/** Blocks of slots before the cache starts over: 4096 distinct dispatch configurations, 1 MiB. */
const MAX_BLOCKS = 16;

/** Where one dispatch's uniform values live: bound at `offset` as a dynamic offset. */
export interface UniformSlot {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly block: Made<GPUBuffer>;
  /** Binding 0 of a bind group: the slot's block, as many bytes as the values take. */
  readonly entry: GPUBindGroupEntry;
}

/**
 * Uniform values by content. A dispatch whose values (n, offsets, parameters) were seen before reuses
 * their slot, so a loop over the same shapes writes no uniforms at all; new values get a fresh slot,
 * written at once. A slot is never rewritten, so it stays right for work recorded into a caller's
 * encoder and submitted any time later. Past MAX_BLOCKS blocks the cache starts over: old blocks are
 * destroyed once the pending work is submitted, except those used by a caller's encoder, which are
 * kept until the instance is destroyed (WebGPU cannot say when the caller submits).
 */
export class UniformSlots {
  private readonly slots = new Map<string, UniformSlot>();
  private blocks: Made<GPUBuffer>[] = [];
  private readonly pinned = new Set<GPUBuffer>();
  private used = SLOTS_PER_BLOCK;
  private readonly words = new ArrayBuffer(UNIFORM_SLOT);
  readonly u32 = new Uint32Array(this.words);
  readonly f32 = new Float32Array(this.words);
  /** Set while recording into a caller's encoder: the slots used are pinned (see the class comment). */
  pinning = false;

  constructor(
    private readonly device: GPUDevice,
    private readonly buffers: BufferLedger,
    private readonly queue: SharedQueue,
  ) {}

  /**
   * The slot holding the first `count` words of `u32`/`f32`, just filled by a UniformLayout. The
   * words after `count` are zeroed as they are written. `errors` as for Made.use.
   */
  slot(count: number, errors: Promise<Error | undefined>[]): UniformSlot {
    const u32 = this.u32;
    let key = String(u32[0]);
    for (let i = 1; i < count; i++) key += ',' + u32[i];
    let slot = this.slots.get(key);
    if (!slot) {
      if (this.used === SLOTS_PER_BLOCK) {
        if (this.blocks.length === MAX_BLOCKS) this.startOver();
        this.blocks.push(new Made(this.device, 'webgpu-activations uniforms', () => this.buffers.create({
          label: 'webgpu-activations uniforms',
          size: UNIFORM_SLOT * SLOTS_PER_BLOCK,
          usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
        })));
        this.used = 0;
      }
      const block = this.blocks[this.blocks.length - 1]!;
      const entry = { binding: 0, resource: { buffer: block.value, offset: 0, size: uniformBytes(count) } };
      slot = { buffer: block.value, offset: this.used++ * UNIFORM_SLOT, block, entry };
      u32.fill(0, count);
      // A fresh slot: nothing pending or submitted reads it, so it need not wait for pending work.
      this.queue.writeUnbatched(slot.buffer, slot.offset, this.words);
      this.slots.set(key, slot);
    }
    slot.block.use(errors);
    if (this.pinning) this.pinned.add(slot.buffer);
    return slot;
  }

  private startOver(): void {
    for (const { value: block } of this.blocks) {
      if (!this.pinned.has(block)) this.queue.afterSubmit(() => this.buffers.destroy(block));
    }
    this.blocks = [];
    this.slots.clear();
  }
}
