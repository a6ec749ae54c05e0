// Acceptance intervals in the style of the WebGPU conformance suite: a float64 reference, turned into
// the set of f32 results the contract accepts. Used by the tests, the demo's verification table and
// the accuracy report.

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** Smallest positive normal f32, 2^-126. */
export const MIN_NORMAL_F32 = 2 ** -126;

export function isSubnormalF32(x: number): boolean {
  return x !== 0 && Math.abs(x) < MIN_NORMAL_F32;
}

/**
 * The position of f32(x) on the line of f32 values, so that adjacent floats differ by 1 and
 * ±0 are both 0. +Infinity sits one past the largest finite value. NaN has no position.
 */
export function f32Ordinal(x: number): number {
  if (Number.isNaN(x)) throw new RangeError('f32Ordinal: NaN has no position on the f32 line');
  f32[0] = x;
  const bits = i32[0]!;
  return bits >= 0 ? bits : -(bits & 0x7fffffff);
}

/** The f32 at a position on that line (inverse of f32Ordinal). */
export function f32FromOrdinal(ord: number): number {
  i32[0] = ord >= 0 ? ord : (-ord | 0x80000000);
  return f32[0]!;
}

/** How many f32 steps lie between a and b (both rounded to f32); Infinity if either is NaN. */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Infinity;
  return Math.abs(f32Ordinal(a) - f32Ordinal(b));
}

/** The f32 results that the contract accepts for one element. */
export interface Acceptance {
  readonly contains: (value: number) => boolean;
  /** For error messages: "[lo, hi]", "NaN", or "|v| <= 2^-126 with the sign of ..." */
  readonly describe: string;
}

/**
 * The f32 values within `ulps` steps of the correctly rounded f32 of `exact`.
 * - NaN accepts only NaN. A non-NaN exact value never accepts NaN, and ±Infinity are never
 *   confused with each other.
 * - Where |exact| < 2^-126 (the result is subnormal, which the GPU may flush), any value of the
 *   right sign with magnitude <= 2^-126 is accepted, ±0 included, and so is the ULP interval around
 *   exact: both rules apply, so a result just below 2^-126 may also come out `ulps` steps above it.
 * - Where the ULP interval reaches into the subnormal range, flushed values (±0) are accepted too.
 */
export function ulpInterval(exact: number, ulps: number): Acceptance {
  if (Number.isNaN(exact)) return { contains: (v) => Number.isNaN(v), describe: 'NaN' };
  const steps = stepsAround(exact, ulps);
  if (exact !== 0 && Math.abs(exact) < MIN_NORMAL_F32) {
    const sign = Math.sign(exact);
    return {
      contains: (v) => (!Number.isNaN(v) && Math.abs(v) <= MIN_NORMAL_F32 && (v === 0 || Math.sign(v) === sign)) ||
        steps.contains(v),
      describe: `|v| <= 2^-126 with the sign of ${exact}, or ${steps.describe}`,
    };
  }
  return steps;
}

/**
 * The f32 values within `ulps` steps of f32(exact) on the f32 line; for a normal exact value whose
 * steps reach the subnormals, also any value below 2^-126 (flushed, ±0 included).
 */
function stepsAround(exact: number, ulps: number): Acceptance {
  const center = f32Ordinal(exact);
  const infOrd = f32Ordinal(Infinity);
  const lo = Math.max(center - ulps, -infOrd);
  const hi = Math.min(center + ulps, infOrd);
  const reachesSubnormal = Math.abs(exact) >= MIN_NORMAL_F32 && (Math.min(Math.abs(lo), Math.abs(hi)) < f32Ordinal(MIN_NORMAL_F32) ||
    Math.sign(lo) !== Math.sign(hi));
  return {
    contains: (v) => {
      if (Number.isNaN(v)) return false;
      const ord = f32Ordinal(v);
      return (ord >= lo && ord <= hi) || (reachesSubnormal && Math.abs(v) < MIN_NORMAL_F32);
    },
    describe: `[${f32FromOrdinal(lo)}, ${f32FromOrdinal(hi)}] (${ulps} ULP around ${Math.fround(exact)})`,
  };
}

