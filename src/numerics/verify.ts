// Verification: how GPU results are judged against the float64 reference and the accuracy contract
// of src/numerics/accuracy.ts, and the inputs they are judged on. The demo, the GPU tests and the
// benchmark's spot checks all use this module; it has no DOM and no GPU, so unit tests run it in Node.
import {
  F16_OVERFLOW, F16_VALUES, MIN_NORMAL_F32, SOFTMAX_CONTRACT, SOFTMAX_F16_CONTRACT, f16Interval, f16Ordinal, f16OrdinalOfBits,
  f16Spacing, f16UlpDistance, absoluteInterval, acceptFlushed, boundFraction, flushCandidates, isSubnormalF32,
  measuredUlps, ulpDistance,
} from './accuracy.js';
import {
  ELEMENTWISE, resolveLayout, resolveParams, type ElementwiseActivation, type ElementwiseName, type Mode, type SoftmaxName,
  type Source,
} from '../activations/table.js';
import { exactElement, reference } from './reference.js';

// ---- Seeded inputs ----

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
 * `count` random f32 values followed by SPECIAL_X. Half are random bit patterns, which reach
 * every exponent (subnormals, huge values, infinities, NaNs) as often as any other; half are uniform
 * in [−spread, spread], where the curves bend and most real inputs lie.
 */
export function verificationInputs(count: number, seed: number, spread: number): Float32Array {
  const next = randomUint32(seed);
  const values = new Float32Array(count + SPECIAL_X.length);
  const bits = new Uint32Array(values.buffer, 0, count >>> 1);
  for (let i = 0; i < bits.length; i++) bits[i] = next();
  for (let i = bits.length; i < count; i++) values[i] = (next() / 2 ** 32 * 2 - 1) * spread;
  values.set(SPECIAL_X, count);
  return values;
}

/** Deterministic pseudo-random numbers in [0, 1), so that a failing case can be rerun. */
export function rng(seed: number): () => number {
  const next = randomUint32(seed);
  return () => next() / 2 ** 32;
}

