// The call resolver: turns (mode, name, x, dy, options) into one typed, validated call, throwing
// before anything is allocated or written. Every check of a call's arguments lives here.
import {
  lookupActivation, resolveLayout, resolveParams, resolveSource,
  type Activation, type ActivationName, type AxisLayout, type ElementwiseActivation, type Mode, type SoftmaxActivation,
  type Source,
} from './table.js';
import { checkSoftmaxFits } from '../gpu/softmax.js';
import { GpuTensor, assertFloat16Array, type Dtype } from '../gpu/tensor.js';

/** Options of a call that belong to the call, not to the activation. */
export const CALL_OPTION_KEYS = ['out', 'encoder'] as const;

interface CallBase {
  readonly mode: Mode;
  readonly name: ActivationName;
  /** "forward(elu)", for labels and error messages. */
  readonly verb: string;
  readonly from: Source;
  /** The one dtype of every operand. */
  readonly dtype: Dtype;
  readonly out?: GpuTensor;
  readonly encoder?: GPUCommandEncoder;
}

export interface ElementwiseCall extends CallBase {
  readonly kind: 'elementwise';
  readonly act: ElementwiseActivation;
  /** The activation's parameters, defaults filled in, in f32, by name. */
  readonly params: Readonly<Record<string, number>>;
}

export interface SoftmaxCall extends CallBase {
  readonly kind: 'softmax';
  readonly act: SoftmaxActivation;
  readonly layout: AxisLayout;
}

export type Call = ElementwiseCall | SoftmaxCall;

/** The operands of a resolved call, once on the GPU. */
export interface Operands {
  readonly x: GpuTensor;
  readonly dy?: GpuTensor;
  readonly out?: GpuTensor;
}

export function resolveCall(
  mode: Mode, name: ActivationName, x: unknown, dy: unknown, options: object | undefined, device: GPUDevice,
): Call {
  const verb = `${mode}(${name})`;
  const act: Activation = lookupActivation(name, mode);
  const params = resolveParams(name, options, CALL_OPTION_KEYS);
  const { out, encoder } = (options ?? {}) as { out?: unknown; encoder?: unknown };
  checkOperand(mode, 'x', x);
  const dtype = dtypeOf(x);
  if (mode === 'backward') {
    checkOperand(mode, 'dy', dy);
    if (dy.length !== x.length) {
      throw new RangeError(`${verb}: dy has length ${dy.length}, expected x's length ${x.length}`);
    }
    if ((x instanceof GpuTensor) !== (dy instanceof GpuTensor)) {
      throw new TypeError(`${verb}: x and dy must both be typed arrays or both GpuTensors`);
    }
    checkDtype(verb, 'dy', dtypeOf(dy), dtype);
  }
  const from = resolveSource(name, mode, options, params);
  if (encoder !== undefined && !isCommandEncoder(encoder)) {
    throw new TypeError(`${verb}: encoder must be a GPUCommandEncoder, got ${describe(encoder)}`);
  }
  if (out !== undefined && !(out instanceof GpuTensor)) {
    throw new TypeError(`${verb}: out must be a GpuTensor, got ${describe(out)}`);
  }
  if (out !== undefined) checkDtype(verb, 'out', out.dtype, dtype);
  if (!(x instanceof GpuTensor)) {
    if (out !== undefined) throw new TypeError(`${verb}: out is only for GpuTensor inputs`);
    if (encoder !== undefined) throw new TypeError(`${verb}: encoder is only for GpuTensor inputs`);
  }
  if (act.kind === 'elementwise') return { kind: 'elementwise', mode, name, verb, from, dtype, out, encoder, act, params };
  const layout = resolveLayout(name, options, x.length);
  checkSoftmaxFits(verb, mode, layout, device.limits);
  if (mode === 'derivative' && out !== undefined) {
    const total = layout.rows * layout.len * layout.len;
    if (out.length !== total) {
      throw new RangeError(
        `${verb}: out has length ${out.length}, expected ${total} (the ${layout.rows} Jacobians of ${layout.len}×${layout.len})`,
      );
    }
  }
  return { kind: 'softmax', mode, name, verb, from, dtype, out, encoder, act, layout };
}

/**
 * The GPU operands of `call`: usable, on `device`, and `out` (other than a Jacobian's) of x's length
 * and sharing a buffer with an input only at exactly its range (in place) or at a range that does not
 * overlap it (arena layouts): a partial overlap would have invocations read what others write.
 */
export function checkOperands(call: Call, operands: Operands, device: GPUDevice): void {
  const { verb } = call;
  const usable = (what: string, t: GpuTensor | undefined) => {
    if (t === undefined) return;
    t.assertUsable(verb, what);
    if (t.device !== device) throw new TypeError(`${verb}: ${what} belongs to another Activations' GPUDevice`);
  };
  usable('x', operands.x);
  usable('dy', operands.dy);
  usable('out', operands.out);
  const { x, out } = operands;
  // The Jacobians have their own length, and are written after x was read into a temporary.
  if (out === undefined || (call.kind === 'softmax' && call.mode === 'derivative')) return;
  if (out.length !== x.length) throw new RangeError(`${verb}: out has length ${out.length}, expected ${x.length}`);
  const end = (t: GpuTensor) => t.byteOffset + t.byteLength;
  for (const input of [x, operands.dy]) {
    if (!input || input.buffer !== out.buffer || input.byteOffset === out.byteOffset) continue;
    if (input.byteOffset < end(out) && out.byteOffset < end(input)) {
      throw new RangeError(
        `${verb}: out (bytes ${out.byteOffset}–${end(out)}) partly overlaps an input (bytes ${input.byteOffset}–${end(input)}) ` +
          'in the same GPUBuffer; use exactly the same range (in place) or ranges that do not overlap',
      );
    }
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return v.constructor?.name ?? 'object';
}

/** True for a Float16Array, where the engine has them. */
export function isFloat16Array(v: unknown): v is Float16Array {
  return typeof Float16Array === 'function' && v instanceof Float16Array;
}

function checkOperand(verb: string, what: string, v: unknown): asserts v is Float32Array | Float16Array | GpuTensor {
  if (v instanceof Float32Array || v instanceof GpuTensor || isFloat16Array(v)) return;
  // A Uint16Array is what f16 data looks like without Float16Array: say what is missing.
  if (v instanceof Uint16Array) assertFloat16Array(verb);
  throw new TypeError(`${verb}: ${what} must be a Float32Array, a Float16Array or a GpuTensor, got ${describe(v)}`);
}

function dtypeOf(v: Float32Array | Float16Array | GpuTensor): Dtype {
  return v instanceof GpuTensor ? v.dtype : v instanceof Float32Array ? 'f32' : 'f16';
}

/** All operands of a call have x's dtype: a mix is a TypeError naming both, before anything is enqueued. */
function checkDtype(verb: string, what: string, dtype: Dtype, expected: Dtype): void {
  if (dtype !== expected) {
    throw new TypeError(`${verb}: ${what} is ${dtype} but x is ${expected}; every operand of a call (x, dy, out) must have one dtype`);
  }
}

function isCommandEncoder(v: unknown): v is GPUCommandEncoder {
  if (typeof GPUCommandEncoder === 'function') return v instanceof GPUCommandEncoder;
  return typeof v === 'object' && v !== null && typeof (v as GPUCommandEncoder).beginComputePass === 'function';
}
