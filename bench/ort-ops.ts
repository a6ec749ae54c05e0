// Which ONNX operator computes each of our activations, beside the ORT peer (peer-ort.ts). A name
// missing here shows as "n/a" in the benchmark table, with the reason.
import type { PeerOp } from './cases.js';
import type { SingleOpModel } from './onnx-model.js';

export type OrtOp = Omit<SingleOpModel, 'shape'>;

const OPERATORS: Readonly<Record<string, (params: Readonly<Record<string, number>>) => OrtOp | undefined>> = {
  relu: () => ({ opType: 'Relu' }),
  leakyRelu: (p) => ({ opType: 'LeakyRelu', attributes: [{ name: 'alpha', float: p.alpha! }] }),
  elu: (p) => ({ opType: 'Elu', attributes: [{ name: 'alpha', float: p.alpha! }] }),
  sigmoid: () => ({ opType: 'Sigmoid' }),
  tanh: () => ({ opType: 'Tanh' }),
  // ONNX has no linear activation; Mul by a scalar initializer is what an exporter emits for m·x.
  linear: (p) => ({ opType: 'Mul', scalarInitializer: p.m! }),
  // Softplus has no β: only β = 1 is the same function.
  softplus: (p) => (p.beta === 1 ? { opType: 'Softplus' } : undefined),
  softmax: () => ({ opType: 'Softmax', attributes: [{ name: 'axis', int: -1 }] }),
  // Issue 11's activations. Gelu is in the default domain from opset 20 (approximate 'none' or 'tanh').
  gelu: () => ({ opType: 'Gelu', opset: 20 }),
  geluTanh: () => ({ opType: 'Gelu', opset: 20, attributes: [{ name: 'approximate', string: 'tanh' }] }),
  // ORT's contrib QuickGelu is x·σ(α·x): α = 1.702 is CLIP's, α = 1 is silu (ONNX has no Silu).
  quickGelu: () => ({ opType: 'QuickGelu', domain: 'com.microsoft', attributes: [{ name: 'alpha', float: 1.702 }] }),
  silu: () => ({ opType: 'QuickGelu', domain: 'com.microsoft', attributes: [{ name: 'alpha', float: 1 }] }),
  mish: () => ({ opType: 'Mish', opset: 18 }),
  // ONNX's defaults are PyTorch's λ and α rounded to f32; given explicitly all the same.
  selu: () => ({ opType: 'Selu', attributes: [{ name: 'alpha', float: 1.6732632423543772 }, { name: 'gamma', float: 1.0507009873554805 }] }),
  celu: (p) => ({ opType: 'Celu', attributes: [{ name: 'alpha', float: p.alpha! }] }),
  hardSigmoid: (p) => ({ opType: 'HardSigmoid', attributes: [{ name: 'alpha', float: p.alpha! }, { name: 'beta', float: p.beta! }] }),
  hardSwish: () => ({ opType: 'HardSwish' }),
  softsign: () => ({ opType: 'Softsign' }),
  logSoftmax: () => ({ opType: 'LogSoftmax', attributes: [{ name: 'axis', int: -1 }] }),
};

export function ortOp(name: string, params: Readonly<Record<string, number>>): PeerOp<OrtOp> {
  const op = OPERATORS[name]?.(params);
  return op ? { op } : { unavailable: `ONNX has no ${name} operator with these parameters` };
}
