// WGSL generation: fills the templates in shaders/ for one (activation, mode, variant).
import activationsWgsl from '../../shaders/activations.wgsl?raw';
import copyWgsl from '../../shaders/copy.wgsl?raw';
import elementwiseWgsl from '../../shaders/elementwise.wgsl?raw';
import f16Wgsl from '../../shaders/f16.wgsl?raw';
import mathWgsl from '../../shaders/math.wgsl?raw';
import softmaxWgsl from '../../shaders/softmax.wgsl?raw';
import softmaxJacobianWgsl from '../../shaders/softmax_jacobian.wgsl?raw';
import softmaxElementsWgsl from '../../shaders/softmax_elements.wgsl?raw';
import softmaxSubgroupsWgsl from '../../shaders/softmax_subgroups.wgsl?raw';
import softmaxVec4Wgsl from '../../shaders/softmax_vec4.wgsl?raw';
import softmaxWorkgroupWgsl from '../../shaders/softmax_workgroup.wgsl?raw';
import specialWgsl from '../../shaders/special.wgsl?raw';
import type { ElementwiseActivation, HostConstant, Mode, SoftmaxActivation, SoftmaxProgram } from '../activations/table.js';
import type { Dtype } from './tensor.js';
import { UniformLayout } from './uniforms.js';

/** Replaces each {{KEY}} in a template; a placeholder without a value, or a value never used, throws. */
export function fillTemplate(template: string, values: Readonly<Record<string, string | number>>): string {
  const used = new Set<string>();
  const out = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`fillTemplate: no value for {{${key}}}`);
    used.add(key);
    return String(value);
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length) throw new Error(`fillTemplate: template has no {{${unused.join('}}, {{')}}}`);
  return out;
}

/**
 * How one elementwise dispatch binds its operands.
 * - `vec4`: every operand starts on a 16-byte boundary and has room for the padded last vec4.
 * - `scalar`: any 4-byte-aligned operands (a caller's wrapped buffer at an odd offset).
 * - `f16`: f16 operands, two halves per u32, at any 2-byte offsets (see packedAccess).
 * - `f16vec4`: f16 operands laid out as for `vec4`, eight halves per vec4<u32> (see wideAccess).
 * `xIsY` and `dyIsY` say which inputs are in the output's buffer (in place, or elsewhere in an arena),
 * read through its read_write binding: WebGPU forbids binding one buffer as both read-only and
 * writable storage in a dispatch.
 * `fromOutput`: backward takes the saved output y in place of x (`from: 'output'`).
 * `small`: one workgroup of SMALL_WORKGROUP_SIZE threads, one storage element each (see there).
 */
export interface ElementwiseVariant {
  readonly vector: 'vec4' | 'scalar' | 'f16' | 'f16vec4';
  readonly xIsY: boolean;
  readonly dyIsY: boolean;
  readonly fromOutput?: boolean;
  readonly small?: boolean;
}

// Measured with `npm run bench` on the software adapter (SwiftShader), where a workgroup has a fixed
// launch cost: 256 × 8 vec4s per group ran relu at ~0.88 of the 4-vec4-per-thread copy kernel, where
// 64 × 4 ran at ~0.5 and 256 × 4 at ~0.75. On discrete GPUs 256 threads with a few vec4s each is
// the usual shape for a memory-bound kernel as well.
export const WORKGROUP_SIZE = 256;
/** Storage elements (vec4, f32, or a step of packed halves) per thread. */
export const PER_THREAD = 8;

/** Entry points of an elementwise shader module: `tail` exists in every variant but scalar. */
export const ENTRY_MAIN = 'main';
export const ENTRY_TAIL = 'tail';

/**
 * The last, partial 16 bytes of a vec4 or f16vec4 dispatch, at index n / perStep, where `value` is
 * that step's result: elements past n belong to the caller and keep their bits. `lane` is the first
 * element in each u32 or f32 lane; an f16vec4 lane holds two, its low half then its high half. One
 * invocation; dispatched only when n % perStep != 0.
 */
