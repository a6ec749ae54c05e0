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

export const WORKGROUP_SIZE = 64;
/** Storage elements (vec4 or f32) per thread. */
export const PER_THREAD = 4;

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
  const body = vec
    ? `let r = apply(${load(v.xIsY ? 'y' : 'x', 'x_off')}, i);
    let lanes = params.n - 4u * i; // lanes of this vec4 inside the tensor
    if (lanes >= 4u) {
      y[params.y_off + i] = r;
    } else {
      // The last, partial vec4: lanes past n belong to the caller and keep their values.
      let old = y[params.y_off + i];
      y[params.y_off + i] = select(old, r, vec4(0u, 1u, 2u, 3u) < vec4(lanes));
    }`
    : `y[params.y_off + i] = apply(${load(v.xIsY ? 'y' : 'x', 'x_off')}, i).x;`;
  const kernel = fillTemplate(elementwiseWgsl, {
    STORE: store,
    X_BINDING: v.xIsY ? '' : `@group(0) @binding(1) var<storage, read> x: array<${store}>;`,
    DY_BINDING: dyBinding,
    WORKGROUP_SIZE,
    PER_THREAD,
    APPLY: apply,
    COUNT: vec ? '(params.n + 3u) / 4u' : 'params.n',
    BODY: body,
  });
  return `${mathWgsl}\n${activationsWgsl}\n${kernel}`;
}