/** n values uniform in [lo, hi). */
export function uniform(n: number, lo: number, hi: number, seed: number): Float32Array<ArrayBuffer> {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** n values mixing uniform [-20, 20) with every SPECIAL_X value spread through. */
export function mixed(n: number, seed: number): Float32Array {
  const out = uniform(n, -20, 20, seed);
  for (let i = 0; i < n; i += 7) out[i] = SPECIAL_X[(i / 7) % SPECIAL_X.length]!;
  return out;
}

/** The cross product (SPECIAL_X and `extra`, an entry's own inputs) × SPECIAL_DY as two aligned arrays. */
export function chosenPairs(extra: readonly number[] = []): { x: Float32Array; dy: Float32Array } {
  const xs = [...SPECIAL_X, ...extra];
  const x = new Float32Array(xs.length * SPECIAL_DY.length);
  const dy = new Float32Array(x.length);
  let i = 0;
  for (const a of xs) {
    for (const b of SPECIAL_DY) {
      x[i] = a;
      dy[i++] = b;
    }
  }
  return { x, dy };
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

// ---- Inputs chosen on purpose, each with the reason it is there ----

const SUBNORMAL = 1e-40; // below 2^-126: the adapter flushes it to ±0 in arithmetic and comparisons

/** The sweep of special inputs every activation and mode is run on. */
export const SPECIAL_X: readonly number[] = [
  0, -0, // the z <= 0 branch of every derivative; tanh(-0) keeps its sign
  SUBNORMAL, -SUBNORMAL, // flushed or not, the result must match one of the two readings
  1e-30, -1e-30, // tiny normals: expm1 and tanh must not cancel to 0, relu passes them through
  1e-4, -1e-4, // where (1-e)/(1+e) and e^z - 1 lose ~2000 ULP
  0.25, -0.25, 0.4999, -0.4999, 0.5, -0.5, 0.5001, -0.5001, // around expm1's switch from polynomial to exp at -0.5
  1, -1,
  0.3466, -0.3466, 0.3467, -0.3467, // around ln2/2, the Cody–Waite reduction's boundary for k = 0 / ±1
  9, -9, // tanh rounds to ±1 from about 9.01
  16, -16, // s(1-s) and 1-t² lose all relative accuracy from here
  20, -20,
  43.7, -43.7, 44, -44, 44.3, -44.3, // 4e^-2|z| flushes here while tanh'(z) is still normal
  50, -50,
  87.3, -87.3, // e^-|z| reaches the subnormal range: σ(-z) and σ'(z) underflow
  88, -88, 88.8, -88.8, 89, -89, // e^z overflows f32 past 88.72; built-in tanh gives NaN from ~88
  100, -100,
  104, -104, // e^-104 is below half the smallest subnormal
  1e4, -1e4, // huge: only saturated values are right
  3.4e38, -3.4e38, // near FLT_MAX: m·z and 2z overflow
  3.4028234663852886e38, -3.4028234663852886e38, // ±FLT_MAX itself: β·z, z/α, 1 + |z| and z³ overflow
  Infinity, -Infinity, // relu(∞)=∞, σ(±∞)∈{0,1}, tanh(±∞)=±1, elu(-∞)=-α; derivatives 0
  NaN, // NaN in gives NaN out: naive exp(NaN) is +∞ here and max/select drop NaN
  1e-45, -1e-45, // the smallest subnormals: the GPU may flush them to ±0
  MIN_NORMAL_F32, -MIN_NORMAL_F32, // the smallest normals: must not be flushed
  88.7, -88.7, // where e^z overflows f32 and the built-in tanh breaks
  -103.9, // where e^z underflows past the subnormals
  1e-7, -1e-7, // tiny arguments: expm1 and tanh must not cancel
  // Backward's g = √f' is below 2^-126 here while dy·f' is still normal for dy near FLT_MAX:
  // tanh (88.5), sigmoid and elu with α = 1 (175.5), elu with α = 10^30 (−240).
  88.5, -88.5, 175.5, -175.5, -240,
];

/** Upstream gradients for backward, crossed with SPECIAL_X. */
export const SPECIAL_DY: readonly number[] = [
  1, -1, // plain: dy·f' must equal f'
  0, -0, // 0·f' = 0, but 0·∞ = NaN
  0.7, -3.25, // ordinary values with full mantissas
  1e30, -1e30, // a huge dy times a derivative that is subnormal in f32 must still be right
  1e-30, // a tiny dy: the product underflows early
  MIN_NORMAL_F32, // dy·f' with f' just below 1 is just below 2^-126 (both rules of ulpInterval apply)
  SUBNORMAL, // flushed dy
  3.4e38, // dy·f' overflows where f' > 1 (linear with m > 1)
  Infinity, -Infinity, // ∞·f' is ±∞, or NaN where f' = 0
  NaN, // NaN in dy gives NaN out
];

// ---- Elementwise results ----

/** The parameter sets the tests run an activation at: the defaults, then each sample of each parameter. */
export function paramSets(act: ElementwiseActivation): Record<string, number>[] {
  return [{}, ...Object.entries(act.params).flatMap(([key, spec]) => spec.samples.map((v) => ({ [key]: v })))];
}

/** One element's input, result and error; `bound` is the contract's, in ULP, at that input. */
export interface Worst {
  readonly x: number;
  readonly dy: number | undefined;
  readonly got: number;
  readonly exact: number;
  readonly ulps: number;
  readonly bound: number;
}

export interface ElementwiseCheck {
  readonly checked: number;
  /** Results outside the contract; `failures` describes the first few. */
  readonly failureCount: number;
  readonly failures: readonly string[];
  /** The first rejected element, with the set of values the contract accepts there. */
  readonly firstFailure: (Worst & { readonly accepted: string }) | undefined;
  /** The element with the largest error (the first of equals); undefined if every one is exact. */
  readonly worst: Worst | undefined;
  /** Its error in ULP of the correctly rounded result (measuredUlps), against the closest input the GPU may have seen. */
  readonly maxUlps: number;
  /**
   * Among results outside the ULP bound but within the entry's absolute tolerance near a zero
   * crossing (`absoluteBound`), the largest error as a fraction of that tolerance; those results are
   * left out of `worst` and `maxUlps`.
   */
  readonly worstAbsolute: { readonly x: number; readonly dy: number | undefined; readonly fraction: number } | undefined;
}

/**
 * Checks GPU results of (name, mode) on x (and dy for backward), element by element, against the
 * contract: inputs taken as the GPU may have seen them (subnormals possibly flushed to ±0), the
 * activation's per-input bound. `progress` (for a page that repaints) is awaited between chunks.
 */
export async function checkElementwiseInSteps(
  name: ElementwiseName, mode: Mode, params: object | undefined, x: Float32Array, dy: Float32Array | undefined,
  got: Float32Array, progress: (done: number) => Promise<void> | void,
): Promise<ElementwiseCheck> {
  const checker = new ElementwiseChecker(name, mode, params, x, dy, got);
  const chunk = 1 << 16;
  for (let start = 0; start < x.length; start += chunk) {
    checker.check(start, Math.min(x.length, start + chunk));
    await progress(Math.min(x.length, start + chunk) / x.length);
  }
  return checker.result();
}

/** checkElementwiseInSteps, all at once. */
export function checkElementwise(
  name: ElementwiseName, mode: Mode, params: object | undefined, x: Float32Array, dy: Float32Array | undefined,
  got: Float32Array,
): ElementwiseCheck {
  const checker = new ElementwiseChecker(name, mode, params, x, dy, got);
  checker.check(0, x.length);
  return checker.result();
}

/** How many failures a check describes in words; it counts all of them. */
const DESCRIBED_FAILURES = 8;

class ElementwiseChecker {
  private failureCount = 0;
  private readonly failures: string[] = [];
  private firstFailure: ElementwiseCheck['firstFailure'];
  private worst: Worst | undefined;
  private readonly exactOf: (x: number, dy?: number) => number;
  private readonly bound: (x: number) => number;
  /** The entry's absolute tolerance near a zero crossing, for this mode, at |dy| = 1; undefined where it has none. */
  private readonly absolute: ((x: number) => number) | undefined;
  private worstAbsolute: ElementwiseCheck['worstAbsolute'];

  constructor(
    private readonly name: ElementwiseName, private readonly mode: Mode, params: object | undefined,
    private readonly x: Float32Array, private readonly dy: Float32Array | undefined, private readonly got: Float32Array,
  ) {
    if (got.length !== x.length) throw new RangeError(`checkElementwise: got ${got.length} results for ${x.length} inputs`);
    if (mode === 'backward' && dy?.length !== x.length) {
      throw new RangeError(`checkElementwise: backward needs dy with ${x.length} values, got ${dy?.length}`);
    }
    const act = ELEMENTWISE[name];
    const p = resolveParams(name, params);
    this.exactOf = exactElement(act, mode, p);
    this.bound = (z) => act.ulpBound(z, p, mode);
    const absolute = mode === 'forward' ? act.absoluteBound?.forward : act.absoluteBound?.derivative;
    this.absolute = absolute && ((z) => absolute(z, p));
  }

  /**
   * Whether g is within the absolute tolerance near a zero crossing (|dy| times it for backward),
   * at x or at the flushed x, against the exact value there; records the largest such error that
   * the ULP bound alone would have refused, as a fraction of the tolerance.
   */
  private withinAbsolute(xi: number, dyi: number, g: number, ulpRefused: boolean): boolean {
    if (!this.absolute || !Number.isFinite(g)) return false;
    let best = Infinity;
    for (const fx of flushCandidates(xi)) {
      for (const fdy of flushCandidates(dyi)) {
        const exact = this.exactOf(fx, fdy);
        if (!Number.isFinite(exact)) continue;
        const tolerance = this.absolute(fx) * (this.mode === 'backward' ? Math.abs(fdy) : 1) + MIN_NORMAL_F32;
        best = Math.min(best, Math.abs(g - exact) / tolerance);
      }
    }
    if (!(best <= 1)) return false;
    if (ulpRefused && best > (this.worstAbsolute?.fraction ?? 0)) this.worstAbsolute = { x: xi, dy: this.dy && dyi, fraction: best };
    return true;
  }

  check(start: number, end: number): void {
    const { x, dy, got } = this;
    for (let i = start; i < end; i++) {
      const xi = x[i]!;
      const dyi = dy?.[i] ?? 1;
      const g = got[i]!;
      const exact = this.exactOf(xi, dyi);
      const bound = this.bound(xi);
      let ulps: number;
      const plain = !Number.isNaN(exact) && (exact === 0 || Math.abs(exact) >= MIN_NORMAL_F32) &&
        !isSubnormalF32(xi) && !isSubnormalF32(dyi);
      if (!(plain && (ulps = ulpDistance(g, exact)) <= bound)) {
        // The fast path above, taken by almost every element: with a normal or zero exact value and
        // no subnormal input, ulpInterval(exact, bound) is exactly the f32 values within bound steps
        // of it. Here the full rule: inputs the GPU may have flushed, subnormal results, NaN.
        const inputs = this.mode === 'backward' ? [xi, dyi] : [xi];
        const accepted = acceptFlushed(inputs, (...a: number[]) => this.exactOf(a[0]!, a[1] ?? 1), this.bound);
        ulps = Infinity;
        for (const fx of flushCandidates(xi)) {
          for (const fdy of flushCandidates(dyi)) ulps = Math.min(ulps, measuredUlps(g, this.exactOf(fx, fdy)));
        }
        if (!accepted.contains(g) && !this.withinAbsolute(xi, dyi, g, true)) {
          const at = { x: xi, dy: dy && dyi, got: g, exact, ulps, bound };
          this.firstFailure ??= { ...at, accepted: accepted.describe };
          if (++this.failureCount <= DESCRIBED_FAILURES) {
            this.failures.push(`${this.name} ${this.mode} at [${i}] x=${xi}${dy ? ` dy=${dyi}` : ''}: got ${g}, want ${accepted.describe}`);
          }
        }
      }
      // Results accepted by the absolute tolerance alone are reported there, not as ULP.
      if (ulps! > (this.worst?.ulps ?? 0) && !(ulps! > bound && this.withinAbsolute(xi, dyi, g, false))) {
        this.worst = { x: xi, dy: dy && dyi, got: g, exact, ulps: ulps!, bound };
      }
    }
  }

  result(): ElementwiseCheck {
    return {
      checked: this.x.length, failureCount: this.failureCount, failures: this.failures, firstFailure: this.firstFailure,
      worst: this.worst, maxUlps: this.worst?.ulps ?? 0, worstAbsolute: this.worstAbsolute,
    };
  }
}

// ---- f16 elementwise results ----

/** All 65 536 f16 bit patterns in order: every f16 input there is, ±0, subnormals, ±65504, ±∞, NaNs. */
export function allF16Patterns(): Uint16Array {
  return Uint16Array.from({ length: 65536 }, (_, i) => i);
}

/** n random f16 bit patterns (seeded): every exponent, ±∞ and NaN as often as any other. */
export function randomF16Patterns(n: number, seed: number): Uint16Array {
  const next = randomUint32(seed);
  return Uint16Array.from({ length: n }, () => next() & 0xffff);
}

const isNanBits = (h: number): boolean => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

/**
 * The f16 contract's bound at one element, in f16 ULP: 0 where the f32 kernel's result is exact
 * (its f32 bound is 0 and the exact value is an f32, so one rounding to f16 is the only one) and
 * at x = ±∞ or NaN (special values are as in f32); else 1.
 */
export function f16UlpBound(act: ElementwiseActivation, p: Readonly<Record<string, number>>, mode: Mode, x: number, exact: number): number {
  if (!Number.isFinite(x)) return 0;
  return act.ulpBound(x, p, mode) === 0 && Math.fround(exact) === exact ? 0 : 1;
}

export interface F16Check {
  readonly checked: number;
  readonly failureCount: number;
  readonly failures: readonly string[];
  /** The largest distance in f16 ULP from the correctly rounded result, and where. */
  readonly maxUlps: number;
  readonly worst: { readonly x: number; readonly dy: number | undefined; readonly got: number; readonly exact: number } | undefined;
  /**
   * Among results beyond the ULP bound but within the entry's absolute tolerance near a zero crossing
   * (the f32 contract's absoluteBound, ×|dy| for backward, plus one f16 spacing for the store), the
   * largest error as a fraction of that tolerance; those are left out of maxUlps, as in f32.
   */
  readonly worstAbsolute: { readonly x: number; readonly dy: number | undefined; readonly fraction: number } | undefined;
}

/**
 * Checks f16 results (bits) of (name, mode) on f16 inputs x and dy (bits) against the f16 contract:
 * within f16UlpBound steps of the correctly rounded f16 of the float64 result at those inputs; an
 * exact result at least 65536 in magnitude only as ±∞ (f16Interval); NaN only for NaN. `source`
 * 'output': x holds saved outputs y, and the exact result is dy·f'(y) from the table's fromOutput.
 * Works on bits, so that engines without Float16Array check f16 results too.
 */
export function checkElementwiseF16(
  name: ElementwiseName, mode: Mode, params: object | undefined, x: Uint16Array, dy: Uint16Array | undefined,
  got: Uint16Array, source: Source = 'input',
): F16Check {
  if (got.length !== x.length) throw new RangeError(`checkElementwiseF16: got ${got.length} results for ${x.length} inputs`);
  const act = ELEMENTWISE[name];
  const p = resolveParams(name, params);
  const exactOf = exactElement(act, mode, p, source);
  const absolute = source === 'output' ? undefined : mode === 'forward' ? act.absoluteBound?.forward : act.absoluteBound?.derivative;
  const failures: string[] = [];
  let failureCount = 0;
  let maxUlps = 0;
  let worst: F16Check['worst'];
  let worstAbsolute: F16Check['worstAbsolute'];
  for (let i = 0; i < x.length; i++) {
    const xi = F16_VALUES[x[i]!]!;
    const dyi = dy ? F16_VALUES[dy[i]!]! : 1;
    const g = got[i]!;
    const exact = exactOf(xi, dyi);
    const bound = f16UlpBound(act, p, mode, xi, exact);
    let ulps: number;
    if (Number.isNaN(exact) || isNanBits(g)) ulps = Number.isNaN(exact) && isNanBits(g) ? 0 : Infinity;
    else if (Math.abs(exact) >= F16_OVERFLOW) ulps = (g & 0x7fff) === 0x7c00 && (g >> 15) === (exact < 0 ? 1 : 0) ? 0 : Infinity;
    else ulps = Math.abs(f16OrdinalOfBits(g) - f16Ordinal(exact));
    if (ulps > bound && absolute && Number.isFinite(exact) && (g & 0x7c00) !== 0x7c00) {
      // Near a zero crossing of f or f' the f32 kernel is only accurate in absolute terms.
      const tolerance = absolute(xi, p) * (mode === 'backward' ? Math.abs(dyi) : 1) + MIN_NORMAL_F32 + f16Spacing(exact);
      const fraction = Math.abs(F16_VALUES[g]! - exact) / tolerance;
      if (fraction <= 1) {
        if (fraction > (worstAbsolute?.fraction ?? 0)) worstAbsolute = { x: xi, dy: dy && dyi, fraction };
        continue;
      }
    }
    if (ulps > maxUlps) {
      maxUlps = ulps;
      worst = { x: xi, dy: dy && dyi, got: F16_VALUES[g]!, exact };
    }
    if (ulps > bound) {
      if (++failureCount <= DESCRIBED_FAILURES) {
        failures.push(`${name} ${mode}${source === 'output' ? ' from the output' : ''} f16 at [${i}] x=${xi}` +
          `${dy ? ` dy=${dyi}` : ''}: got ${F16_VALUES[g]} (0x${g.toString(16)}), want ${f16Interval(exact, bound).describe}`);
      }
    }
  }
  return { checked: x.length, failureCount, failures, maxUlps, worst, worstAbsolute };
}

// ---- Softmax and logSoftmax results ----

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
  /** Added to every tolerance: an f16 result's store rounding (checkSoftmaxF16). */
  extra: (exact: number) => number = () => 0,
): BoundCheck {
  const label = `${name} ${mode}${params.from === 'output' ? ' from output' : ''} ${JSON.stringify(params.shape ?? [x.length])}` +
    `${params.axis === undefined ? '' : ` axis ${params.axis}`}`;
  if (mode === 'forward') {
    const exact = reference.forward(name, x, params);
    const tolerance = name === 'softmax' ? SOFTMAX_CONTRACT.probability : SOFTMAX_CONTRACT.logProbability;
    return checkBounds(label, got, exact, (i) => tolerance(exact[i]!) + extra(exact[i]!));
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
      return extra(exact[t]!) + (name === 'softmax'
        ? SOFTMAX_CONTRACT.softmaxJacobian(prob(r, j), prob(r, k), j === k)
        : SOFTMAX_CONTRACT.logSoftmaxJacobian(prob(r, k), j === k));
    });
  }
  const exact = reference.backward(name, x, dy!, params);
  if (name === 'softmax') {
    const scale = rowSums(params, x.length, (i) => Math.abs(dy![i]! * p[i]!));
    return checkBounds(label, got, exact, (i) => SOFTMAX_CONTRACT.softmaxBackward(scale(i)) + extra(exact[i]!));
  }
  const absDy = rowSums(params, x.length, (i) => Math.abs(dy![i]!));
  return checkBounds(label, got, exact, (i) => SOFTMAX_CONTRACT.logSoftmaxBackward(dy![i]!, p[i]!, absDy(i)) + extra(exact[i]!));
}

