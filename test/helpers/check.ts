// Checks GPU results of elementwise ops against the float64 reference and the accuracy contract.
import { randomUint32 } from '../../demo/verify.js';
import { acceptFlushed, flushCandidates, measuredUlps } from '../../src/accuracy.js';
import { ELEMENTWISE, resolveParams, type ElementwiseName, type Mode } from '../../src/activations.js';

export interface CheckResult {
  /** Largest error seen, in ULP of the correctly rounded result (see measuredUlps). */
  maxUlps: number;
  /** The input where it was seen. */
  worst: { x: number; dy?: number; got: number; want: number } | undefined;
  /** The first few failures, described; failureCount counts all of them. */
  failures: string[];
  failureCount: number;
}

/** The float64 value of one element of `mode` for inputs (z, dy). */
export function exactValue(name: ElementwiseName, mode: Mode, p: Record<string, number>, z: number, dy = 1): number {
  const act = ELEMENTWISE[name];
  if (mode === 'forward') return act.forward(z, p);
  return dy * act.derivative(z, p);
}

/**
 * Compares got[i] with the contract for every i (or every i in `indices`). Inputs are taken as the
 * GPU may have seen them: subnormals possibly flushed to ±0.
 */
export function checkElementwise(
  name: ElementwiseName, mode: Mode, params: object | undefined,
  x: Float32Array, dy: Float32Array | undefined, got: Float32Array, maxFailures = 8,
): CheckResult {
  const act = ELEMENTWISE[name];
  const p = resolveParams(name, params);
  const result: CheckResult = { maxUlps: 0, worst: undefined, failures: [], failureCount: 0 };
  const f = (z: number, g?: number) => exactValue(name, mode, p, z, g);
  const bound = (z: number) => act.ulpBound(z, p);
  for (let i = 0; i < x.length; i++) {
    const z = x[i]!;
    const g = mode === 'backward' ? dy![i]! : undefined;
    const inputs = g === undefined ? [z] : [z, g];
    const v = got[i]!;
    const ok = acceptFlushed(inputs, f, bound);
    // The error against the closest of the inputs the GPU may have seen.
    let ulps = Infinity;
    for (const zc of flushCandidates(z)) {
      for (const gc of g === undefined ? [undefined] : flushCandidates(g)) ulps = Math.min(ulps, measuredUlps(v, f(zc, gc)));
    }
    if (ulps > result.maxUlps) {
      result.maxUlps = ulps;
      result.worst = { x: z, dy: g, got: v, want: f(z, g) };
    }
    if (!ok.contains(v) && ++result.failureCount <= maxFailures) {
      result.failures.push(`${name} ${mode} at [${i}] x=${z}${g === undefined ? '' : ` dy=${g}`}: got ${v}, want ${ok.describe}`);
    }
  }
  return result;
}

/** Deterministic pseudo-random numbers in [0, 1) (the demo's mulberry32), so a failing case can be rerun. */
export function rng(seed: number): () => number {
  const next = randomUint32(seed);
  return () => next() / 2 ** 32;
}
