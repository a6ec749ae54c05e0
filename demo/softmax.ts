// Softmax for the demo: one row for the panel, and the verification of softmax and logSoftmax
// against the float64 reference with the library's softmax contract (SOFTMAX_CONTRACT). The checks
// have no DOM and no GPU, so the unit tests exercise them in Node.
import { absoluteInterval, boundFraction, MIN_NORMAL_F32, SOFTMAX_CONTRACT } from '../src/numerics/accuracy.js';
import type { SoftmaxName } from '../src/activations/table.js';
import type { Activations } from '../src/index.js';
import { reference } from '../src/numerics/reference.js';
import { randomUint32, SPECIAL_X } from '../src/numerics/verify.js';

export interface SoftmaxRow {
  readonly probabilities: Float32Array;
  readonly logProbabilities: Float32Array;
  readonly referenceProbabilities: Float64Array;
  readonly referenceLogProbabilities: Float64Array;
}

/** softmax(scores / temperature) and its log on the GPU, with the float64 reference beside them. */
export async function softmaxRow(act: Activations, scores: readonly number[], temperature: number): Promise<SoftmaxRow> {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`softmax: temperature ${temperature} must be a finite number > 0`);
  }
  // The scores divided by the temperature, as f32: what both the GPU and the reference see.
  const logits = Float32Array.from(scores, (s) => s / temperature);
  const options = { shape: [1, logits.length] };
  const [probabilities, logProbabilities] = await Promise.all([
    act.forward('softmax', logits, options),
    act.forward('logSoftmax', logits, options),
  ]);
  return {
    probabilities,
    logProbabilities,
    referenceProbabilities: reference.forward('softmax', logits, options),
    referenceLogProbabilities: reference.forward('logSoftmax', logits, options),
  };
}

/** Row length of the verification inputs: long enough that every lane of a reduction takes part. */
export const SOFTMAX_COLUMNS = 64;

/**
 * `count` random values in rows of SOFTMAX_COLUMNS, then one row per special value (the value at the
 * row's start, random values after it). Each random row has its own scale, 10^−3 to 10^4: from
 * nearly uniform probabilities to one-hot rows whose other entries underflow.
 */
export function softmaxInputs(count: number, seed: number): { x: Float32Array; shape: [number, number] } {
  const rows = Math.ceil(count / SOFTMAX_COLUMNS) + SPECIAL_X.length;
  const next = randomUint32(seed);
  const uniform = () => next() / 2 ** 32;
  const x = new Float32Array(rows * SOFTMAX_COLUMNS);
  for (let r = 0; r < rows; r++) {
    const scale = 10 ** (uniform() * 7 - 3);
    for (let j = 0; j < SOFTMAX_COLUMNS; j++) x[r * SOFTMAX_COLUMNS + j] = (2 * uniform() - 1) * scale;
  }
  const firstSpecial = rows - SPECIAL_X.length;
  SPECIAL_X.forEach((v, k) => (x[(firstSpecial + k) * SOFTMAX_COLUMNS] = v));
  return { x, shape: [rows, SOFTMAX_COLUMNS] };
}

export interface SoftmaxWorst {
  readonly row: number;
  readonly column: number;
  readonly got: number;
  readonly exact: number;
  /** The absolute error allowed there. */
  readonly bound: number;
  /** |got − exact| / bound. */
  readonly fraction: number;
}

export interface SoftmaxResult {
  readonly checked: number;
  readonly failures: number;
  /** The largest error as a fraction of its bound, over results whose exact value is a normal f32. */
  readonly worst: SoftmaxWorst | undefined;
  readonly firstFailure: (SoftmaxWorst & { readonly accepted: string }) | undefined;
  /** softmax only: the largest |Σⱼ yⱼ − 1| over rows whose results are all finite, and its bound. */
  readonly rowSum?: { readonly worst: number; readonly bound: number };
}

/**
 * Checks GPU results of softmax or logSoftmax on x (shape [rows, columns], along the last axis)
 * element by element, in chunks of rows, awaiting `progress` between them.
 */
export async function checkSoftmaxCase(
  name: SoftmaxName,
  x: Float32Array,
  shape: readonly [number, number],
  got: Float32Array,
  progress: (done: number) => Promise<void> | void = () => {},
): Promise<SoftmaxResult> {
  const [rows, columns] = shape;
  if (x.length !== rows * columns || got.length !== x.length) {
    throw new RangeError(`checkSoftmaxCase: ${x.length} inputs and ${got.length} results for shape [${rows}, ${columns}]`);
  }
  const tolerance = name === 'softmax' ? SOFTMAX_CONTRACT.probability : SOFTMAX_CONTRACT.logProbability;
  let failures = 0;
  let worst: SoftmaxWorst | undefined;
  let firstFailure: SoftmaxResult['firstFailure'];
  let worstRowSum = 0;
  const rowsPerChunk = Math.max(1, Math.floor(2 ** 16 / columns));
  for (let first = 0; first < rows; first += rowsPerChunk) {
    const last = Math.min(rows, first + rowsPerChunk);
    const slice = x.subarray(first * columns, last * columns);
    const exact = reference.forward(name, slice, { shape: [last - first, columns] });
    for (let r = first; r < last; r++) {
      let sum = 0;
      for (let j = 0; j < columns; j++) {
        const i = r * columns + j;
        const e = exact[i - first * columns]!;
        const g = got[i]!;
        const bound = tolerance(e);
        const fraction = boundFraction(g, e, bound);
        const here = { row: r, column: j, got: g, exact: e, bound, fraction };
        // Below 2⁻¹²⁶ the bound is 2⁻¹²⁶ itself (the GPU may flush): checked, not reported as the worst.
        if (fraction > (worst?.fraction ?? 0) && !(Math.abs(e) < MIN_NORMAL_F32)) worst = here;
        if (!(fraction <= 1)) {
          failures++;
          firstFailure ??= { ...here, accepted: absoluteInterval(e, bound).describe };
        }
        sum += g;
      }
      if (Number.isFinite(sum)) worstRowSum = Math.max(worstRowSum, Math.abs(sum - 1));
    }
    await progress(last / rows);
  }
  const result = { checked: x.length, failures, worst, firstFailure };
  if (name !== 'softmax') return result;
  const rowSum = { worst: worstRowSum, bound: SOFTMAX_CONTRACT.rowSum };
  return { ...result, failures: failures + (worstRowSum <= rowSum.bound ? 0 : 1), rowSum };
}
