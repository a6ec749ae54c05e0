// Spot checks: after a case is timed, the first outputs of every contender are compared with the
// float64 reference, so that a kernel that skipped its work (a dropped dispatch, a wrong binding)
// shows up as an error instead of a fast time. This is a sanity check, not the accuracy test suite.
import { reference, type ActivationName } from '../src/index.js';
import type { BenchCase } from './cases.js';

/** How many leading outputs are checked. */
export const CHECKED = 4096;

/** The first min(CHECKED, row length) exact outputs of the case for inputs x and dy. */
export function referenceHead(c: BenchCase, x: Float32Array, dy: Float32Array): Float64Array {
  const name = c.op as ActivationName;
  if (c.spec.kind === 'elementwise') {
    const head = x.subarray(0, CHECKED);
    if (c.mode === 'forward') return reference.forward(name, head, c.spec.params);
    if (c.mode === 'derivative') return reference.derivative(name, head, c.spec.params);
    return reference.backward(name, head, dy.subarray(0, CHECKED), c.spec.params);
  }
  // Row 0, over the last axis. Backward reads the saved forward output (from: 'output'), as the
  // timed op does.
  const cols = c.shape[1]!;
  const n = Math.min(CHECKED, cols);
  const y = reference.forward(name, x.subarray(0, cols));
  if (c.mode === 'forward') return y.subarray(0, n);
  return reference.backward(name, y, dy.subarray(0, cols), { from: 'output' }).subarray(0, n);
}

/**
 * The largest error of `got` against `want`, in units of a loose tolerance: below 1 means the
 * contender computed the op. Infinity when a value is missing or not finite where the reference is.
 * f32 results: 1e-3 relative plus 1e-5 of the largest |want|. f16 results: 2⁻⁸ relative (a few f16
 * steps, where a backward from the saved output also reads the rounded y) plus the spacing of the
 * f16 subnormals, 2⁻²⁴ (a long row's probabilities are f16 subnormals) plus 2⁻¹⁰ of the largest |want|.
 */
export function toleranceRatio(got: ArrayLike<number>, want: Float64Array, dtype: 'f32' | 'f16' = 'f32'): number {
  let scale = 0;
  for (const w of want) scale = Math.max(scale, Math.abs(w));
  const [relative, ofScale, absolute] = dtype === 'f16' ? [2 ** -8, 2 ** -10, 2 ** -24] : [1e-3, 1e-5, Number.MIN_VALUE];
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i]!;
    if (g === undefined || !Number.isFinite(g)) return Infinity;
    worst = Math.max(worst, Math.abs(g - w) / (relative * Math.abs(w) + ofScale * scale + absolute));
  }
  return worst;
}