function vec4Tail(value: string, halves: boolean): string {
  const perStep = halves ? 8 : 4;
  const merge = halves
    ? `let lane = vec4(0u, 2u, 4u, 6u);
  let mask = select(vec4(0u), vec4(0xffffu), lane < vec4(live)) | select(vec4(0u), vec4(0xffff0000u), lane + vec4(1u) < vec4(live));
  y[params.y_off + i] = (old & ~mask) | (${value} & mask);`
    : `y[params.y_off + i] = select(old, ${value}, vec4(0u, 1u, 2u, 3u) < vec4(live));`;
  return `
@compute @workgroup_size(1)
fn ${ENTRY_TAIL}() {
  let p = params;
  let i = params.n / ${perStep}u;
  let live = params.n % ${perStep}u;
  let old = y[params.y_off + i];
  ${merge}
}
`;
}

/**
 * How the f16vec4 variant computes one step, eight halves in a vec4<u32> of each operand: the low
 * halves (elements 0, 2, 4, 6) and the high ones (1, 3, 5, 7) are each one vec4<f32> of the same
 * f32 math, so the u32s are split and joined with a mask and a shift, never shuffled.
 * One 16-byte load per operand and step, in place of the f16 variant's two or three u32 loads and
 * its parity test, took relu forward 2²² f16 on SwiftShader from 0.22 to 0.30 × our f32 (see the
 * README); on a GPU, 16-byte loads and stores are what a memory-bound kernel wants.
 */
function wideAccess(backward: boolean): string {
  const g = (bits: string) => (backward ? `f16_widen(${bits})` : 'vec4(1.0)');
  return `
fn apply8(xw: vec4<u32>${backward ? ', gw: vec4<u32>' : ''}, p: Params) -> vec4<u32> {
  let lo = f16_round(apply(f16_widen(xw & vec4(0xffffu)), ${g('gw & vec4(0xffffu)')}, p));
  let hi = f16_round(apply(f16_widen(xw >> vec4(16u)), ${g('gw >> vec4(16u)')}, p));
  return lo | (hi << vec4(16u));
}
`;
}

/**
 * How the f16 variant reads and writes packed halves (two per u32, the lower index in the low bits),
 * in y's half positions p = y_off + i. `main` handles four elements per step and writes whole u32s
 * only: it starts at the first even position (`head` = y_off & 1 elements later) and stops before the
 * last (n − head) % 4 elements. `tail`, one invocation, does those at most four: a head at an odd
 * position and the rest, by read-modify-write of their u32s, which also hold a neighbour's half. One
 * invocation, after main, so nothing races with it; chunks start at the same parity, one tail each.
 * Inputs are read at any parity: a step's four halves then span three u32s.
 * `x` and `dy` name the arrays the inputs are read through (y when in its buffer); dy is absent
 * outside backward, where apply gets 1.
 */
function packedAccess(x: string, dy: string | undefined): string {
  const operands: [string, string][] = [['x', x], ...(dy ? [['dy', dy] as [string, string]] : [])];
  const loads = operands.map(([role, array]) => `
fn half_${role}(p: u32) -> u32 {
  return (${array}[p >> 1u] >> ((p & 1u) * 16u)) & 0xffffu;
}

fn load4_${role}(p: u32) -> vec4<f32> {
  let w = p >> 1u;
  let a = ${array}[w];
  let b = ${array}[w + 1u];
  if ((p & 1u) == 0u) {
    return f16_widen(vec4(a & 0xffffu, a >> 16u, b & 0xffffu, b >> 16u));
  }
  return f16_widen(vec4(a >> 16u, b & 0xffffu, b >> 16u, ${array}[w + 2u] & 0xffffu));
}`).join('\n');
  const gatherDy = dy ? 'hg[k] = select(0u, half_dy(params.dy_off + idx[k]), live[k]);' : '';
  return `${loads}

// p even: the two u32s hold exactly these four halves.
fn store4_y(p: u32, v: vec4<f32>) {
  let h = f16_round(v);
  y[p >> 1u] = h.x | (h.y << 16u);
  y[(p >> 1u) + 1u] = h.z | (h.w << 16u);
}

fn store1_y(p: u32, h: u32) {
  let shift = (p & 1u) * 16u;
  let w = p >> 1u;
  y[w] = (y[w] & ~(0xffffu << shift)) | (h << shift);
}

@compute @workgroup_size(1)
fn ${ENTRY_TAIL}() {
  let head = params.y_off & 1u;
  let body = (params.n - head) / 4u * 4u;
  var idx = vec4(0u);
  var live = vec4(false);
  var hx = vec4(0u);
  var hg = vec4(0u);
  for (var k = 0u; k < 4u; k++) {
    idx[k] = select(body + k, 0u, k < head);
    live[k] = k < head || body + k < params.n;
    hx[k] = select(0u, half_x(params.x_off + idx[k]), live[k]);
    ${gatherDy}
  }
  let h = f16_round(apply(f16_widen(hx), ${dy ? 'f16_widen(hg)' : 'vec4(1.0)'}, params));
  for (var k = 0u; k < 4u; k++) {
    if (live[k]) {
      store1_y(params.y_off + idx[k], h[k]);
    }
  }
}
`;
}

