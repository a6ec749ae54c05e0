// Softmax and log-softmax on the GPU: how rows are spread over workgroups, how a tensor larger than
// a binding is cut, and the dispatches of each mode. The WGSL is shaders/softmax*.wgsl, assembled by
// src/kernels.ts; the formulas and programs are the SOFTMAX entries of src/activations.ts.
import { SOFTMAX, type AxisLayout, type Mode, type SoftmaxActivation, type SoftmaxProgram, type Source } from './activations.js';
import { captureErrors, type Batcher, type CachedPipeline, type UniformArena } from './device.js';
import { planDispatch, planGrid, type ChunkBinding, type OperandPlacement } from './dispatch.js';
import {
  JACOBIAN_PER_GROUP, softmaxJacobianShader, softmaxKey, softmaxShader, type SoftmaxVariant,
} from './kernels.js';
import type { GpuTensor } from './tensor.js';

/** Invocations per workgroup of the softmax kernels (WG in shaders/softmax.wgsl). */
export const SOFTMAX_WORKGROUP = 256;
/** Bytes of the kernels' uniform Params, rounded up to 16. */
const PARAMS_BYTES = 64;
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

/** What an Activations instance lends its softmax calls. */
export interface SoftmaxContext {
  readonly device: GPUDevice;
  readonly uniforms: UniformArena;
  readonly batcher: Batcher;
  readonly pipelines: Map<string, CachedPipeline>;
  /** Merge lanes with subgroup operations (the device has the feature and the caller did not opt out). */
  readonly subgroups: boolean;
  /** The adapter's smallest subgroup size: at most this many lanes share a row on the subgroup path. */
  readonly subgroupLanes: number;
  readonly maxWorkgroupsPerDimension: number;
  allocate(length: number, label: string): GpuTensor;
  /** A temporary buffer, counted in act.stats(). */
  createBuffer(descriptor: GPUBufferDescriptor): GPUBuffer;
  /** Destroys a temporary once the commands queued so far are submitted. */
  retire(buffer: GPUBuffer): void;
}

/** One call, its arguments checked (see Activations.call). */
export interface SoftmaxCall {
  /** "forward(softmax)", for labels and errors. */
  readonly verb: string;
  readonly name: string;
  readonly act: SoftmaxActivation;
  readonly mode: Mode;
  readonly from: Source;
  readonly layout: AxisLayout;
  readonly x: GpuTensor;
  readonly dy?: GpuTensor;
  readonly out?: GpuTensor;
}

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
 * dispatch with fewer than TARGET_GROUPS workgroups, are cut into blocks.
 */
