// Which ONNX operator computes each of our activations, beside the ORT peer (peer-ort.ts). A name
// missing here shows as "n/a" in the benchmark table, with the reason.
import type { PeerOp } from './cases.js';
import type { SingleOpModel } from './onnx-model.js';

export type OrtOp = Omit<SingleOpModel, 'shape'>;

const OPERATORS: Readonly<Record<string, (params: Readonly<Record<string, number>>) => OrtOp>> = {
  relu: () => ({ opType: 'Relu' }),
  leakyRelu: (p) => ({ opType: 'LeakyRelu', attributes: [{ name: 'alpha', float: p.alpha! }] }),
  elu: (p) => ({ opType: 'Elu', attributes: [{ name: 'alpha', float: p.alpha! }] }),
  sigmoid: () => ({ opType: 'Sigmoid' }),
  tanh: () => ({ opType: 'Tanh' }),
  // ONNX has no linear activation; Mul by a scalar initializer is what an exporter emits for m·x.
  linear: (p) => ({ opType: 'Mul', scalarInitializer: p.m! }),
  softmax: () => ({ opType: 'Softmax', attributes: [{ name: 'axis', int: -1 }] }),
  logSoftmax: () => ({ opType: 'LogSoftmax', attributes: [{ name: 'axis', int: -1 }] }),
};

export function ortOp(name: string, params: Readonly<Record<string, number>>): PeerOp<OrtOp> {
  const op = OPERATORS[name];
  return op ? { op: op(params) } : { unavailable: `ONNX has no ${name} operator` };
}