/** Values the GPU may have seen for input x: x itself, and ±0 where x is subnormal (flushed). */
export function flushCandidates(x: number): number[] {
  return isSubnormalF32(Math.fround(x)) ? [x, x > 0 ? 0 : -0] : [x];
}

/**
 * Acceptance for f applied to inputs the GPU may have flushed: the union of ulpInterval(f(...), ulps)
 * over every combination of flushed and unflushed inputs.
 */
export function acceptFlushed(
  inputs: readonly number[],
  f: (...args: number[]) => number,
  ulps: (...args: number[]) => number,
): Acceptance {
  let combos: number[][] = [[]];
  for (const v of inputs) combos = combos.flatMap((c) => flushCandidates(v).map((x) => [...c, x]));
  const parts = combos.map((c) => ulpInterval(f(...c), ulps(...c)));
  if (parts.length === 1) return parts[0]!;
  return {
    contains: (v) => parts.some((p) => p.contains(v)),
    describe: parts.map((p) => p.describe).join(' or '),
  };
}

/** A measured error in ULP for reports: 0 when accepted as a flushed subnormal, Infinity for NaN mismatch. */
export function measuredUlps(got: number, exact: number): number {
  if (Number.isNaN(exact) || Number.isNaN(got)) return Number.isNaN(exact) && Number.isNaN(got) ? 0 : Infinity;
  if (Math.abs(exact) < MIN_NORMAL_F32 && Math.abs(got) <= MIN_NORMAL_F32) return 0;
  return ulpDistance(got, exact);
}

/**
 * The f32 results within `tolerance` of `exact`, an absolute error bound. NaN accepts only NaN, and
 * no other value accepts NaN. Where `exact` lies beyond f32's range only the infinity it rounds to is
 * accepted, so −∞ is the right logSoftmax of −3.4e38 next to 3.4e38, and ±∞ are never confused.
 */
export function absoluteInterval(exact: number, tolerance: number): Acceptance {
  if (Number.isNaN(exact)) return { contains: (v) => Number.isNaN(v), describe: 'NaN' };
  const rounded = Math.fround(exact);
  if (!Number.isFinite(rounded)) {
    // exact ± tolerance reaches past f32's range: it holds that infinity, and the finite values
    // still within the tolerance (none, unless the tolerance itself is beyond f32's range).
    return {
      contains: (v) => v === rounded || (Number.isFinite(v) && Math.abs(v - exact) <= tolerance),
      describe: `${rounded}, or ${exact} ± ${tolerance}`,
    };
  }
  return {
    contains: (v) => !Number.isNaN(v) && Math.abs(v - exact) <= tolerance,
    describe: `${exact} ± ${tolerance}`,
  };
}

/** |got − exact| as a fraction of `tolerance`, for reports: 0 where both are the same NaN or infinity. */
export function boundFraction(got: number, exact: number, tolerance: number): number {
  if (Number.isNaN(exact) || Number.isNaN(got)) return Number.isNaN(exact) && Number.isNaN(got) ? 0 : Infinity;
  if (got === Math.fround(exact)) return 0;
  return Number.isFinite(got) ? Math.abs(got - exact) / tolerance : Infinity;
}

/**
 * The softmax contract: the absolute error allowed for one f32 result, given float64 exact values.
 * Every absolute bound includes 2⁻¹²⁶, since the GPU may flush a subnormal result to 0.
 */
