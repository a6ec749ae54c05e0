// Dispatch planning: pure arithmetic, unit-tested in Node without a GPU.

/** Workgroup counts for dispatchWorkgroups(x, y). */
export interface Grid {
  readonly x: number;
  readonly y: number;
}

/**
 * A grid of at least `groups` workgroups with no dimension above `maxPerDimension`. Above the limit
 * the grid becomes 2D; shaders flatten the group id, and guard the overshoot (x·y may exceed groups).
 */
export function planGrid(groups: number, maxPerDimension: number): Grid {
  if (!Number.isSafeInteger(groups) || groups < 0) throw new RangeError(`planGrid: bad group count ${groups}`);
  if (groups <= maxPerDimension) return { x: groups, y: groups === 0 ? 0 : 1 };
  const y = Math.ceil(groups / maxPerDimension);
  if (y > maxPerDimension) {
    throw new RangeError(`planGrid: ${groups} workgroups exceed ${maxPerDimension}² per dispatch`);
  }
  return { x: Math.ceil(groups / y), y };
}

/** The grid for `n` elements when one workgroup covers `perGroup` of them. */
export function planDispatch(n: number, perGroup: number, maxPerDimension: number): Grid {
  return planGrid(Math.ceil(n / perGroup), maxPerDimension);
}

/** One operand of an elementwise op: where its elements start in its buffer, and the buffer's size. */
export interface OperandPlacement {
  readonly byteOffset: number;
  readonly bufferSize: number;
  /** Bytes per element where the planner needs them (softmax): 4 (f32, the default) or 2 (f16). */
  readonly elementBytes?: 4 | 2;
}

/** How one operand is bound for one chunk. */
export interface ChunkBinding {
  /** Binding offset, a multiple of the device's minStorageBufferOffsetAlignment. */
  readonly offset: number;
  readonly size: number;
  /** Where the chunk starts inside the binding, in storage elements (16-byte vec4s, f32s or halves). */
  readonly elementOffset: number;
}

/**
 * The binding of `bytes` bytes that start at byte `first` of a buffer: it starts at the multiple of
 * `alignment` below `first`, and the data at `elementOffset` storage elements of `unit` bytes in.
 */
export function bindingAt(first: number, bytes: number, alignment: number, unit: number): ChunkBinding {
  const offset = Math.floor(first / alignment) * alignment;
  // A binding's size is a multiple of 4: an f16 range ending mid-u32 is bound to the u32's end.
  return { offset, size: Math.ceil((first + bytes - offset) / 4) * 4, elementOffset: (first - offset) / unit };
}

export interface Chunk {
  /** First element of the tensor in this chunk, and how many. */
  readonly start: number;
  readonly length: number;
  /** One binding per operand, in the order the operands were given. */
  readonly bindings: readonly ChunkBinding[];
}

export interface ChunkPlan {
  readonly vector: 'vec4' | 'scalar' | 'f16' | 'f16vec4';
  /** Bytes per storage element of the bindings: 16 on the 16-byte paths, else the element's bytes. */
  readonly unit: number;
  readonly chunks: readonly Chunk[];
}

/**
 * Splits an elementwise op over `n` elements of `elementBytes` bytes (4: f32, 2: f16) into
 * dispatches whose bindings each fit in `maxBindingSize` bytes and start at multiples of
 * `alignment` bytes.
 *
 * The 16-byte paths ('vec4' for f32, 'f16vec4' for f16: eight halves in a vec4<u32>) are chosen
 * when every operand starts on a 16-byte boundary and its buffer has room for the last 16 bytes,
 * padding included; the kernel then never writes elements past n. Otherwise f32 runs 'scalar', and
 * f16 'f16' (offsets in halves, any parity); every chunk but the last holds a multiple of 8
 * elements, so each chunk starts at the alignment (and parity) of the first.
 */
export function planChunks(
  n: number,
  operands: readonly OperandPlacement[],
  maxBindingSize: number,
  alignment: number,
  elementBytes: 4 | 2 = 4,
): ChunkPlan {
  const f16 = elementBytes === 2;
  const perVec4 = 16 / elementBytes;
  const padded = Math.ceil(n / perVec4) * 16;
  const vec4 = operands.every((o) => o.byteOffset % 16 === 0 && o.byteOffset + padded <= o.bufferSize);
  const unit = vec4 ? 16 : elementBytes;
  // A binding starts up to alignment - 4 bytes before its chunk and may be padded by up to 12 bytes.
  const maxLength = Math.floor((maxBindingSize - alignment - 16) / 16) * perVec4;
  if (maxLength < 4) {
    throw new RangeError(`planChunks: maxBindingSize ${maxBindingSize} is too small for alignment ${alignment}`);
  }
  const chunks: Chunk[] = [];
  for (let start = 0; start < n; start += maxLength) {
    const length = Math.min(maxLength, n - start);
    const bytes = vec4 ? Math.ceil(length / perVec4) * 16 : elementBytes * length;
    const bindings = operands.map((o) => bindingAt(o.byteOffset + elementBytes * start, bytes, alignment, unit));
    chunks.push({ start, length, bindings });
  }
  return { vector: f16 ? (vec4 ? 'f16vec4' : 'f16') : vec4 ? 'vec4' : 'scalar', unit, chunks };
}

/**
 * Arena layouts: an input in the output's GPUBuffer at another, non-overlapping range is read
 * through the output's read_write binding (WebGPU forbids binding one buffer as both writable and
 * read-only storage in a dispatch). How far apart the shared operands start: every chunk's
 * binding must span that much more, so plan the chunks with that much less binding room.
 */
export function sharedSpread(operands: readonly OperandPlacement[], shared: readonly boolean[]): number {
  let lo = Infinity;
  let hi = -Infinity;
  operands.forEach((o, i) => {
    if (!shared[i]) return;
    lo = Math.min(lo, o.byteOffset);
    hi = Math.max(hi, o.byteOffset);
  });
  return hi > lo ? hi - lo : 0;
}

/**
 * Widens the bindings of the `shared` operands into one that covers them all, and re-expresses each
 * one's elementOffset (in `unit`-byte storage elements) from its start. Operands not shared keep
 * their own binding.
 */
export function mergeShared(bindings: readonly ChunkBinding[], shared: readonly boolean[], unit: number): readonly ChunkBinding[] {
  const members = bindings.filter((_, i) => shared[i]);
  if (members.length < 2) return bindings;
  const offset = Math.min(...members.map((b) => b.offset));
  const end = Math.max(...members.map((b) => b.offset + b.size));
  return bindings.map((b, i) => (shared[i]
    ? { offset, size: end - offset, elementOffset: (b.offset - offset) / unit + b.elementOffset }
    : b));
}