export function planRows(len: number, inner: number, rows: number, subgroupLanes?: number): RowPlan {
  const strided = inner > 1;
  let lanes = 1;
  if (len > THREAD_ROW && !(strided && rows >= THREAD_ROWS)) {
    lanes = Math.min(SOFTMAX_WORKGROUP, nextPow2(Math.ceil(len / 4)));
    if (subgroupLanes !== undefined) lanes = Math.min(lanes, subgroupLanes);
    else if (strided) lanes = Math.min(lanes, SOFTMAX_WORKGROUP / Math.min(nextPow2(inner), 32));
  }
  const laneBits = Math.log2(lanes);
  const slotBits = Math.log2(SOFTMAX_WORKGROUP) - laneBits;
  const unitsPerGroup = 2 ** slotBits;
  const interleaved = strided && subgroupLanes === undefined;
  const maxBlocks = Math.min(SOFTMAX_WORKGROUP, Math.floor(len / Math.max(16 * lanes, MIN_BLOCK)));
  const wanted = Math.max(1, Math.min(maxBlocks, Math.ceil((TARGET_GROUPS * unitsPerGroup) / rows)));
  // Blocks start at multiples of 4·lanes, where the lanes' vec4 steps start.
  const blockLen = wanted === 1 ? len : Math.ceil(len / wanted / (4 * lanes)) * 4 * lanes;
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

/**
 * Cuts `outer` slices of `slab` f32s each (a slice holds whole rows: len·inner elements) into chunks
 * whose bindings fit `maxBindingSize` bytes and start at multiples of `alignment` bytes.
 */
export function planSlabs(
  outer: number, slab: number, operands: readonly OperandPlacement[], maxBindingSize: number, alignment: number,
): SlabChunk[] {
  // A binding starts up to alignment − 4 bytes before its chunk.
  const perChunk = Math.floor((maxBindingSize - alignment + 4) / (4 * slab));
  if (perChunk < 1) {
    throw new RangeError(`planSlabs: a slice of ${4 * slab} bytes does not fit a ${maxBindingSize}-byte binding`);
  }
  const chunks: SlabChunk[] = [];
  for (let firstOuter = 0; firstOuter < outer; firstOuter += perChunk) {
    const outerCount = Math.min(perChunk, outer - firstOuter);
    const bindings = operands.map((o) => {
      const first = o.byteOffset + 4 * firstOuter * slab;
      const offset = Math.floor(first / alignment) * alignment;
      return { offset, size: first + 4 * outerCount * slab - offset, elementOffset: (first - offset) / 4 };
    });
    chunks.push({ firstOuter, outerCount, bindings });
  }
  return chunks;
}

/**
 * Throws a RangeError, before anything is uploaded or written, where the device cannot hold the
 * call: a slice of whole rows (len × inner f32s) must fit one storage binding, and the Jacobians
 * (rows·len² f32s) one buffer and one binding.
 */
export function checkSoftmaxFits(verb: string, mode: Mode, layout: AxisLayout, limits: GPUSupportedLimits): void {
  const slab = layout.len * layout.inner;
  if (4 * slab > limits.maxStorageBufferBindingSize - limits.minStorageBufferOffsetAlignment + 4) {
    throw new RangeError(
      `${verb}: one slice along axis ${layout.axis} of shape [${layout.shape.join(',')}] is ${4 * slab} bytes ` +
        `(${layout.len} × ${layout.inner} f32s), more than this device's maxStorageBufferBindingSize ` +
        `${limits.maxStorageBufferBindingSize} allows`,
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

/** Runs forward or backward (any source) into out or a new tensor, or the Jacobians for derivative. */
export function runSoftmax(ctx: SoftmaxContext, call: SoftmaxCall): GpuTensor {
  if (call.mode === 'derivative') return runJacobian(ctx, call);
  const { act, mode, from, x, dy } = call;
  const y = call.out ?? ctx.allocate(x.length, call.name);
  if (x.length === 0) return y;
  const program = mode === 'forward' ? act.wgsl.forward : from === 'output' ? act.wgsl.backwardFromOutput : act.wgsl.backward;
  recordRows(ctx, call.verb, call.name, mode, from === 'output', program, call.layout, x, dy, y);
  return y;
}

/** Records the dispatches of `program` over every row of x (and dy) into y. */
function recordRows(
  ctx: SoftmaxContext, verb: string, name: string, mode: Mode, fromOutput: boolean, program: SoftmaxProgram,
  layout: AxisLayout, x: GpuTensor, dy: GpuTensor | undefined, y: GpuTensor,
): void {
  const { device } = ctx;
  const limits = device.limits;
  const slab = layout.len * layout.inner;
  const withDy = program.readsDy;
  const operands = [x, y, ...(withDy ? [dy!] : [])];
  const chunks = planSlabs(
    layout.outer, slab, operands.map((t) => ({ byteOffset: t.byteOffset, bufferSize: t.buffer.size })),
    limits.maxStorageBufferBindingSize, limits.minStorageBufferOffsetAlignment,
  );
  const chunkRows = chunks[0]!.outerCount * layout.inner;
  const plan = planRows(layout.len, layout.inner, chunkRows, ctx.subgroups ? ctx.subgroupLanes : undefined);
  const xIsY = x.buffer === y.buffer;
  const dyIsY = withDy && dy!.buffer === y.buffer;
  const phases: SoftmaxVariant['phase'][] = plan.blocks > 1
    ? program.stats.map((_, i) => i).concat(program.stats.length)
    : [plan.laneBits === 0 ? 'thread' : 'rows'];
  const partials = plan.blocks === 1 ? undefined : ctx.createBuffer({
    label: `webgpu-activations ${name} partials`,
    size: 16 * program.stats.length * chunkRows * plan.blocks,
    usage: GPUBufferUsage.STORAGE,
  });
  // Errors flow down a chain: the output carries its inputs' errors first, then this op's own.
  y.recordWrite(x.written);
  if (withDy) y.recordWrite(dy!.written);
  let submitted: Promise<Error | undefined> | undefined;
  const errors = captureErrors(device, verb, () => {
    const encoder = device.createCommandEncoder({ label: verb });
    const pass = encoder.beginComputePass({ label: verb });
    for (const chunk of chunks) {
      const [bx, by, bdy] = chunk.bindings;
      const rows = chunk.outerCount * layout.inner;
      const uniform = ctx.uniforms.slot((u32) => {
        u32.set([rows, layout.len, layout.inner, plan.blocks, plan.blockLen, plan.laneBits, plan.laneShift, plan.rowShift,
          bx!.elementOffset, bdy?.elementOffset ?? 0, by!.elementOffset]);
      });
      const grid = planGrid(Math.ceil((rows * plan.blocks) / plan.unitsPerGroup), ctx.maxWorkgroupsPerDimension);
      for (const phase of phases) {
        const variant: SoftmaxVariant = { phase, subgroups: ctx.subgroups, xIsY, dyIsY };
        const key = softmaxKey(name, mode, fromOutput, variant);
        const { pipeline, layout: bindLayout } = cachedPipeline(ctx, key, () => softmaxShader(program, variant), [
          ...(xIsY ? [] : [1]), 2, ...(withDy && !dyIsY ? [3] : []), ...(partials ? [4] : []),
        ]);
        const entries: GPUBindGroupEntry[] = [
          { binding: 0, resource: { buffer: uniform.buffer, offset: 0, size: PARAMS_BYTES } },
          { binding: 2, resource: { buffer: y.buffer, offset: by!.offset, size: by!.size } },
        ];
        // An input that is the output itself is read through y's binding.
        if (!xIsY) entries.push({ binding: 1, resource: { buffer: x.buffer, offset: bx!.offset, size: bx!.size } });
        if (withDy && !dyIsY) entries.push({ binding: 3, resource: { buffer: dy!.buffer, offset: bdy!.offset, size: bdy!.size } });
        if (partials) entries.push({ binding: 4, resource: { buffer: partials } });
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, device.createBindGroup({ label: key, layout: bindLayout, entries }), [uniform.offset]);
        pass.dispatchWorkgroups(grid.x, grid.y);
      }
    }
    pass.end();
    submitted = ctx.batcher.add(encoder.finish(), operands.some((t) => !t.verified));
  });
  if (partials) ctx.retire(partials);
  y.recordWrite(errors);
  if (submitted) y.recordWrite(submitted);
}

/** derivative: y = softmax(x) into a temporary, then each row's len×len Jacobian from y. */
function runJacobian(ctx: SoftmaxContext, call: SoftmaxCall): GpuTensor {
  const { verb, layout, x, out, act } = call;
  const { device } = ctx;
  const limits = device.limits;
  checkSoftmaxFits(verb, 'derivative', layout, limits);
  const n = layout.len;
  const total = layout.rows * n * n;
  if (out !== undefined && out.length !== total) {
    throw new RangeError(
      `${verb}: out has length ${out.length}, expected ${total} (the ${layout.rows} Jacobians of ${n}×${n})`,
    );
  }
  // A caller's out at an unaligned offset is bound from the aligned byte below it.
  const outOffset = out?.byteOffset ?? 0;
  const alignment = limits.minStorageBufferOffsetAlignment;
  const bindingStart = Math.floor(outOffset / alignment) * alignment;
  const bindingSize = outOffset + 4 * total - bindingStart;
  const jacobian = out ?? ctx.allocate(total, call.name);
  if (total === 0) return jacobian;
  const probs = ctx.allocate(x.length, `${call.name} probabilities`);
  recordRows(ctx, verb, 'softmax', 'forward', false, SOFTMAX.softmax.wgsl.forward, layout, x, undefined, probs);
  jacobian.recordWrite(probs.written);
  let submitted: Promise<Error | undefined> | undefined;
  const errors = captureErrors(device, verb, () => {
    const key = `${call.name}/derivative/jacobian`;
    const { pipeline, layout: bindLayout } = cachedPipeline(ctx, key, () => softmaxJacobianShader(act), [1, 2]);
    const uniform = ctx.uniforms.slot((u32) => {
      u32.set([total, n, layout.inner, 0, (outOffset - bindingStart) / 4]);
    });
    const encoder = device.createCommandEncoder({ label: verb });
    const pass = encoder.beginComputePass({ label: verb });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, device.createBindGroup({
      label: key,
      layout: bindLayout,
      entries: [
        { binding: 0, resource: { buffer: uniform.buffer, offset: 0, size: PARAMS_BYTES } },
        { binding: 1, resource: { buffer: probs.buffer, offset: 0, size: 4 * x.length } },
        { binding: 2, resource: { buffer: jacobian.buffer, offset: bindingStart, size: bindingSize } },
      ],
    }), [uniform.offset]);
    const grid = planDispatch(total, JACOBIAN_PER_GROUP, ctx.maxWorkgroupsPerDimension);
    pass.dispatchWorkgroups(grid.x, grid.y);
    pass.end();
    submitted = ctx.batcher.add(encoder.finish(), (out !== undefined && !out.verified) || !x.verified);
  });
  ctx.retire(probs.buffer);
  jacobian.recordWrite(errors);
  if (submitted) jacobian.recordWrite(submitted);
  return jacobian;
}

/**
 * The pipeline for `key`, made on first use. Binding 0 is the uniform Params at a dynamic offset;
 * `storage` lists the storage bindings: 2 (the output) is read_write, and so is 4 (partials).
 */
function cachedPipeline(ctx: SoftmaxContext, key: string, code: () => string, storage: readonly number[]): CachedPipeline {
  let cached = ctx.pipelines.get(key);
  if (!cached) {
    const { device } = ctx;
    const entries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
      ...storage.map((binding): GPUBindGroupLayoutEntry => ({
        binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: binding === 2 || binding === 4 ? 'storage' : 'read-only-storage' },
      })),
    ];
    const layout = device.createBindGroupLayout({ label: key, entries });
    cached = {
      layout,
      pipeline: device.createComputePipeline({
        label: key,
        layout: device.createPipelineLayout({ label: key, bindGroupLayouts: [layout] }),
        compute: { module: device.createShaderModule({ label: key, code: code() }), entryPoint: 'main' },
      }),
    };
    ctx.pipelines.set(key, cached);
  }
  return cached;
}