export const SOFTMAX_CONTRACT = {
  /** softmax(x)ⱼ: relative 2⁻¹⁷ where the exact value is at least 2⁻¹²⁶, else absolute 2⁻¹²⁶. */
  probability: (exact: number): number => (exact >= MIN_NORMAL_F32 ? 2 ** -17 * exact : MIN_NORMAL_F32),
  /** |Σⱼ yⱼ − 1| for a row of the f32 results, rows up to 2²⁴ columns. */
  rowSum: 2 ** -16,
  /** logSoftmax(x)ⱼ. */
  logProbability: (exact: number): number => 2 ** -18 * (1 + Math.abs(exact)),
  /** softmax backward, each element of a row whose Σₖ |dyₖ|·yₖ is `rowScale`. */
  softmaxBackward: (rowScale: number): number => 2 ** -17 * rowScale + MIN_NORMAL_F32,
  /** logSoftmax backward, element j: pⱼ = softmax(x)ⱼ, `rowAbsDy` = Σₖ |dyₖ| over the row. */
  logSoftmaxBackward: (dy: number, p: number, rowAbsDy: number): number =>
    2 ** -17 * (Math.abs(dy) + p * rowAbsDy) + MIN_NORMAL_F32,
  /** Jacobian entry (j, k) of softmax, from y = softmax(x). */
  softmaxJacobian: (yj: number, yk: number, diagonal: boolean): number =>
    2 ** -17 * yj * ((diagonal ? 1 : 0) + yk) + MIN_NORMAL_F32,
  /** Jacobian entry (j, k) of logSoftmax, from y = softmax(x). */
  logSoftmaxJacobian: (yk: number, diagonal: boolean): number => 2 ** -17 * ((diagonal ? 1 : 0) + yk) + MIN_NORMAL_F32,
  /**
   * An elementwise backward from a saved y = f(z) (`from: 'output'`), against dy·f'(z): f'(y)
   * moves by up to `slope` times y's error, which a small f' does not shrink; 2⁻²² times the largest
   * |f'| (`largest`, 1 for sigmoid and tanh) covers the rounding of the formula itself.
   */
  fromOutput: (dy: number, yError: number, slope: number, largest = 1): number =>
    Math.abs(dy) * (slope * yError + 2 ** -22 * largest) + MIN_NORMAL_F32,
} as const;

// ---- f16 ----
//
// The f16 contract is stated on the f16 line itself: a result is judged by its distance in f16 steps
// from the correctly rounded f16 of the exact value. f16 subnormals are steps like any other (2⁻²⁴
// apart), so "1 ULP" is 2⁻²⁴ absolute there; nothing is flushed, since the kernels widen every f16
// to a normal f32 and narrow with integer operations.

/** The largest finite f16, 65504 = (2 − 2⁻¹⁰)·2¹⁵. */
export const MAX_F16 = 65504;
/** The smallest positive normal f16, 2⁻¹⁴, and the smallest subnormal, 2⁻²⁴ (an f16 subnormal's ULP). */
export const MIN_NORMAL_F16 = 2 ** -14;
export const MIN_SUBNORMAL_F16 = 2 ** -24;

/**
 * x rounded to the nearest f16, ties to even, as a number: from float64 directly (one rounding, not
 * through f32). Beyond 65520 (halfway from 65504 to the next binade's 65536) it is ±∞; NaN stays NaN.
 */
export function f16Round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  const ulp = f16Spacing(a);
  const q = a / ulp; // exact: a scaling by a power of two
  let r = Math.floor(q);
  const rest = q - r;
  if (rest > 0.5 || (rest === 0.5 && r % 2 === 1)) r++;
  const rounded = r * ulp;
  return Math.sign(x) * (rounded > MAX_F16 ? Infinity : rounded);
}

/**
 * The spacing of f16 values at x: 2⁻²⁴ among the subnormals (below 2⁻¹⁴), else 2^(e − 10) in the
 * binade [2^e, 2^(e+1)).
 */
export function f16Spacing(x: number): number {
  const a = Math.abs(x);
  if (!(a >= MIN_NORMAL_F16)) return MIN_SUBNORMAL_F16;
  const e = Math.floor(Math.log2(a));
  // log2 may be off by one at a binade's edge; the comparisons put a in its binade.
  const binade = 2 ** e > a ? e - 1 : 2 ** (e + 1) <= a ? e + 1 : e;
  return 2 ** (binade - 10);
}