/**
 * Dispatches of at most this many storage elements run as one workgroup of this many threads, one
 * element each: a 256-thread group with 192 idle threads costs ~30% more wall time per small call
 * on the software adapter (relu at n = 256, `npm run bench -- --overhead-only`).
 */
export const SMALL_WORKGROUP_SIZE = 64;

/** Threads per workgroup and storage elements per thread of a variant. */
function groupShape(v: Pick<ElementwiseVariant, 'small'>): { size: number; perThread: number } {
  return v.small ? { size: SMALL_WORKGROUP_SIZE, perThread: 1 } : { size: WORKGROUP_SIZE, perThread: PER_THREAD };
}

/** The elementwise kernels' uniforms: the dispatch's size and offsets, then the activation's function's arguments. */
interface ElementwiseUniforms {
  readonly args: readonly (readonly [string, HostConstant])[];
  readonly layout: UniformLayout;
}
const elementwiseUniforms = new WeakMap<ElementwiseActivation, Map<string, ElementwiseUniforms>>();

/** The arguments and uniform layout of one activation, mode and source, made once. */
function uniformsOf(act: ElementwiseActivation, mode: Mode, fromOutput: boolean): ElementwiseUniforms {
  let byKey = elementwiseUniforms.get(act);
  if (!byKey) elementwiseUniforms.set(act, (byKey = new Map()));
  const key = `${mode}${fromOutput ? '/from-output' : ''}`;
  let entry = byKey.get(key);
  if (!entry) {
    const constants = fromOutput ? undefined : act.hostConstants?.[mode === 'forward' ? 'forward' : 'backward'];
    const args: ElementwiseUniforms['args'] = constants
      ? Object.entries(constants)
      : Object.keys(act.params).map((name) => [name, { type: 'f32', value: (p) => p[name]! }]);
    const layout = new UniformLayout('Params', [
      ['n', 'u32'], ['x_off', 'u32'], ['dy_off', 'u32'], ['y_off', 'u32'], ...args.map(([name, c]) => [name, c.type] as const),
    ]);
    byKey.set(key, (entry = { args, layout }));
  }
  return entry;
}

/**
 * The uniforms the WGSL function of `mode` takes after z (and dy), by name, with how each is made from
 * the parameters: the table's host constants for the mode, else the parameters themselves.
 * `fromOutput` functions take the parameters.
 */
export function functionArgs(act: ElementwiseActivation, mode: Mode, fromOutput = false): readonly (readonly [string, HostConstant])[] {
  return uniformsOf(act, mode, fromOutput).args;
}

export function elementwiseParams(act: ElementwiseActivation, mode: Mode = 'forward', fromOutput = false): UniformLayout {
  return uniformsOf(act, mode, fromOutput).layout;
}

/** Elements in one storage element (one step) of a variant. */
export function elementsPerStep(vector: ElementwiseVariant['vector']): number {
  return { scalar: 1, vec4: 4, f16: 4, f16vec4: 8 }[vector];
}

/** Elements one workgroup covers. */
export function elementsPerGroup(vector: ElementwiseVariant['vector'], small = false): number {
  const { size, perThread } = groupShape({ small });
  return size * perThread * elementsPerStep(vector);
}

export function elementwiseKey(name: string, mode: Mode, v: ElementwiseVariant): string {
  return `${name}/${mode}/${v.vector}${v.small ? '/small' : ''}${v.xIsY ? '/x=y' : ''}${v.dyIsY ? '/dy=y' : ''}${v.fromOutput ? '/from-output' : ''}`;
}

