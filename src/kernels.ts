// WGSL generation: fills the templates in shaders/ for one (activation, mode, variant).
import activationsWgsl from '../shaders/activations.wgsl?raw';
import elementwiseWgsl from '../shaders/elementwise.wgsl?raw';
import mathWgsl from '../shaders/math.wgsl?raw';
import type { ElementwiseActivation, Mode } from './activations.js';

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
 * `xIsY` and `dyIsY` say which inputs are the output buffer itself (in place),, read through the read_write binding
 * because WebGPU forbids binding one buffer as both read-only and writable storage.
 */
export interface ElementwiseVariant {
  readonly vector: 'vec4' | 'scalar';
  readonly xIsY: boolean;
  readonly dyIsY: boolean;
}

// Measured with `npm run bench` on the software adapter (SwiftShader), where a workgroup has a fixed
// launch cost: 256 × 8 vec4s per group ran relu at ~0.88 of the 4-vec4-per-thread copy kernel where
// 64 × 4 ran at ~0.5 (with the old in-loop tail test) and 256 × 4 at ~0.75. On discrete GPUs 256
// threads with a few vec4s each is the usual shape for a memory-bound kernel as well.
export const WORKGROUP_SIZE = 256;
/** Storage elements (vec4 or f32) per thread. */
export const PER_THREAD = 8;

/** Entry points of an elementwise shader module: `tail` exists in the vec4 variant only. */
export const ENTRY_MAIN = 'main';
export const ENTRY_TAIL = 'tail';

/**
 * The last, partial vec4 of a vec4 dispatch, at index n / 4, where `x` reads x[i]: lanes past n
 * belong to the caller and keep their values. One invocation; dispatched only when n % 4 != 0.
 */
function vec4Tail(x: string): string {
  return `
@compute @workgroup_size(1)
fn ${ENTRY_TAIL}() {
  let i = params.n / 4u;
  let lanes = params.n % 4u;
  let old = y[params.y_off + i];
  y[params.y_off + i] = select(old, apply(${x}, i), vec4(0u, 1u, 2u, 3u) < vec4(lanes));
}
`;
}

/** f32 elements one workgroup covers. */
export function elementsPerGroup(vector: ElementwiseVariant['vector']): number {
  return WORKGROUP_SIZE * PER_THREAD * (vector === 'vec4' ? 4 : 1);
}

export function elementwiseKey(name: string, mode: Mode, v: ElementwiseVariant): string {
  return `${name}/${mode}/${v.vector}${v.xIsY ? '/x=y' : ''}${v.dyIsY ? '/dy=y' : ''}`;
}

export function elementwiseShader(act: ElementwiseActivation, mode: Mode, v: ElementwiseVariant): string {
  const vec = v.vector === 'vec4';
  const store = vec ? 'vec4<f32>' : 'f32';
  const load = (buffer: string, offset: string) => (vec ? `${buffer}[params.${offset} + i]` : `vec4(${buffer}[params.${offset} + i])`);
  const needsDy = mode === 'backward';
  const dyBinding = needsDy && !v.dyIsY ? `@group(0) @binding(3) var<storage, read> dy: array<${store}>;` : '';
  const dy = needsDy ? load(v.dyIsY ? 'y' : 'dy', 'dy_off') : 'vec4(1.0)';
  const apply = mode === 'forward'
    ? `${act.wgsl.forward}(z, params.p)`
    : `${act.wgsl.backward}(z, ${dy}, params.p)`;
  const x = load(v.xIsY ? 'y' : 'x', 'x_off');
  const kernel = fillTemplate(elementwiseWgsl, {
    STORE: store,
    X_BINDING: v.xIsY ? '' : `@group(0) @binding(1) var<storage, read> x: array<${store}>;`,
    DY_BINDING: dyBinding,
    WORKGROUP_SIZE,
    PER_THREAD,
    APPLY: apply,
    // vec4: the whole vec4s; the partial one is the tail's.
    COUNT: vec ? 'params.n / 4u' : 'params.n',
    RESULT: vec ? `apply(${x}, i)` : `apply(${x}, i).x`,
    TAIL: vec ? vec4Tail(x) : '',
  });
  return `${mathWgsl}\n${activationsWgsl}\n${kernel}`;
}
