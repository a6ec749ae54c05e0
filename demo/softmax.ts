// The demo's one door to softmax. Softmax is being added to the library on its own branch with this API:
//   act.forward('softmax' | 'logSoftmax', x, { shape: [rows, cols] })   (axis -1; no shape = one row)
//   reference.forward('softmax' | 'logSoftmax', x, { shape })
// Until that lands, SOFTMAX_IN_BUILD is false and the page says softmax is not available in this build.
// It never shows CPU numbers in place of GPU ones.
import type { Activations } from '../src/index.js';
import { reference } from '../src/reference.js';

/** Set to true when the library's softmax is merged. */
export const SOFTMAX_IN_BUILD = false;

export const SOFTMAX_MISSING =
  'Softmax is not available in this build: the library\'s softmax op has not been merged yet. ' +
  'This panel and its verification rows switch on when it is.';

/** The softmax calls as the softmax branch defines them; the merged library's own types replace this. */
interface SoftmaxGpu {
  forward(name: 'softmax' | 'logSoftmax', x: Float32Array, options: { shape: readonly number[] }): Promise<Float32Array>;
}
interface SoftmaxReference {
  forward(name: 'softmax' | 'logSoftmax', x: Float32Array, options: { shape: readonly number[] }): Float64Array;
}

export interface SoftmaxRow {
  readonly probabilities: Float32Array;
  readonly logProbabilities: Float32Array;
  readonly referenceProbabilities: Float64Array;
  readonly referenceLogProbabilities: Float64Array;
}

export type SoftmaxOutcome = { readonly available: true; readonly row: SoftmaxRow } | { readonly available: false; readonly reason: string };

/** softmax(scores / temperature) and its log on the GPU, with the float64 reference beside them. */
export async function softmaxRow(act: Activations, scores: readonly number[], temperature: number): Promise<SoftmaxOutcome> {
  if (!SOFTMAX_IN_BUILD) return { available: false, reason: SOFTMAX_MISSING };
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`softmax: temperature ${temperature} must be a finite number > 0`);
  }
  // The scores divided by the temperature, as f32: what both the GPU and the reference see.
  const logits = Float32Array.from(scores, (s) => s / temperature);
  const options = { shape: [1, logits.length] };
  const gpu = act as unknown as SoftmaxGpu;
  const cpu = reference as unknown as SoftmaxReference;
  const [probabilities, logProbabilities] = await Promise.all([
    gpu.forward('softmax', logits, options),
    gpu.forward('logSoftmax', logits, options),
  ]);
  return {
    available: true,
    row: {
      probabilities,
      logProbabilities,
      referenceProbabilities: cpu.forward('softmax', logits, options),
      referenceLogProbabilities: cpu.forward('logSoftmax', logits, options),
    },
  };
}