export function elementwiseShader(act: ElementwiseActivation, mode: Mode, v: ElementwiseVariant): string {
  const vec = v.vector === 'vec4';
  const packed = v.vector === 'f16';
  const wide = v.vector === 'f16vec4';
  const store = packed ? 'u32' : wide ? 'vec4<u32>' : vec ? 'vec4<f32>' : 'f32';
  const word = (buffer: string, offset: string) => `${buffer}[params.${offset} + i]`;
  const load = (buffer: string, offset: string) => (vec ? word(buffer, offset) : `vec4(${word(buffer, offset)})`);
  const needsDy = mode === 'backward';
  const dyBinding = needsDy && !v.dyIsY ? `@group(0) @binding(3) var<storage, read> dy: array<${store}>;` : '';
  const xArray = v.xIsY ? 'y' : 'x';
  const dyArray = v.dyIsY ? 'y' : 'dy';
  if (v.fromOutput && (mode !== 'backward' || !act.fromOutput)) {
    throw new Error(`elementwiseShader: ${act.wgsl.backward} has no ${mode} from the output`);
  }
  const backward = v.fromOutput ? act.fromOutput!.wgsl : act.wgsl.backward;
  const params = functionArgs(act, mode, v.fromOutput).map(([k]) => `, p.${k}`).join('');
  const apply = mode === 'forward' ? `${act.wgsl.forward}(z${params})`
    : mode === 'derivative' && act.wgsl.derivative ? `${act.wgsl.derivative}(z${params})` : `${backward}(z, g${params})`;
  // Packed halves: step i is the four elements from position head + 4i of each operand.
  const at = (offset: string) => `params.${offset} + (params.y_off & 1u) + 4u * i`;
  const x = packed ? `load4_x(${at('x_off')})` : load(xArray, 'x_off');
  const dy = !needsDy ? 'vec4(1.0)' : packed ? `load4_dy(${at('dy_off')})` : load(dyArray, 'dy_off');
  const wideValue = `apply8(${word(xArray, 'x_off')}${needsDy ? `, ${word(dyArray, 'dy_off')}` : ''}, p)`;
  const step = packed
    ? `store4_y(${at('y_off')}, apply(${x}, ${dy}, p));`
    : `y[params.y_off + i] = ${wide ? wideValue : `apply(${x}, ${dy}, p)${vec ? '' : '.x'}`};`;
  const kernel = fillTemplate(elementwiseWgsl, {
    PARAMS: elementwiseParams(act, mode, v.fromOutput).wgsl(),
    STORE: store,
    X_BINDING: v.xIsY ? '' : `@group(0) @binding(1) var<storage, read> x: array<${store}>;`,
    DY_BINDING: dyBinding,
    WORKGROUP_SIZE: groupShape(v).size,
    PER_THREAD: groupShape(v).perThread,
    APPLY: apply,
    // vec4, f16vec4: the whole 16 bytes, the partial last ones are the tail's; f16: the whole steps after the head.
    COUNT: packed ? '(params.n - (params.y_off & 1u)) / 4u' : wide ? 'params.n / 8u' : vec ? 'params.n / 4u' : 'params.n',
    STEP: step,
    TAIL: wide ? vec4Tail(wideValue, true) : vec ? vec4Tail(`apply(${x}, ${dy}, p)`, false) : '',
    ACCESS: packed ? packedAccess(xArray, needsDy ? dyArray : undefined) : wide ? wideAccess(needsDy) : '',
  });
  return `${mathWgsl}\n${specialWgsl}\n${activationsWgsl}\n${packed || wide ? f16Wgsl : ''}\n${act.wgsl.source ?? ''}\n${kernel}`;
}

/**
 * How one softmax dispatch binds its operands and which kernel it runs.
 * - `phase`: 'rows' runs a whole mode in one dispatch, the lanes of a row merging their statistics.
 *   'thread' also runs it in one dispatch, each invocation reducing a row on its own. Long rows cut
 *   into blocks run as dispatches 0, 1, ...: dispatch k < stats.length computes statistic k of each
 *   block into `partials`; the last one merges them and writes the output.
 * - `subgroups`: lanes merge by subgroup shuffles (else in workgroup memory); 'thread' merges
 *   nothing and ignores it. Neither 'thread' nor the subgroup path has a barrier or workgroup
 *   memory, which a CPU adapter such as SwiftShader runs many times faster: there a shader with a
 *   barrier runs as coroutines, at a large cost per workgroup.
 * - `xIsY`, `dyIsY`: the input is the output buffer itself, read through y's binding.
 */
