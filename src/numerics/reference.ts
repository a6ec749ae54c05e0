// The float64 CPU reference: the oracle every GPU result is checked against, and a public export
// with the same verbs and arguments as the GPU API.
import {
  lookupActivation, resolveLayout, resolveParams, resolveSource,
  type ActivationName, type AxisLayout, type ElementwiseActivation, type Mode, type SoftmaxActivation,
} from '../activations/table.js';

/** Inputs of the reference: f16 inputs (a Float16Array) are taken at their exact values, as the kernels widen them. */
export type Values = Float32Array | Float64Array | Float16Array | readonly number[];

function checkValues(verb: string, what: string, v: unknown): asserts v is Values {
  const f16 = typeof Float16Array === 'function' && v instanceof Float16Array;
  if (!(v instanceof Float32Array || v instanceof Float64Array || f16 || Array.isArray(v))) {
    throw new TypeError(`reference.${verb}: ${what} must be a Float32Array, Float16Array, Float64Array or number[]`);
  }
}

/**
 * The exact value of one element, in float64: f(z), f'(z), or dy·f'(z) (dy·f'(y) from a saved y =
 * f(z) with `source` 'output'). `p` holds every parameter, defaults filled in.
 */
export function exactElement(
  act: ElementwiseActivation, mode: Mode, p: Readonly<Record<string, number>>, source: 'input' | 'output' = 'input',
): (z: number, dy?: number) => number {
  if (mode === 'forward') return (z) => act.forward(z, p);
  if (mode === 'derivative') return (z) => act.derivative(z, p);
  if (source === 'output') return (y, dy = 1) => dy * act.fromOutput!.derivative(y, p);
  return (z, dy = 1) => dy * act.derivative(z, p);
}

function elementwise(mode: Mode, name: ActivationName, act: ElementwiseActivation, x: Values, dy: Values | undefined,
  params: object | undefined): Float64Array {
  const p = resolveParams(name, params);
  const f = exactElement(act, mode, p, resolveSource(name, mode, params, p));
  return Float64Array.from({ length: x.length }, (_, i) => f(x[i]!, dy?.[i]));
}

/** Row (o, i) of the layout as a dense array, and the positions it came from. */
function gather(layout: AxisLayout, values: Values, o: number, i: number): { row: Float64Array; at: (j: number) => number } {
  const at = (j: number) => (o * layout.len + j) * layout.inner + i;
  return { row: Float64Array.from({ length: layout.len }, (_, j) => values[at(j)]!), at };
}

function softmax(mode: Mode, name: ActivationName, act: SoftmaxActivation, x: Values, dy: Values | undefined,
  params: object | undefined): Float64Array {
  resolveParams(name, params);
  const from = resolveSource(name, mode, params);
  const layout = resolveLayout(name, params, x.length);
  const { len } = layout;
  const out = new Float64Array(mode === 'derivative' ? layout.rows * len * len : x.length);
  for (let o = 0; o < layout.outer; o++) {
    for (let i = 0; i < layout.inner; i++) {
      const { row, at } = gather(layout, x, o, i);
      if (mode === 'derivative') {
        // Row r = o·inner + i has its len×len Jacobian at r·len².
        out.set(act.jacobianRow(row), (o * layout.inner + i) * len * len);
        continue;
      }
      let result: Float64Array;
      if (mode === 'forward') result = act.forwardRow(row);
      else {
        const dyRow = gather(layout, dy!, o, i).row;
        result = from === 'output' ? act.backwardFromOutputRow(row, dyRow) : act.backwardRow(row, dyRow);
      }
      for (let j = 0; j < len; j++) out[at(j)] = result[j]!;
    }
  }
  return out;
}

function evaluate(mode: Mode, name: ActivationName, x: Values, dy: Values | undefined, params: object | undefined): Float64Array {
  checkValues(mode, 'x', x);
  const act = lookupActivation(name, `reference.${mode}`);
  if (mode === 'backward') {
    checkValues(mode, 'dy', dy);
    if (dy.length !== x.length) {
      throw new RangeError(`reference.backward: dy has length ${dy.length}, expected x's length ${x.length}`);
    }
  }
  return act.kind === 'softmax' ? softmax(mode, name, act, x, dy, params) : elementwise(mode, name, act, x, dy, params);
}

export const reference = {
  /** f(x) in float64. softmax and logSoftmax take { shape, axis }. */
  forward(name: ActivationName, x: Values, params?: object): Float64Array {
    return evaluate('forward', name, x, undefined, params);
  },
  /** f'(x) in float64; for softmax and logSoftmax, each row's len×len Jacobian, rows in order. */
  derivative(name: ActivationName, x: Values, params?: object): Float64Array {
    return evaluate('derivative', name, x, undefined, params);
  },
  /** dy ⊙ f'(x) in float64 (the vector-Jacobian product); `from: 'output'` takes y = f(x) for x. */
  backward(name: ActivationName, x: Values, dy: Values, params?: object): Float64Array {
    return evaluate('backward', name, x, dy, params);
  },
};
