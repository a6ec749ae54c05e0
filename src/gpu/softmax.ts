// Softmax and log-softmax on the GPU: how rows are spread over workgroups, how a tensor larger than
// a binding is cut, and the dispatches of each mode. The WGSL is shaders/softmax*.wgsl, assembled by
// src/gpu/kernels.ts; the formulas and programs are the SOFTMAX entries of src/activations/table.ts.
import { SOFTMAX, type AxisLayout, type Mode, type SoftmaxProgram } from '../activations/table.js';
import {
  bindingAt, mergeShared, planDispatch, planGrid, sharedSpread, type ChunkBinding, type OperandPlacement,
} from './dispatch.js';
import {
  JACOBIAN_PARAMS, JACOBIAN_PER_GROUP, SOFTMAX_ROWS_PARAMS, SOFTMAX_WORKGROUP, softmaxJacobianShader, softmaxKey,
  softmaxShader, type SoftmaxVariant,
} from './kernels.js';
import type { Operands, SoftmaxCall } from '../activations/call.js';
import type { GpuRuntime } from './runtime.js';
import type { GpuTensor } from './tensor.js';
/** Workgroups that keep a large GPU busy: long rows are cut into blocks until a dispatch has this many. */
const TARGET_GROUPS = 1024;
/**
 * Rows up to this long are reduced by one invocation each (a 'thread' kernel, without barriers):
 * four vec4 steps. Neighbouring invocations then read neighbouring rows, which share cache lines.
 */
const THREAD_ROW = 16;
/**
 * Strided rows (inner > 1), at least this many, also go one per invocation whatever their length:
 * neighbouring invocations read neighbouring addresses, and there are enough of them for a GPU.
 */
const THREAD_ROWS = 8192;
/** Blocks of long rows have at least this many columns, so that small tensors stay one dispatch. */
const MIN_BLOCK = 4096;