/** The 16 bits of f16Round(x); NaN gives the quiet NaN 0x7e00. */
export function f16Bits(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  if (Number.isNaN(x)) return 0x7e00;
  const r = Math.abs(f16Round(x));
  if (r === Infinity) return sign | 0x7c00;
  if (r < MIN_NORMAL_F16) return sign | (r / MIN_SUBNORMAL_F16);
  let e = Math.floor(Math.log2(r));
  if (2 ** e > r) e--;
  return sign | ((e + 15) << 10) | (r / 2 ** (e - 10) - 1024);
}

/** The value of f16 bits: subnormals are m·2⁻²⁴, 0x7c00 is +∞, any NaN pattern NaN. */
export function f16FromBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0x1f) return m === 0 ? sign * Infinity : NaN;
  return sign * (e === 0 ? m * MIN_SUBNORMAL_F16 : (1024 + m) * 2 ** (e - 25));
}

/** Every f16 as a number, indexed by its bits: decoding a whole array is then a table lookup. */
export const F16_VALUES: Float64Array = Float64Array.from({ length: 65536 }, (_, b) => f16FromBits(b));

/** f16Round(x)'s position on the f16 line: neighbours differ by 1, ±0 are 0, ±∞ one past ±65504. */
export function f16Ordinal(x: number): number {
  if (Number.isNaN(x)) throw new RangeError('f16Ordinal: NaN has no position on the f16 line');
  return f16OrdinalOfBits(f16Bits(x));
}

/** The position on the f16 line of the f16 with these bits (not NaN): sign and magnitude to an integer. */
export function f16OrdinalOfBits(bits: number): number {
  return bits & 0x8000 ? -(bits & 0x7fff) : bits;
}

/** How many f16 steps lie between f16Round(a) and f16Round(b); Infinity if either is NaN. */
export function f16UlpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Infinity;
  return Math.abs(f16Ordinal(a) - f16Ordinal(b));
}

/** 65536, one ULP of the next binade above 65504: an exact value at least this far out must give ∞. */
export const F16_OVERFLOW = 65536;

/**
 * The f16 results within `ulps` steps of f16Round(exact). NaN accepts only NaN and nothing else
 * accepts NaN. An exact value beyond the f16 range (|exact| >= 65536) accepts only the infinity of
 * its sign; from 65504 to 65536 both 65504 and ∞ are a step away, and both are accepted at 1 ULP.
 */
export function f16Interval(exact: number, ulps: number): Acceptance {
  if (Number.isNaN(exact)) return { contains: (v) => Number.isNaN(v), describe: 'NaN' };
  if (Math.abs(exact) >= F16_OVERFLOW) {
    const inf = Math.sign(exact) * Infinity;
    return { contains: (v) => v === inf, describe: `${inf} (${exact} is beyond the f16 range)` };
  }
  const center = f16Ordinal(exact);
  const lo = Math.max(center - ulps, -0x7c00);
  const hi = Math.min(center + ulps, 0x7c00);
  return {
    contains: (v) => {
      if (Number.isNaN(v)) return false;
      const ord = f16Ordinal(v);
      return ord >= lo && ord <= hi;
    },
    describe: `[${f16FromOrdinal(lo)}, ${f16FromOrdinal(hi)}] (${ulps} f16 ULP around ${f16Round(exact)})`,
  };
}

/** The f16 at a position of f16Ordinal. */
export function f16FromOrdinal(ord: number): number {
  return f16FromBits(ord >= 0 ? ord : (-ord | 0x8000));
}

/**
 * The softmax contract in f16 (row statistics are kept in f32, so only the stores round to f16):
 * probabilities within 1 f16 ULP, row sums within 2⁻⁹ of 1, log-probabilities within 1 f16 ULP or
 * 2⁻¹¹·(1 + |l|), whichever is larger.
 */
export const SOFTMAX_F16_CONTRACT = {
  probabilityUlps: 1,
  rowSum: 2 ** -9,
  logProbability: (exact: number): number => 2 ** -11 * (1 + Math.abs(exact)),
} as const;