export interface SoftmaxVariant {
  readonly phase: 'rows' | 'thread' | number;
  /** How x and dy are stored, and y: f16 for an f16 call, but the Jacobian's probabilities are f32. */
  readonly input: Dtype;
  readonly output: Dtype;
  readonly subgroups: boolean;
  readonly xIsY: boolean;
  readonly dyIsY: boolean;
  /**
   * Every operand read and written as vec4<f32>s (shaders/softmax_vec4.wgsl): f32 rows along the last
   * axis, a multiple of 4 long, with every operand at a multiple of 16 bytes.
   */
  readonly vec4: boolean;
}

/** The WGSL statements of `fn kernel` for one phase of a program. */
export function softmaxKernelBody(program: SoftmaxProgram, phase: SoftmaxVariant['phase']): string[] {
  const lines = ['let w = work_of(group, v);'];
  if (phase === 'thread') {
    lines.push('let mine = w;');
    program.stats.forEach((expr, i) => lines.push(`let s${i} = ${expr};`));
    lines.push(`${program.write};`);
    return lines;
  }
  const stat = (i: number, expr: string) => `let s${i} = reduce(${expr}, v);`;
  lines.push('let mine = share(w);');
  if (phase === 'rows') {
    program.stats.forEach((expr, i) => lines.push(stat(i, expr)));
    lines.push(`${program.write};`);
    return lines;
  }
  if (!Number.isInteger(phase) || phase < 0 || phase > program.stats.length) {
    throw new RangeError(`softmaxKernelBody: phase ${phase} is not in [0, ${program.stats.length}]`);
  }
  for (let i = 0; i < phase; i++) lines.push(stat(i, `load_partials(mine, ${i}u)`));
  if (phase < program.stats.length) {
    lines.push(stat(phase, program.stats[phase]!), `store_partial(w, ${phase}u, s${phase});`);
  } else {
    lines.push(`${program.write};`);
  }
  return lines;
}

export function softmaxKey(name: string, mode: Mode, fromOutput: boolean, v: SoftmaxVariant): string {
  const phase = typeof v.phase === 'number' ? `block-phase-${v.phase}` : v.phase;
  const merge = v.phase === 'thread' ? '' : v.subgroups ? '/subgroups' : '/workgroup';
  const dtypes = v.input === 'f32' && v.output === 'f32' ? '' : `/${v.input}-${v.output}`;
  return `${name}/${mode}${fromOutput ? '/from-output' : ''}/${phase}${merge}${v.xIsY ? '/x=y' : ''}${v.dyIsY ? '/dy=y' : ''}${dtypes}${v.vec4 ? '/vec4' : ''}`;
}

/** Invocations per workgroup of the softmax kernels. */
export const SOFTMAX_WORKGROUP = 256;

/** The softmax row kernels' uniforms (see the Params comment in shaders/softmax.wgsl). */
export const SOFTMAX_ROWS_PARAMS = new UniformLayout('Params', [
  ['rows', 'u32'], ['len', 'u32'], ['inner', 'u32'], ['blocks', 'u32'], ['block_len', 'u32'], ['first_block', 'u32'],
  ['block_end', 'u32'], ['col0', 'u32'], ['lane_bits', 'u32'], ['lane_shift', 'u32'], ['row_shift', 'u32'],
  ['x_off', 'u32'], ['dy_off', 'u32'], ['y_off', 'u32'],
] as const);

/** The Jacobian kernel's uniforms (see shaders/softmax_jacobian.wgsl). */
export const JACOBIAN_PARAMS = new UniformLayout('Params', [
  ['total', 'u32'], ['len', 'u32'], ['inner', 'u32'], ['y_off', 'u32'], ['out_off', 'u32'],
] as const);

/** The bitwise copy's uniforms (shaders/copy.wgsl). */
export const COPY_PARAMS = new UniformLayout('Params', [['n', 'u32'], ['src_off', 'u32'], ['dst_off', 'u32']] as const);