/**
 * Checks f16 softmax or logSoftmax results against the f16 contract (SOFTMAX_F16_CONTRACT). x and dy
 * are the f16 inputs as numbers, got the f16 results' bits. forward: softmax within 1 f16 ULP of the
 * correctly rounded f16 (f16Interval), logSoftmax within that or 2⁻¹¹·(1 + |l|), whichever is larger.
 * backward and the Jacobians: the f32 contract at those inputs plus one f16 spacing at the exact
 * value, for the store's rounding (the statistics and the arithmetic are the f32 kernels').
 */
export function checkSoftmaxF16(
  name: SoftmaxName, mode: Mode, params: SoftmaxParams, x: Float32Array, dy: Float32Array | undefined, got: Uint16Array,
): BoundCheck {
  const values = Float32Array.from(got, (h) => F16_VALUES[h]!);
  if (mode !== 'forward') return checkSoftmax(name, mode, params, x, dy, values, f16Spacing);
  const label = `${name} forward f16 ${JSON.stringify(params.shape ?? [x.length])}${params.axis === undefined ? '' : ` axis ${params.axis}`}`;
  const exact = reference.forward(name, x, params);
  const result: BoundCheck = { worst: 0, worstAt: '', failures: [], failureCount: 0 };
  for (let i = 0; i < exact.length; i++) {
    const e = exact[i]!;
    const g = values[i]!;
    const ulps = !f16Interval(e, SOFTMAX_F16_CONTRACT.probabilityUlps).contains(g) ? Infinity : Number.isNaN(e) ? 0 : f16UlpDistance(g, e);
    const absolute = name === 'logSoftmax' && Number.isFinite(g) && Number.isFinite(e)
      ? Math.abs(g - e) / SOFTMAX_F16_CONTRACT.logProbability(e) : Infinity;
    const fraction = Math.min(ulps, absolute);
    if (fraction > result.worst) {
      result.worst = fraction;
      result.worstAt = `${label} [${i}]: got ${g}, exact ${e}`;
    }
    if (!(fraction <= 1) && ++result.failureCount <= DESCRIBED_FAILURES) {
      result.failures.push(`${label} [${i}] x=${x[i]}: got ${g}, want ${f16Interval(e, SOFTMAX_F16_CONTRACT.probabilityUlps).describe}` +
        (name === 'logSoftmax' ? ` or ${e} ± ${SOFTMAX_F16_CONTRACT.logProbability(e)}` : ''));
    }
  }
  return result;
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
