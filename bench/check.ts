// Spot checks: after a case is timed, the first outputs of every contender are compared with the
// float64 reference, so that a kernel that skipped its work (a dropped dispatch, a wrong binding)
// shows up as an error instead of a fast time. This is a sanity check, not the accuracy test suite.
import { reference, type ActivationName } from '../src/index.js';
import type { BenchCase } from './cases.js';

/** How many leading outputs are checked. */
export const CHECKED = 4096;

/** Row 0 of softmax or logSoftmax over the last axis, in float64. */
function softmaxRow(op: string, x: Float32Array, cols: number): Float64Array {
  let max = -Infinity;
  for (let j = 0; j < cols; j++) max = Math.max(max, x[j]!);
  let sum = 0;
  for (let j = 0; j < cols; j++) sum += Math.exp(x[j]! - max);
  const y = new Float64Array(cols);
  for (let j = 0; j < cols; j++) y[j] = op === 'logSoftmax' ? x[j]! - max - Math.log(sum) : Math.exp(x[j]! - max) / sum;
  return y;
}

/** The first min(CHECKED, row length) exact outputs of the case for inputs x and dy. */
export function referenceHead(c: BenchCase, x: Float32Array, dy: Float32Array): Float64Array {
  if (c.spec.kind === 'elementwise') {
    const name = c.op as ActivationName;
    const head = x.subarray(0, CHECKED);
    if (c.mode === 'forward') return reference.forward(name, head, c.spec.params);
    if (c.mode === 'derivative') return reference.derivative(name, head, c.spec.params);
    return reference.backward(name, head, dy.subarray(0, CHECKED), c.spec.params);
  }
  const cols = c.shape[1]!;
  const y = softmaxRow(c.op, x, cols);
  const n = Math.min(CHECKED, cols);
  if (c.mode === 'forward') return y.subarray(0, n);
  // Backward of row 0, with the row's y from the forward pass (the op's backward reads y and dy):
  //   softmax:    dx = y ⊙ (dy − Σ dy·y)
  //   logSoftmax: dx = dy − softmax(x) · Σ dy
  let dot = 0;
  let sumDy = 0;
  for (let j = 0; j < cols; j++) {
    dot += dy[j]! * y[j]!;
    sumDy += dy[j]!;
  }
  const dx = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    dx[j] = c.op === 'logSoftmax' ? dy[j]! - Math.exp(y[j]!) * sumDy : y[j]! * (dy[j]! - dot);
  }
  return dx;
}

/**
 * The largest error of `got` against `want`, in units of a loose tolerance (1e-3 relative plus 1e-5
 * of the largest |want|): below 1 means the contender computed the op. Infinity when a value is
 * missing or not finite where the reference is.
 */
export function toleranceRatio(got: Float32Array, want: Float64Array): number {
  let scale = 0;
  for (const w of want) scale = Math.max(scale, Math.abs(w));
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i]!;
    if (g === undefined || !Number.isFinite(g)) return Infinity;
    worst = Math.max(worst, Math.abs(g - w) / (1e-3 * Math.abs(w) + 1e-5 * scale + Number.MIN_VALUE));
  }
  return worst;
}