export function softmaxShader(program: SoftmaxProgram, v: SoftmaxVariant): string {
  const kernel = `fn kernel(group: u32, v: u32) {\n  ${softmaxKernelBody(program, v.phase).join('\n  ')}\n}`;
  const subgroups = v.subgroups && v.phase !== 'thread';
  return [
    subgroups ? 'enable subgroups;' : '',
    mathWgsl,
    v.input === 'f16' || v.output === 'f16' ? f16Wgsl : '',
    fillTemplate(softmaxWgsl, {
      PARAMS: SOFTMAX_ROWS_PARAMS.wgsl(), WORKGROUP_SIZE: SOFTMAX_WORKGROUP,
      INPUT: v.vec4 ? 'vec4<f32>' : v.input === 'f16' ? 'u32' : 'f32',
      OUTPUT: v.vec4 ? 'vec4<f32>' : v.output === 'f16' ? 'atomic<u32>' : 'f32',
      ACCESS: v.vec4 ? fillTemplate(softmaxVec4Wgsl, { X: v.xIsY ? 'y' : 'x', DY: v.dyIsY ? 'y' : 'dy' }) : [
        elementRead('x', v.xIsY ? 'y' : 'x', v.xIsY ? v.output : v.input, v.xIsY),
        elementRead('dy', v.dyIsY ? 'y' : 'dy', v.dyIsY ? v.output : v.input, v.dyIsY),
        elementWrite(v.output),
        softmaxElementsWgsl,
      ].join('\n'),
    }),
    subgroups ? softmaxSubgroupsWgsl : softmaxWorkgroupWgsl,
    kernel,
  ].join('\n');
}

/** Threads per workgroup and Jacobian elements per thread of the Jacobian kernel. */
const JACOBIAN_WORKGROUP = 256;
const JACOBIAN_PER_THREAD = 4;
/** The most invocations of any workgroup the library dispatches: the device's limits must allow it. */
export const LARGEST_WORKGROUP = Math.max(WORKGROUP_SIZE, SOFTMAX_WORKGROUP, JACOBIAN_WORKGROUP);
/** Jacobian elements one workgroup writes. */
export const JACOBIAN_PER_GROUP = JACOBIAN_WORKGROUP * JACOBIAN_PER_THREAD;

export function softmaxJacobianShader(act: SoftmaxActivation, output: Dtype = 'f32'): string {
  return (output === 'f16' ? f16Wgsl : '') + fillTemplate(softmaxJacobianWgsl, {
    PARAMS: JACOBIAN_PARAMS.wgsl(), WORKGROUP_SIZE: JACOBIAN_WORKGROUP, PER_THREAD: JACOBIAN_PER_THREAD, ENTRY: act.wgsl.jacobianEntry,
    OUTPUT: output === 'f16' ? 'atomic<u32>' : 'f32', ACCESS: elementWrite(output),
  });
}

/**
 * `read_<role>(i)`: element i of `array` as an f32. f16 elements are halves, two per u32, widened
 * exactly; y's f16 words are atomics (see elementWrite), read with atomicLoad.
 */
function elementRead(role: string, array: string, dtype: Dtype, atomic: boolean): string {
  if (dtype === 'f32') return `fn read_${role}(i: u32) -> f32 {\n  return ${array}[i];\n}`;
  const word = atomic ? `atomicLoad(&${array}[i >> 1u])` : `${array}[i >> 1u]`;
  return `fn read_${role}(i: u32) -> f32 {\n  return f16_widen(vec4((${word} >> ((i & 1u) * 16u)) & 0xffffu)).x;\n}`;
}

/**
 * `write_y(i, v)`: stores v as element i of y. An f16 element is half of a u32 whose other half
 * another invocation may be writing at the same moment (the next column belongs to another lane, or
 * another row when the axis is strided, or lies outside the tensor): each half is cleared and set
 * with atomicAnd and atomicOr, which touch only its own 16 bits.
 */
function elementWrite(dtype: Dtype): string {
  if (dtype === 'f32') return 'fn write_y(i: u32, v: f32) {\n  y[i] = v;\n}';
  return `fn write_y(i: u32, v: f32) {
  let shift = (i & 1u) * 16u;
  atomicAnd(&y[i >> 1u], ~(0xffffu << shift));
  atomicOr(&y[i >> 1u], f16_round(vec4(v)).x << shift);
}`;
}

/** The bitwise u32 copy of shaders/copy.wgsl; one element per invocation. */
export function copyShader(): string {
  return fillTemplate(copyWgsl, { PARAMS: COPY_PARAMS.wgsl(), WORKGROUP_SIZE });
}
