// Which tfjs-core call computes each of our activations, beside the tfjs peer (peer-tfjs.ts). A name
// missing here shows as "n/a" in the benchmark table, with the reason.
import type { PeerOp } from './cases.js';

/** The tfjs-core call that computes the same thing on the tfjs WebGPU backend. */
export type TfjsCall =
  | { readonly fn: 'relu' | 'sigmoid' | 'tanh' | 'elu' | 'softmax' | 'logSoftmax' | 'relu6' | 'selu' | 'softplus' | 'logSigmoid' | 'geluErf' }
  | { readonly fn: 'leakyRelu'; readonly alpha: number }
  | { readonly fn: 'mulScalar'; readonly scalar: number };

const CALLS: Readonly<Record<string, (params: Readonly<Record<string, number>>) => TfjsCall | undefined>> = {
  relu: () => ({ fn: 'relu' }),
  // leakyRelu's alpha is ours (tfjs defaults to 0.2): every side computes the same function.
  leakyRelu: (p) => ({ fn: 'leakyRelu', alpha: p.alpha! }),
  // tf.elu has no α: only α = 1 is the same function.
  elu: (p) => (p.alpha === 1 ? { fn: 'elu' } : undefined),
  sigmoid: () => ({ fn: 'sigmoid' }),
  tanh: () => ({ fn: 'tanh' }),
  linear: (p) => ({ fn: 'mulScalar', scalar: p.m! }),
  softmax: () => ({ fn: 'softmax' }),
  relu6: () => ({ fn: 'relu6' }),
  selu: () => ({ fn: 'selu' }),
  // tf.softplus has no β.
  softplus: (p) => (p.beta === 1 ? { fn: 'softplus' } : undefined),
  logSigmoid: () => ({ fn: 'logSigmoid' }),
  // tfjs-core has no gelu op: ½·x·(1 + erf(x/√2)) from tf.erf, as a tfjs model would write it.
  gelu: () => ({ fn: 'geluErf' }),
  logSoftmax: () => ({ fn: 'logSoftmax' }),
};

export function tfjsOp(name: string, params: Readonly<Record<string, number>>): PeerOp<TfjsCall> {
  const call = CALLS[name]?.(params);
  return call ? { op: call } : { unavailable: `tfjs has no ${name} with these parameters` };
}
