// Checks GPU results of softmax and logSoftmax against the float64 reference and the contract
// (SOFTMAX_CONTRACT in src/accuracy.ts), and makes the inputs the tests use.
import { MIN_NORMAL_F32, SOFTMAX_CONTRACT, absoluteInterval, boundFraction } from '../../src/accuracy.js';
import { resolveLayout, type Mode, type SoftmaxName, type Source } from '../../src/activations.js';
import { reference } from '../../src/reference.js';
import { rng } from './check.js';

export interface SoftmaxParams {
  shape?: number[];
  axis?: number;
  from?: Source;
}

export interface BoundCheck {
  /**
   * The largest error as a fraction of its bound (at most 1 where everything passes), over the
   * results whose exact value is a normal f32. Below 2⁻¹²⁶ the GPU may flush to 0, and the bound is
   * 2⁻¹²⁶ itself; those results are checked, not reported here.
   */
  worst: number;
  /** Where it was seen. */
  worstAt: string;
  /** The first few failures, described; failureCount counts all of them. */
  failures: string[];
  failureCount: number;
}

/**
 * Compares got[i] with absoluteInterval(exact[i], tolerance(i)) for every i. boundFraction(...) <= 1
 * is the same test (the unit tests hold them to it) without an object per element.
 */
export function checkBounds(
  label: string, got: ArrayLike<number>, exact: ArrayLike<number>, tolerance: (i: number) => number, maxFailures = 8,
): BoundCheck {
  const result: BoundCheck = { worst: 0, worstAt: '', failures: [], failureCount: got.length === exact.length ? 0 : 1 };
  if (got.length !== exact.length) result.failures.push(`${label}: got ${got.length} values, expected ${exact.length}`);
  for (let i = 0; i < Math.min(got.length, exact.length); i++) {
    const tol = tolerance(i);
    const fraction = boundFraction(got[i]!, exact[i]!, tol);
    if (fraction > result.worst && !(Math.abs(exact[i]!) < MIN_NORMAL_F32)) {
      result.worst = fraction;
      result.worstAt = `${label} [${i}]: got ${got[i]}, exact ${exact[i]}, bound ${tol}`;
    }
    if (!(fraction <= 1) && ++result.failureCount <= maxFailures) {
      result.failures.push(`${label} [${i}]: got ${got[i]}, want ${absoluteInterval(exact[i]!, tol).describe}`);
    }
  }
  return result;
}

/** For each element of a tensor with this layout, the index of its row (o·inner + i). */
function rowIndex(params: SoftmaxParams, length: number): (i: number) => number {
  const { len, inner } = resolveLayout('softmax', params, length);
  return (i) => Math.floor(i / (len * inner)) * inner + (i % inner);
}

/** Σ term(i) per row, for every element's row. */
function rowSums(params: SoftmaxParams, length: number, term: (i: number) => number): (i: number) => number {
  const rowOf = rowIndex(params, length);
  const { rows } = resolveLayout('softmax', params, length);
  const sums = new Float64Array(rows);
  for (let i = 0; i < length; i++) sums[rowOf(i)]! += term(i);
  return (i) => sums[rowOf(i)]!;
}

/**
 * Checks the GPU result of (name, mode) on x (and dy) against the reference and the contract. For
 * backward from the output, x is the saved output and the reference takes the formula at that x.
 */
export function checkSoftmax(
  name: SoftmaxName, mode: Mode, params: SoftmaxParams, x: Float32Array, dy: Float32Array | undefined, got: Float32Array,
): BoundCheck {
  const label = `${name} ${mode}${params.from === 'output' ? ' from output' : ''} ${JSON.stringify(params.shape ?? [x.length])}` +
    `${params.axis === undefined ? '' : ` axis ${params.axis}`}`;
  if (mode === 'forward') {
    const exact = reference.forward(name, x, params);
    const tolerance = name === 'softmax' ? SOFTMAX_CONTRACT.probability : SOFTMAX_CONTRACT.logProbability;
    return checkBounds(label, got, exact, (i) => tolerance(exact[i]!));
  }
  // The probabilities the bounds are stated in: softmax(x), or the saved output itself.
  const fromOutput = params.from === 'output';
  const p = fromOutput
    ? (name === 'softmax' ? Float64Array.from(x) : Float64Array.from(x, Math.exp))
    : reference.forward('softmax', x, { shape: params.shape, axis: params.axis });
  if (mode === 'derivative') {
    const exact = reference.derivative(name, x, params);
    const { len, inner } = resolveLayout(name, params, x.length);
    // Entry t of the output is (j, k) of row r = t / len²; y of row r = (o, i) sits at (o·len + j)·inner + i.
    const prob = (r: number, j: number) => p[(Math.floor(r / inner) * len + j) * inner + (r % inner)]!;
    return checkBounds(label, got, exact, (t) => {
      const r = Math.floor(t / (len * len));
      const j = Math.floor(t / len) % len;
      const k = t % len;
      return name === 'softmax'
        ? SOFTMAX_CONTRACT.softmaxJacobian(prob(r, j), prob(r, k), j === k)
        : SOFTMAX_CONTRACT.logSoftmaxJacobian(prob(r, k), j === k);
    });
  }
  const exact = reference.backward(name, x, dy!, params);
  if (name === 'softmax') {
    const scale = rowSums(params, x.length, (i) => Math.abs(dy![i]! * p[i]!));
    return checkBounds(label, got, exact, (i) => SOFTMAX_CONTRACT.softmaxBackward(scale(i)));
  }
  const absDy = rowSums(params, x.length, (i) => Math.abs(dy![i]!));
  return checkBounds(label, got, exact, (i) => SOFTMAX_CONTRACT.logSoftmaxBackward(dy![i]!, p[i]!, absDy(i)));
}

/** The largest |Σⱼ yⱼ − 1| over the rows of y whose entries are all finite. */
export function worstRowSum(params: SoftmaxParams, y: Float32Array): number {
  const { rows } = resolveLayout('softmax', params, y.length);
  const sums = new Float64Array(rows);
  const finite = new Uint8Array(rows).fill(1);
  const rowOf = rowIndex(params, y.length);
  for (let i = 0; i < y.length; i++) {
    const r = rowOf(i);
    sums[r]! += y[i]!;
    if (!Number.isFinite(y[i]!)) finite[r] = 0;
  }
  let worst = 0;
  for (let r = 0; r < rows; r++) if (finite[r]) worst = Math.max(worst, Math.abs(sums[r]! - 1));
  return worst;
}

/** n samples of a normal distribution times `scale` (Box–Muller on a seeded generator). */
export function normal(n: number, scale: number, seed: number): Float32Array<ArrayBuffer> {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - r(); // in (0, 1]: log(u) is finite
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}