/** How one dispatch spreads rows over workgroups (the fields of Params in shaders/softmax.wgsl). */
export interface RowPlan {
  /** log2 of the lanes that share a unit (a row, or a block of one). */
  readonly laneBits: number;
  /** Where q (a lane's place in its unit) and the unit's slot sit in the lane id. */
  readonly laneShift: number;
  readonly rowShift: number;
  readonly unitsPerGroup: number;
  /** Blocks per row, and the columns each covers. */
  readonly blocks: number;
  readonly blockLen: number;
}

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * Lanes per row: one for short rows (and many strided ones), else enough for four elements each, up
 * to the whole workgroup, or on the subgroup path (`subgroupLanes` given) up to one subgroup. On the
 * workgroup path strided rows keep min(inner, 32) rows side by side, interleaving their lanes, so
 * that neighbouring lanes read neighbouring addresses. Rows of at least 2·MIN_BLOCK columns, in a
 * dispatch with fewer than TARGET_GROUPS workgroups, are cut into blocks, and so is every row longer
 * than `maxBlockLen` columns (one binding's worth), into blocks of at most that many. `serial`: one
 * lane per row or block, whatever the length (CreateOptions.rowLanes).
 */
export function planRows(
  len: number, inner: number, rows: number, subgroupLanes?: number, maxBlockLen = Infinity, serial = false,
): RowPlan {
  const strided = inner > 1;
  let lanes = 1;
  if (!serial && len > THREAD_ROW && !(strided && rows >= THREAD_ROWS)) {
    lanes = Math.min(SOFTMAX_WORKGROUP, nextPow2(Math.ceil(len / 4)));
    if (subgroupLanes !== undefined) lanes = Math.min(lanes, subgroupLanes);
    else if (strided) lanes = Math.min(lanes, SOFTMAX_WORKGROUP / Math.min(nextPow2(inner), 32));
    // A block holds at least one vec4 step of every lane.
    lanes = Math.max(1, Math.min(lanes, 2 ** Math.floor(Math.log2(Math.max(1, maxBlockLen / 4)))));
  }
  const laneBits = Math.log2(lanes);
  const slotBits = Math.log2(SOFTMAX_WORKGROUP) - laneBits;
  const unitsPerGroup = 2 ** slotBits;
  const interleaved = strided && subgroupLanes === undefined;
  const maxBlocks = Math.min(SOFTMAX_WORKGROUP, Math.floor(len / Math.max(16 * lanes, MIN_BLOCK)));
  const wanted = Math.max(1, Math.min(maxBlocks, Math.ceil((TARGET_GROUPS * unitsPerGroup) / rows)));
  // Blocks start at multiples of 4·lanes, where the lanes' vec4 steps start.
  let blockLen = wanted === 1 ? len : Math.ceil(len / wanted / (4 * lanes)) * 4 * lanes;
  if (blockLen > maxBlockLen) blockLen = Math.max(1, Math.floor(maxBlockLen / (4 * lanes))) * 4 * lanes;
  return {
    laneBits,
    laneShift: interleaved ? slotBits : 0,
    rowShift: interleaved ? 0 : laneBits,
    unitsPerGroup,
    blocks: Math.ceil(len / blockLen),
    blockLen,
  };
}

/** A run of whole outer slices [firstOuter, firstOuter + outerCount) that one set of bindings covers. */
export interface SlabChunk {
  readonly firstOuter: number;
  readonly outerCount: number;
  /** One binding per operand, in the order the operands were given. */
  readonly bindings: readonly ChunkBinding[];
}

/** The largest element of the operands, in bytes: what a binding's room is counted in. */
const widest = (operands: readonly OperandPlacement[]): number => Math.max(2, ...operands.map((o) => o.elementBytes ?? 4));

/**
 * Cuts `outer` slices of `slab` elements each (a slice holds whole rows: len·inner elements) into
 * chunks whose bindings fit `maxBindingSize` bytes and start at multiples of `alignment` bytes. Each
 * operand's binding counts in its own element size (OperandPlacement.elementBytes).
 */
export function planSlabs(
  outer: number, slab: number, operands: readonly OperandPlacement[], maxBindingSize: number, alignment: number,
): SlabChunk[] {
  const size = widest(operands);
  // A binding starts up to alignment − 4 bytes before its chunk, and ends up to 2 bytes past it (f16).
  const perChunk = Math.floor((maxBindingSize - alignment + 4 - (size === 4 ? 0 : 4)) / (size * slab));
  if (perChunk < 1) {
    throw new RangeError(`planSlabs: a slice of ${size * slab} bytes does not fit a ${maxBindingSize}-byte binding`);
  }
  const chunks: SlabChunk[] = [];
  for (let firstOuter = 0; firstOuter < outer; firstOuter += perChunk) {
    const outerCount = Math.min(perChunk, outer - firstOuter);
    const bindings = operands.map((o) => {
      const e = o.elementBytes ?? 4;
      return bindingAt(o.byteOffset + e * firstOuter * slab, e * outerCount * slab, alignment, e);
    });
    chunks.push({ firstOuter, outerCount, bindings });
  }
  return chunks;
}

/** One dispatch of a softmax plan: its rows, its blocks [firstBlock, blockEnd), where its bindings start. */
export interface SoftmaxDispatch {
  readonly rows: number;
  readonly firstBlock: number;
  readonly blockEnd: number;
  /** The column the bindings start at (0 unless a row is longer than a binding). */
  readonly col0: number;
  /** One binding per operand, shared operands merged (see mergeShared). */
  readonly bindings: readonly ChunkBinding[];
}

export interface SoftmaxPlan {
  readonly rows: RowPlan;
  /** The most rows one dispatch holds: the partial statistics are kept for that many. */
  readonly maxRows: number;
  /**
   * Dispatches by group: each group runs every phase over all its dispatches before the next phase,
   * since a phase merges the statistics of all of a row's blocks.
   */
  readonly groups: readonly (readonly SoftmaxDispatch[])[];
}

/**
 * How the rows of `layout` are cut to fit bindings of `room` bytes. Whole slices of rows, several
 * per binding, where one fits; otherwise each slice alone, its rows cut into runs of whole blocks
 * that each fit a binding: a row longer than a binding, read in place.
 */
export function planSoftmax(
  layout: AxisLayout, operands: readonly OperandPlacement[], shared: readonly boolean[], room: number, alignment: number,
  subgroupLanes?: number, serial = false,
): SoftmaxPlan {
  const { outer, len, inner } = layout;
  const slab = len * inner;
  const size = widest(operands);
  // Shared operands are in one buffer, so of one dtype: the output's.
  const unit = operands[1]?.elementBytes ?? 4;
  const slack = size === 4 ? 0 : 4;
  if (size * slab <= room - alignment + 4 - slack) {
    const chunks = planSlabs(outer, slab, operands, room, alignment);
    const maxRows = chunks[0]!.outerCount * inner;
    const rows = planRows(len, inner, maxRows, subgroupLanes, Infinity, serial);
    const groups = chunks.map((c) => [{
      rows: c.outerCount * inner, firstBlock: 0, blockEnd: rows.blocks, col0: 0, bindings: mergeShared(c.bindings, shared, unit),
    }]);
    return { rows, maxRows, groups };
  }
  // A binding holds `columns` whole columns of a slice (each inner elements), starting anywhere.
  const columns = Math.floor((room - alignment + 4 - slack) / (size * inner));
  const rows = planRows(len, inner, inner, subgroupLanes, columns, serial);
  const perRun = Math.floor(columns / rows.blockLen);
  if (perRun < 1) {
    throw new RangeError(`planSoftmax: a block of ${rows.blockLen} columns of ${inner} f32s does not fit a ${room}-byte binding`);
  }
  const groups: SoftmaxDispatch[][] = [];
  for (let o = 0; o < outer; o++) {
    const runs: SoftmaxDispatch[] = [];
    for (let firstBlock = 0; firstBlock < rows.blocks; firstBlock += perRun) {
      const blockEnd = Math.min(rows.blocks, firstBlock + perRun);
      const col0 = firstBlock * rows.blockLen;
      const colEnd = Math.min(len, blockEnd * rows.blockLen);
      const bindings = operands.map((p) => {
        const e = p.elementBytes ?? 4;
        return bindingAt(p.byteOffset + e * (o * len + col0) * inner, e * (colEnd - col0) * inner, alignment, e);
      });
      runs.push({ rows: inner, firstBlock, blockEnd, col0, bindings: mergeShared(bindings, shared, unit) });
    }
    groups.push(runs);
  }
  return { rows, maxRows: inner, groups };
}

/**
 * Throws a RangeError, before anything is uploaded or written, where the device cannot hold the
 * call: a slice of whole rows (len × inner f32s) must fit one storage binding, and the Jacobians
 * (rows·len² f32s) one buffer and one binding.
 */
export function checkSoftmaxFits(verb: string, mode: Mode, layout: AxisLayout, limits: GPUSupportedLimits): void {
  // A row may be longer than a binding (it is cut into blocks), but one vec4 step of one column,
  // across the inner dimensions, must fit.
  if (16 * layout.inner > limits.maxStorageBufferBindingSize - limits.minStorageBufferOffsetAlignment + 4) {
    throw new RangeError(
      `${verb}: the dimensions after axis ${layout.axis} of shape [${layout.shape.join(',')}] hold ${layout.inner} f32s, ` +
        `more than a quarter of this device's maxStorageBufferBindingSize ${limits.maxStorageBufferBindingSize} allows`,
    );
  }
  if (mode !== 'derivative') return;
  const bytes = 4 * layout.rows * layout.len * layout.len;
  for (const limit of ['maxBufferSize', 'maxStorageBufferBindingSize'] as const) {
    if (bytes > limits[limit]) {
      throw new RangeError(
        `${verb}: the ${layout.rows} Jacobians of ${layout.len}×${layout.len} for shape [${layout.shape.join(',')}] ` +
          `take ${bytes} bytes, more than this device's ${limit} ${limits[limit]}`,
      );
    }
  }
}

/**
 * Records `call` on `operands` (checked): forward or backward (any source) into out or a new tensor,
 * or the Jacobians for derivative. Returns the output.
 */
export function runSoftmax(rt: GpuRuntime, call: SoftmaxCall, operands: Operands): GpuTensor {
  if (call.mode === 'derivative') return runJacobian(rt, call, operands);
  const { act, mode, from } = call;
  const { x, dy } = operands;
  const y = operands.out ?? rt.allocate(x.length, call.verb, false, x.dtype);
  if (x.length === 0) return y;
  const program = mode === 'forward' ? act.wgsl.forward : from === 'output' ? act.wgsl.backwardFromOutput : act.wgsl.backward;
  recordRows(rt, call, call.name, mode, from === 'output', program, x, dy, y);
  return y;
}

/** Records the dispatches of `program` (`name`'s, in `mode`) over every row of x (and dy) into y. */
function recordRows(
  rt: GpuRuntime, call: SoftmaxCall, name: string, mode: Mode, fromOutput: boolean, program: SoftmaxProgram,
  x: GpuTensor, dy: GpuTensor | undefined, y: GpuTensor,
): void {
  const { verb, layout } = call;
  const withDy = program.readsDy;
  const operands = [x, y, ...(withDy ? [dy!] : [])];
  const placements = operands.map((t) => ({ byteOffset: t.byteOffset, bufferSize: t.buffer.size, elementBytes: t.bytesPerElement }));
  // Inputs in y's buffer (in place, or elsewhere in an arena) are read through y's binding.
  const shared = operands.map((t) => t.buffer === y.buffer);
  const { rows: plan, maxRows, groups } = planSoftmax(
    layout, placements, shared, rt.bindingRoom(verb, sharedSpread(placements, shared)),
    rt.device.limits.minStorageBufferOffsetAlignment, rt.subgroups ? rt.subgroupLanes : undefined, rt.serialRows,
  );
  const xIsY = shared[0]!;
  const dyIsY = withDy && shared[2]!;
  // Blocks start at multiples of 4 columns (planRows), so then every binding starts at a multiple of 4 f32s.
  const vec4 = layout.inner === 1 && layout.len % 4 === 0 &&
    operands.every((t) => t.dtype === 'f32' && t.byteOffset % 16 === 0);
  const phases: SoftmaxVariant['phase'][] = plan.blocks > 1
    ? program.stats.map((_, i) => i).concat(program.stats.length)
    : [plan.laneBits === 0 ? 'thread' : 'rows'];
  const partials = plan.blocks === 1 ? undefined : rt.createBuffer({
    label: `webgpu-activations ${name} partials`,
    size: 16 * program.stats.length * maxRows * plan.blocks,
    usage: GPUBufferUsage.STORAGE,
  });
  rt.record(verb, withDy ? [x, dy!] : [x], [y], call.encoder, (pass, errors) => {
    for (const group of groups) {
      for (const phase of phases) {
        const variant: SoftmaxVariant = { phase, subgroups: rt.subgroups, xIsY, dyIsY, input: x.dtype, output: y.dtype, vec4 };
        const key = softmaxKey(name, mode, fromOutput, variant);
        const { pipeline, layout: bindLayout } = rt.pipeline(key, () => softmaxShader(program, variant), () => [
          ...(xIsY ? [] : [[1, false] as const]), [2, true], ...(withDy && !dyIsY ? [[3, false] as const] : []),
          ...(partials ? [[4, true] as const] : []),
        ], errors);
        pass.setPipeline(pipeline);
        for (const d of group) {
          const [bx, by, bdy] = d.bindings;
          const entries: GPUBindGroupEntry[] = [{ binding: 2, resource: { buffer: y.buffer, offset: by!.offset, size: by!.size } }];
          if (!xIsY) entries.push({ binding: 1, resource: { buffer: x.buffer, offset: bx!.offset, size: bx!.size } });
          if (withDy && !dyIsY) entries.push({ binding: 3, resource: { buffer: dy!.buffer, offset: bdy!.offset, size: bdy!.size } });
          if (partials) entries.push({ binding: 4, resource: { buffer: partials } });
          rt.setBindGroup(pass, key, bindLayout, y.buffer, SOFTMAX_ROWS_PARAMS, {
            rows: d.rows, len: layout.len, inner: layout.inner, blocks: plan.blocks, block_len: plan.blockLen,
            first_block: d.firstBlock, block_end: d.blockEnd, col0: d.col0,
            lane_bits: plan.laneBits, lane_shift: plan.laneShift, row_shift: plan.rowShift,
            x_off: bx!.elementOffset, dy_off: bdy?.elementOffset ?? 0, y_off: by!.elementOffset,
          }, entries, errors);
          const grid = planGrid(Math.ceil((d.rows * (d.blockEnd - d.firstBlock)) / plan.unitsPerGroup), rt.maxWorkgroupsPerDimension);
          pass.dispatchWorkgroups(grid.x, grid.y);
        }
      }
    }
  });
  if (partials) rt.retire(partials, call.encoder);
}

/** derivative: y = softmax(x) into a temporary, then each row's len×len Jacobian from y. */
function runJacobian(rt: GpuRuntime, call: SoftmaxCall, { x, out }: Operands): GpuTensor {
  const { verb, layout, act } = call;
  const n = layout.len;
  const total = layout.rows * n * n;
  // A caller's out at an unaligned offset is bound from the aligned byte below it, and to the end of
  // its last u32 (an f16 range may end mid-u32).
  const size = x.bytesPerElement;
  const outOffset = out?.byteOffset ?? 0;
  const alignment = rt.device.limits.minStorageBufferOffsetAlignment;
  const bindingStart = Math.floor(outOffset / alignment) * alignment;
  const bindingSize = Math.ceil((outOffset + size * total) / 4) * 4 - bindingStart;
  const jacobian = out ?? rt.allocate(total, call.verb, false, x.dtype);
  if (total === 0) return jacobian;
  // f32 whatever x's dtype: the Jacobian's entries are computed from them in f32 and rounded once.
  const probs = rt.allocate(x.length, `${call.verb} probabilities`, true);
  recordRows(rt, call, 'softmax', 'forward', false, SOFTMAX.softmax.wgsl.forward, x, undefined, probs);
  rt.record(verb, [probs], [jacobian], call.encoder, (pass, errors) => {
    const key = `${call.name}/derivative/jacobian/${x.dtype}`;
    const { pipeline, layout: bindLayout } = rt.pipeline(key, () => softmaxJacobianShader(act, x.dtype), () => [[1, false], [2, true]], errors);
    pass.setPipeline(pipeline);
    rt.setBindGroup(pass, key, bindLayout, jacobian.buffer, JACOBIAN_PARAMS, {
      total, len: n, inner: layout.inner, y_off: 0, out_off: (outOffset - bindingStart) / size,
    }, [
      { binding: 1, resource: { buffer: probs.buffer, offset: 0, size: 4 * x.length } },
      { binding: 2, resource: { buffer: jacobian.buffer, offset: bindingStart, size: bindingSize } },
    ], errors);
    const grid = planDispatch(total, JACOBIAN_PER_GROUP, rt.maxWorkgroupsPerDimension);
    pass.dispatchWorkgroups(grid.x, grid.y);
  });
  rt.retire(probs.buffer, call.encoder);
  return jacobian;
}
