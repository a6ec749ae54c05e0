// The float64 CPU reference: the oracle every GPU result is checked against, and a public export
// with the same verbs and arguments as the GPU API.
import { lookupActivation, resolveParams, type ActivationName } from './activations.js';

export type Values = Float32Array | Float64Array | readonly number[];

function checkValues(verb: string, what: string, v: unknown): asserts v is Values {
  if (!(v instanceof Float32Array || v instanceof Float64Array || Array.isArray(v))) {
    throw new TypeError(`reference.${verb}: ${what} must be a Float32Array, Float64Array or number[]`);
  }
}

function map(verb: string, name: ActivationName, x: Values, params: object | undefined,
  f: 'forward' | 'derivative'): Float64Array {
  checkValues(verb, 'x', x);
  const act = lookupActivation(name, `reference.${verb}`);
  const p = resolveParams(name, params);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = act[f](x[i]!, p);
  return out;
}

export const reference = {
  /** f(x) in float64. */
  forward(name: ActivationName, x: Values, params?: object): Float64Array {
    return map('forward', name, x, params, 'forward');
  },
  /** f'(x) in float64. */
  derivative(name: ActivationName, x: Values, params?: object): Float64Array {
    return map('derivative', name, x, params, 'derivative');
  },
  /** dy ⊙ f'(x) in float64. */
  backward(name: ActivationName, x: Values, dy: Values, params?: object): Float64Array {
    checkValues('backward', 'dy', dy);
    if (dy.length !== x.length) {
      throw new RangeError(`reference.backward: dy has length ${dy.length}, expected x's length ${x.length}`);
    }
    const d = map('backward', name, x, params, 'derivative');
    for (let i = 0; i < d.length; i++) d[i] = dy[i]! * d[i]!;
    return d;
  },
};
