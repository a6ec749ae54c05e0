// The verification the demo runs: GPU results for every activation and mode, element by element,
// against the float64 reference with the acceptance rule of src/accuracy.ts and the per-input bound of
// the activation table. This file has no DOM and no GPU, so the unit tests exercise it in Node.
import {
  acceptFlushed, flushCandidates, isSubnormalF32, measuredUlps, MIN_NORMAL_F32, ulpDistance,
} from '../src/accuracy.js';
import { ELEMENTWISE, type ElementwiseActivation, type ElementwiseName, type Mode } from '../src/activations.js';

/**
 * Inputs every case sees besides the random ones. The list first, then values that sit on
 * the edges the kernels handle specially.
 */
export const SPECIAL_VALUES: readonly number[] = [
  0, -0, Infinity, -Infinity, NaN, 100, -100, 3.4e38, -3.4e38,
  1e-45, -1e-45, // smallest subnormals: the GPU may flush them to ±0
  MIN_NORMAL_F32, -MIN_NORMAL_F32, // smallest normals: must not be flushed
  88.7, -88.7, // where e^z overflows f32 and the built-in tanh breaks
  -103.9, // where e^z underflows past the subnormals
  1e-7, -1e-7, // tiny arguments: expm1 and tanh must not cancel
];

/** A small, fast, seeded generator (mulberry32), so a run can be repeated exactly. */
export function randomUint32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * `count` random f32 values followed by SPECIAL_VALUES. Half are random bit patterns, which reach
 * every exponent (subnormals, huge values, infinities, NaNs) as often as any other; half are uniform
 * in [−spread, spread], where the curves bend and most real inputs lie.
 */
export function verificationInputs(count: number, seed: number, spread: number): Float32Array {
  const next = randomUint32(seed);
  const values = new Float32Array(count + SPECIAL_VALUES.length);
  const bits = new Uint32Array(values.buffer, 0, count >>> 1);
  for (let i = 0; i < bits.length; i++) bits[i] = next();
  for (let i = bits.length; i < count; i++) values[i] = (next() / 2 ** 32 * 2 - 1) * spread;
  values.set(SPECIAL_VALUES, count);
  return values;
}

export interface VerificationCase {
  readonly name: ElementwiseName;
  readonly mode: Mode;
  /** Every parameter, defaults filled in, rounded to f32 (resolveParams): what the GPU receives. */
  readonly params: Readonly<Record<string, number>>;
}

export interface Worst {
  readonly x: number;
  readonly dy: number | undefined;
  readonly got: number;
  readonly exact: number;
  readonly ulps: number;
  readonly bound: number;
}

export interface CaseResult {
  readonly checked: number;
  readonly failures: number;
  /** The element with the largest error (the first of equals), or undefined if every one is exact. */
  readonly worst: Worst | undefined;
  /** The first rejected element, with the set of values the contract accepts there. */
  readonly firstFailure: (Worst & { readonly accepted: string }) | undefined;
}

/** The exact result of one element in float64: f(x), f'(x) or dy·f'(x). */
function exactFunction(c: VerificationCase): (x: number, dy: number) => number {
  const act: ElementwiseActivation = ELEMENTWISE[c.name];
  const p = c.params;
  if (c.mode === 'forward') return (x) => act.forward(x, p);
  if (c.mode === 'derivative') return (x) => act.derivative(x, p);
  return (x, dy) => dy * act.derivative(x, p);
}

/**
 * Checks GPU results `got` for inputs x (and dy for backward) in chunks, calling `progress` with the
 * fraction done and awaiting it between chunks so a page can repaint.
 */
export async function checkCase(
  c: VerificationCase,
  x: Float32Array,
  dy: Float32Array | undefined,
  got: Float32Array,
  progress: (done: number) => Promise<void> | void = () => {},
): Promise<CaseResult> {
  if (got.length !== x.length) throw new RangeError(`checkCase: got ${got.length} results for ${x.length} inputs`);
  if (c.mode === 'backward' && dy?.length !== x.length) {
    throw new RangeError(`checkCase: backward needs dy with ${x.length} values, got ${dy?.length}`);
  }
  const act: ElementwiseActivation = ELEMENTWISE[c.name];
  const exactOf = exactFunction(c);
  const bound = (z: number) => act.ulpBound(z, c.params);
  let failures = 0;
  let worst: Worst | undefined;
  let firstFailure: CaseResult['firstFailure'];
  const chunk = 1 << 16;
  for (let start = 0; start < x.length; start += chunk) {
    const end = Math.min(x.length, start + chunk);
    for (let i = start; i < end; i++) {
      const xi = x[i]!;
      const dyi = dy?.[i] ?? 1;
      const g = got[i]!;
      const exact = exactOf(xi, dyi);
      const b = bound(xi);
      let ulps: number;
      let ok: boolean;
      const plain = !Number.isNaN(exact) && (exact === 0 || Math.abs(exact) >= MIN_NORMAL_F32) &&
        !isSubnormalF32(xi) && !isSubnormalF32(dyi);
      if (plain && (ulps = ulpDistance(g, exact)) <= b) {
        // Fast path, taken by almost every element: with a normal or zero exact value and no
        // subnormal input, ulpInterval(exact, b) is exactly the f32 values within b steps of it.
        ok = true;
      } else {
        // The full rule: inputs the GPU may have flushed, subnormal results, NaN.
        const inputs = c.mode === 'backward' ? [xi, dyi] : [xi];
        const f = (...a: number[]) => exactOf(a[0]!, a[1] ?? 1);
        const accepted = acceptFlushed(inputs, f, bound);
        ok = accepted.contains(g);
        ulps = Infinity;
        for (const fx of flushCandidates(xi)) {
          for (const fdy of flushCandidates(dyi)) ulps = Math.min(ulps, measuredUlps(g, exactOf(fx, fdy)));
        }
        if (!ok) {
          failures++;
          firstFailure ??= { x: xi, dy: dy && dyi, got: g, exact, ulps, bound: b, accepted: accepted.describe };
        }
      }
      if (ulps > (worst?.ulps ?? 0)) worst = { x: xi, dy: dy && dyi, got: g, exact, ulps, bound: b };
    }
    await progress(end / x.length);
  }
  return { checked: x.length, failures, worst, firstFailure };
}
