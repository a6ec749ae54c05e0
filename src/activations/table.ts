// The activation table: the one place that says what each activation is. The WGSL kernels, the
// float64 reference, parameter validation and the accuracy contract all read it.
import erfc from '@stdlib/math-base-special-erfc';
import expm1 from '@stdlib/math-base-special-expm1';
import log1p from '@stdlib/math-base-special-log1p';
import { f32FromOrdinal, f32Ordinal } from '../numerics/accuracy.js';

/** A numeric parameter of an activation, such as ELU's alpha. */
export interface ParamSpec {
  readonly default: number;
  /** Describes the accepted values, for error messages: "a finite number > 0". */
  readonly expected: string;
  readonly accepts: (value: number) => boolean;
  /** How people write it: "α". */
  readonly symbol: string;
  /** The demo's slider. */
  readonly slider: { readonly min: number; readonly max: number; readonly step: number };
  /** Values the GPU tests run besides the default, each for a reason given beside it; the range the property tests draw from. */
  readonly samples: readonly number[];
  readonly fuzz: readonly [number, number];
}

export interface ElementwiseActivation {
  readonly kind: 'elementwise';
  /** The name people use: "LeakyReLU". */
  readonly display: string;
  /** f(z) and f'(z) as people write them, for the README and the demo. */
  readonly formula: string;
  readonly derivativeFormula: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /**
   * WGSL functions: f(z, p...) and dy·f'(z, p...), in shaders/activations.wgsl, or in `source` for an
   * activation defined outside this library's shaders (a test's table extension).
   */
  readonly wgsl: {
    readonly forward: string;
    readonly backward: string;
    readonly source?: string;
    /**
     * For a mode with `hostConstants`: the same function taking the parameters in table order, which
     * makes the constants itself. The WGSL export (src/wgsl-export.ts) hands it out where there is one;
     * the kernels take the constants from the host, computed once per call rather than per element.
     * (hardSigmoid has none: its slope's ends need exact sums that some compilers optimise away, so
     * its export takes the host constants, see wgsl.args.)
     */
    readonly fromParams?: { readonly forward?: string; readonly backward?: string; readonly derivative?: string };
    /**
     * f'(z) alone, for the derivative mode, taking backward's arguments without dy. Without one the
     * derivative mode runs backward with dy = 1, whose chain of products keeps dy·f' from underflowing
     * before a large dy joins: work f' alone does not need, since it may flush below 2^-126.
     */
    readonly derivative?: string;
  };
  /** Float64 reference; p holds every parameter, defaults filled in. */
  readonly forward: (z: number, p: Readonly<Record<string, number>>) => number;
  readonly derivative: (z: number, p: Readonly<Record<string, number>>) => number;
  /**
   * The accuracy contract at input z, in ULP of the correctly rounded f32 result: 0 where the GPU
   * result must be exact, else 16 + 2|a| with `a` the argument the formula passes to exp. `mode` is
   * the call's; the activations of issue 11 allow the derivative and backward 32 + 2|a|.
   */
  readonly ulpBound: (z: number, p: Readonly<Record<string, number>>, mode: Mode) => number;
  /** ulpBound as people write it, for the README. */
  readonly ulpBoundText: string;
  /**
   * Where f or f' crosses zero at a point no f32 can hit, a sum of terms cancels and relative accuracy
   * is out of reach there: a result is also accepted within this absolute tolerance of the exact
   * value (for backward, times |dy|), k·2⁻²⁴ times the largest of the terms being summed.
   */
  readonly absoluteBound?: {
    readonly forward?: (z: number, p: Readonly<Record<string, number>>) => number;
    readonly derivative?: (z: number, p: Readonly<Record<string, number>>) => number;
    /** For the README: "32·2⁻²⁴·max(Φ(z), |z|·φ(z)) for f'". */
    readonly text: string;
  };
  /**
   * Inputs where this activation is hard, beyond the shared special inputs of verify.ts: its kinks,
   * the zero crossings of f and f', where its tails leave the normal range. The GPU tests run them.
   */
  readonly inputs?: readonly number[];
  /** The demo's plots come in groups: the six classic activations first, then the modern ones. */
  readonly group?: 'classic' | 'modern';
  /**
   * backward from the saved output y = f(z) instead of z (`from: 'output'`), where f' is cheaper in
   * terms of y. It inherits y's rounding, which f'(y) does not shrink where f' is small, so its
   * contract is absolute: |error| <= |dy|·(slope·|y − f(z)| + 2⁻²²) against dy·f'(z).
   */
  readonly fromOutput?: {
    readonly formula: string;
    /** WGSL function in shaders/activations.wgsl: dy·f'(y) from y. */
    readonly wgsl: string;
    /** Float64 f' as a function of y. */
    readonly derivative: (y: number, p: Readonly<Record<string, number>>) => number;
    /** max |d f'(y) / dy| over the range of f: how much an error in y moves f' (softplus: β). */
    readonly slope: number | ((p: Readonly<Record<string, number>>) => number);
    /** max |f'|, which the rounding of dy·f'(y) scales with (default 1). */
    readonly largest?: (p: Readonly<Record<string, number>>) => number;
    /** Parameters for which f' is a function of y at all (leakyRelu: y > 0 must mean z > 0). */
    readonly requires?: { readonly accepts: (p: Readonly<Record<string, number>>) => boolean; readonly expected: string };
  };
  /**
   * What a mode's WGSL function takes in place of the parameters: values computed once on the host
   * from them (√α's mantissa and exponent, say), which would otherwise be recomputed per element.
   * `derivative` uses backward's. Modes without an entry take the parameters in table order.
   */
  readonly hostConstants?: { readonly [M in 'forward' | 'backward']?: Readonly<Record<string, HostConstant>> };
  /** Call options the activation accepts besides its parameters (validated by their own resolvers). */
  readonly options?: readonly CallOption[];
}

/** A uniform computed on the host from the parameters (defaults filled in). */
export interface HostConstant {
  readonly type: 'f32' | 'i32';
  readonly value: (p: Readonly<Record<string, number>>) => number;
}

/** Options of a call that are not numeric parameters: softmax's shape and axis, backward's source. */
export type CallOption = 'shape' | 'axis' | 'from';

const finite: ParamSpec['accepts'] = (v) => Number.isFinite(v);
const finitePositive: ParamSpec['accepts'] = (v) => Number.isFinite(v) && v > 0;

// f'(z) of sigmoid, tanh and ELU is positive for every finite z, but underflows to 0 in float64 for
// |z| beyond ~745. Keeping it at the smallest positive double keeps dy·f'(z) = ±∞ for an infinite dy
// (not NaN), and still rounds to 0 in f32 for every finite dy.
const positive = (d: number, z: number): number => (Number.isFinite(z) ? Math.max(d, Number.MIN_VALUE) : d);
const exact = (): number => 0;
const expBound = (a: number): number => 16 + 2 * Math.abs(a);

// NaN must be returned explicitly: every comparison with NaN is false, so z > 0 ? z : 0 maps it to 0.
const nanOr = (f: (z: number, p: Readonly<Record<string, number>>) => number) =>
  (z: number, p: Readonly<Record<string, number>>): number => (Number.isNaN(z) ? NaN : f(z, p));

/** x = m·2^e with m in [1, 2) an f32, for finite x > 0 (the f32 mantissa rounded once). */
export function splitF32(x: number): { m: number; e: number } {
  let e = Math.floor(Math.log2(x));
  if (2 ** e > x) e--;
  else if (2 ** (e + 1) <= x) e++;
  const m = Math.fround(x / 2 ** e);
  return m === 2 ? { m: 1, e: e + 1 } : { m, e };
}

// The constants of a backward dy·c·eᶻ (z <= 0) formed as (dy·g)·g, g = √c·e^(z/2) = m·2^e·e^(z/2)
// (elu_backward in shaders/activations.wgsl); c is α for elu, λα for selu.
function expHalfBackward(c: (p: Readonly<Record<string, number>>) => number): Readonly<Record<string, HostConstant>> {
  const root = (p: Readonly<Record<string, number>>) => splitF32(Math.sqrt(c(p)));
  return {
    sqrt_alpha_m: { type: 'f32', value: (p) => root(p).m },
    shift: { type: 'i32', value: (p) => root(p).e },
    cold_shift: { type: 'i32', value: (p) => root(p).e + 32 },
    // g < 2^-32 below −64·ln 2 − ln c; a little lower, so that g·2^32 < 1 in the whole cold region.
    cold_z: { type: 'f32', value: (p) => -64 * Math.LN2 - Math.log(c(p)) - 0.01 },
    // z/2 clamped where k + e + 32 = −125: the shifted 2^k stays normal.
    floor: { type: 'f32', value: (p) => (-157 - root(p).e) * Math.LN2 },
  };
}

/**
 * hardSigmoid's derivative is α on the f32 z with 0 < α·z + β < 1, an interval of the f32 line
 * (α·z + β is monotone in z; its float64 value decides, as in the reference): found once on the host
 * by bisection over f32 positions, so that the kernel's test is two comparisons, exact on every
 * adapter (a kernel's exact α·z + β relies on TwoSum, which a compiler may reassociate away). It is
 * given as the open interval (below, above) of the neighbours outside it: a subnormal bound flushed
 * to 0 then still gives 0 at the kink z = 0 (β = 0). Empty: (+∞, −∞). With α = 0 the derivative is
 * 0 anyway, (−∞, +∞).
 */
let lastInterval: { alpha: number; beta: number; below: number; above: number } | undefined;
function insideInterval(p: Readonly<Record<string, number>>): { below: number; above: number } {
  const alpha = p.alpha!;
  const beta = p.beta!;
  if (lastInterval?.alpha !== alpha || lastInterval.beta !== beta) lastInterval = { alpha, beta, ...findInterval(alpha, beta) };
  return lastInterval;
}

function findInterval(alpha: number, beta: number): { below: number; above: number } {
  if (alpha === 0) return { below: -Infinity, above: Infinity };
  const inside = (ord: number) => {
    const v = alpha * f32FromOrdinal(ord) + beta;
    return v > 0 && v < 1;
  };
  // Start where α·z + β is about 1/2; the interval holds it unless it has no f32 at all.
  const mid = f32Ordinal(Math.fround((0.5 - beta) / alpha));
  const start = [mid, mid - 1, mid + 1].find(inside);
  if (start === undefined) return { below: Infinity, above: -Infinity };
  // Bisection between a position `yes` inside and `no` outside: the inside one next to the edge.
  const edge = (yes: number, no: number): number => {
    if (inside(no)) return no;
    while (Math.abs(no - yes) > 1) {
      const m = Math.trunc((yes + no) / 2);
      if (inside(m)) yes = m;
      else no = m;
    }
    return yes;
  };
  // α ≠ 0: ±∞ are outside (α·z + β = ±∞), so both neighbours exist.
  return {
    below: f32FromOrdinal(edge(start, f32Ordinal(-Infinity)) - 1),
    above: f32FromOrdinal(edge(start, f32Ordinal(Infinity)) + 1),
  };
}

function logistic(z: number): number {
  const e = Math.exp(-Math.abs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

// ---- Float64 pieces of the activations of issue 11 ----

// f' of gelu, silu, mish and the like is negative for every finite z in its left tail, where it
// underflows float64 past z ≈ −38 to −745: kept at −MIN_VALUE there for the same reason as `positive`.
const negativeTail = (d: number, z: number): number => (Number.isFinite(z) && d === 0 ? -Number.MIN_VALUE : d);
const derivativeBound = (a: number): number => 32 + 2 * Math.abs(a);
/** The bound near a zero crossing: k·2⁻²⁴ times the largest of the terms summed there. */
const CROSSING_ULPS = 32;
const crossing = (...terms: number[]): number => CROSSING_ULPS * 2 ** -24 * Math.max(...terms.map(Math.abs));

/** Φ(z), the standard normal CDF, from erfc: relative accuracy in the left tail. */
const normalCdf = (z: number): number => 0.5 * erfc(-z * Math.SQRT1_2);
/** φ(z), the standard normal density. */
const normalPdf = (z: number): number => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

/** σ(w) and σ(w)·(1 − σ(w)), each without cancellation. */
function sigmoidPair(w: number): { s: number; s1: number } {
  const e = Math.exp(-Math.abs(w));
  return { s: w >= 0 ? 1 / (1 + e) : e / (1 + e), s1: e / ((1 + e) * (1 + e)) };
}

/**
 * d/dz of z·σ(w(z)) = σ(w) + v·σ(w)·(1 − σ(w)), v = z·w'(z); the two terms, for the crossing bound.
 * At ±∞ the limits: 1 and −0 (approached from below).
 */
function sigmoidSlopeTerms(w: number, v: number): [number, number] {
  if (w === Infinity) return [1, 0];
  if (w === -Infinity) return [-0, -0];
  const { s, s1 } = sigmoidPair(w);
  // v·s1 where s1 underflows is 0, also for a huge v.
  return [s, s1 === 0 ? 0 : v * s1];
}

// PyTorch's constants: gelu(approximate='tanh') uses √(2/π) and 0.044715; selu λ and α.
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_KAPPA = 0.044715;
/** 2u of geluTanh, u = √(2/π)·(z + 0.044715·z³), and v = z·d(2u)/dz. */
const geluTanhW = (z: number): number => 2 * SQRT_2_OVER_PI * (z + GELU_TANH_KAPPA * z * z * z);
const geluTanhV = (z: number): number => 2 * SQRT_2_OVER_PI * z * (1 + 3 * GELU_TANH_KAPPA * z * z);
const QUICK_GELU_SCALE = 1.702;
const SELU_LAMBDA = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

/** ln(1 + e^t), exact in float64 for every t: t + log1p(e^−t) above 0. */
const softplusOf = (t: number): number => (t > 0 ? t + log1p(Math.exp(-t)) : log1p(Math.exp(t)));

/** mish's tanh(softplus(z)) and z·σ(z)·(1 − tanh²(softplus(z))), in the forms without cancellation. */
function mishTerms(z: number): { t: number; slope: number } {
  if (z === Infinity) return { t: 1, slope: 0 };
  if (z === -Infinity) return { t: -0, slope: -0 };
  const e = Math.exp(-Math.abs(z));
  if (z <= 0) {
    const n = e * (e + 2);
    return { t: n / (n + 2), slope: (4 * z * e * (1 + e)) / ((n + 2) * (n + 2)) };
  }
  const d = 1 + 2 * e + 2 * e * e;
  return { t: (1 + 2 * e) / d, slope: (4 * z * e * e * (1 + e)) / (d * d) };
}

/** Kinks where f' jumps: PyTorch's one-sided values there are listed in each entry's formula. */
const KINK = { relu6: [0, 6], hardSwish: [-3, 3] } as const;

const ELEMENTWISE_TABLE = {
  linear: {
    kind: 'elementwise' as const,
    display: 'Linear',
    formula: 'm·z',
    derivativeFormula: 'm',
    params: {
      m: {
        default: 1, expected: 'a finite number', accepts: finite, symbol: 'm', slider: { min: -2, max: 2, step: 0.05 },
        // negative, zero (f' = 0 everywhere), huge (m·z overflows)
        samples: [-2.5, 0, 1e30], fuzz: [-1e3, 1e3],
      },
    },
    wgsl: { forward: 'linear_forward', backward: 'linear_backward' },
    forward: nanOr((z, p) => p.m! * z),
    derivative: nanOr((_z, p) => p.m!),
    ulpBound: exact,
    ulpBoundText: 'correctly rounded (0 ULP)',
  },
  elu: {
    kind: 'elementwise' as const,
    display: 'ELU',
    formula: 'z if z > 0, else α·(eᶻ − 1)',
    derivativeFormula: '1 if z > 0, else α·eᶻ',
    params: {
      alpha: {
        default: 1, expected: 'a finite number > 0', accepts: finitePositive, symbol: 'α',
        slider: { min: 0, max: 3, step: 0.01 },
        // below and above 1, tiny (α·eᶻ underflows early) and huge (α·(eᶻ − 1) near −FLT_MAX)
        samples: [0.5, 2.5, 1e-3, 1e30], fuzz: [1e-3, 1e3],
      },
    },
    wgsl: { forward: 'elu_forward', backward: 'elu_backward', derivative: 'elu_derivative', fromParams: { backward: 'elu_backward_params', derivative: 'elu_derivative_params' } },
    hostConstants: { backward: expHalfBackward((p) => p.alpha!) },
    forward: nanOr((z, p) => (z > 0 ? z : p.alpha! * Math.expm1(z))),
    derivative: nanOr((z, p) => (z > 0 ? 1 : positive(p.alpha! * Math.exp(z), z))),
    ulpBound: (z) => (z > 0 ? 0 : expBound(z)),
    ulpBoundText: 'correctly rounded for z > 0; (16 + 2·|z|) ULP for z ≤ 0',
    // y > 0 exactly where z > 0; below, α·eᶻ = y + α, which is exact in f32 for y <= −α/2 (Sterbenz).
    fromOutput: {
      formula: '1 if y > 0, else y + α',
      wgsl: 'elu_backward_from_output',
      derivative: nanOr((y, p) => (y > 0 ? 1 : y + p.alpha!)),
      slope: 1,
      largest: (p) => Math.max(1, p.alpha!),
    },
    options: ['from'],
  },
  relu: {
    kind: 'elementwise' as const,
    display: 'ReLU',
    formula: 'z if z > 0, else 0',
    derivativeFormula: '1 if z > 0, else 0',
    params: {},
    wgsl: { forward: 'relu_forward', backward: 'relu_backward' },
    forward: nanOr((z) => (z > 0 ? z : 0)),
    derivative: nanOr((z) => (z > 0 ? 1 : 0)),
    ulpBound: exact,
    ulpBoundText: 'correctly rounded (0 ULP)',
    // y > 0 exactly where z > 0, so relu's own backward reads y as well as z, and is as exact.
    fromOutput: { formula: '1 if y > 0, else 0', wgsl: 'relu_backward', derivative: nanOr((y) => (y > 0 ? 1 : 0)), slope: 0 },
    options: ['from'],
  },
  leakyRelu: {
    kind: 'elementwise' as const,
    display: 'LeakyReLU',
    formula: 'z if z > 0, else α·z',
    derivativeFormula: '1 if z > 0, else α',
    params: {
      alpha: {
        default: 0.01, expected: 'a finite number', accepts: finite, symbol: 'α', slider: { min: 0, max: 3, step: 0.01 },
        // α > 1 (where max(αz, z) would be wrong), α < 0
        samples: [0.2, 3, -0.5], fuzz: [-10, 10],
      },
    },
    wgsl: { forward: 'leaky_relu_forward', backward: 'leaky_relu_backward' },
    forward: nanOr((z, p) => (z > 0 ? z : p.alpha! * z)),
    derivative: nanOr((z, p) => (z > 0 ? 1 : p.alpha!)),
    ulpBound: exact,
    ulpBoundText: 'correctly rounded (0 ULP)',
    // For α > 0, y > 0 exactly where z > 0, so the backward reads y as well as z.
    fromOutput: {
      formula: '1 if y > 0, else α',
      wgsl: 'leaky_relu_backward',
      derivative: nanOr((y, p) => (y > 0 ? 1 : p.alpha!)),
      slope: 0,
      largest: (p) => Math.max(1, Math.abs(p.alpha!)),
      requires: { accepts: (p) => p.alpha! > 0, expected: 'alpha > 0, so that y > 0 exactly where z > 0' },
    },
    options: ['from'],
  },
  sigmoid: {
    kind: 'elementwise' as const,
    display: 'Sigmoid',
    formula: '1 / (1 + e⁻ᶻ)',
    derivativeFormula: 'σ(z)·(1 − σ(z))',
    params: {},
    wgsl: { forward: 'sigmoid_forward', backward: 'sigmoid_backward' },
    forward: nanOr(logistic),
    // e/(1+e)² with e = e^-|z|: exact in float64 for every z, where s(1-s) would cancel.
    derivative: nanOr((z) => {
      const e = Math.exp(-Math.abs(z));
      return positive(e / ((1 + e) * (1 + e)), z);
    }),
    ulpBound: (z) => expBound(z),
    ulpBoundText: '(16 + 2·|z|) ULP',
    // y(1 − y): 1 − y is exact for y >= 1/2, and d/dy y(1 − y) = 1 − 2y is at most 1 in size.
    fromOutput: { formula: 'y·(1 − y)', wgsl: 'sigmoid_backward_from_output', derivative: (y) => y * (1 - y), slope: 1 },
    options: ['from'],
  },
  tanh: {
    kind: 'elementwise' as const,
    display: 'Tanh',
    formula: 'tanh z',
    derivativeFormula: '1 − tanh² z',
    params: {},
    wgsl: { forward: 'tanh_forward', backward: 'tanh_backward' },
    forward: nanOr(Math.tanh),
    derivative: nanOr((z) => {
      const e = Math.exp(-2 * Math.abs(z));
      return positive((4 * e) / ((1 + e) * (1 + e)), z);
    }),
    ulpBound: (z) => expBound(2 * z),
    ulpBoundText: '(16 + 4·|z|) ULP',
    // (1 − |y|)(1 + |y|): 1 − |y| is exact for |y| >= 1/2, where 1 − y² would round y² first.
    fromOutput: { formula: '1 − y²', wgsl: 'tanh_backward_from_output', derivative: (y) => (1 - y) * (1 + y), slope: 2 },
    options: ['from'],
  },
  // ---- Issue 11: the activations modern networks use ----
  gelu: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'GELU',
    formula: 'z·Φ(z) = ½·z·erfc(−z/√2)',
    derivativeFormula: 'Φ(z) + z·φ(z)',
    params: {},
    wgsl: { forward: 'gelu_forward', backward: 'gelu_backward' },
    forward: nanOr((z) => (z === -Infinity ? -0 : z === Infinity ? z : z * normalCdf(z))),
    derivative: nanOr((z) => {
      if (z === Infinity) return 1;
      if (z === -Infinity) return -0;
      return negativeTail(normalCdf(z) + z * normalPdf(z), z);
    }),
    // The exp argument is −z²/2, formed exactly (split square), but counted as today's rule does.
    ulpBound: (z, _p, mode) => (mode === 'forward' ? (z < 0 ? expBound(z * z / 2) : 16) : (z < 0 ? derivativeBound(z * z / 2) : 32)),
    ulpBoundText: 'f: 16 ULP for z ≥ 0, (16 + z²) ULP for z < 0; f\': 32 ULP for z ≥ 0, (32 + z²) ULP for z < 0',
    absoluteBound: {
      derivative: (z) => crossing(normalCdf(z), z * normalPdf(z)),
      text: 'f\' near its zero at z ≈ −0.7518: 32·2⁻²⁴·max(Φ(z), |z|·φ(z))',
    },
    inputs: [
      -0.7517916, -0.75179, -0.7518, // gelu' crosses zero at z = −0.75179...: Φ(z) and z·φ(z) cancel
      0.7999, -0.7999, 0.8, -0.8, 0.8001, -0.8001, // where the Taylor series of Φ hands over to the Mills ratio
      -5, -10, // the Mills ratio's far range
      -13, -13.2, -13.5, -14, // gelu leaves the normal range near z = −13.2, gelu' near −14
      -19, -19.5, -38, -40, -40.1, // dy·gelu' with dy up to 3.4e38 is still normal to z ≈ −19; the clamp at |z| = 40
      5.5, 6, // Φ(z) rounds to 1
    ],
  },
  geluTanh: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'GELU (tanh)',
    formula: '½·z·(1 + tanh u), u = √(2/π)·(z + 0.044715·z³)',
    derivativeFormula: '½·(1 + tanh u) + ½·z·(1 − tanh² u)·u′(z)',
    params: {},
    wgsl: { forward: 'gelu_tanh_forward', backward: 'gelu_tanh_backward' },
    forward: nanOr((z) => (z === -Infinity ? -0 : z === Infinity ? z : z * sigmoidPair(geluTanhW(z)).s)),
    derivative: nanOr((z) => {
      const [s, slope] = sigmoidSlopeTerms(geluTanhW(z), geluTanhV(z));
      return negativeTail(s + slope, z);
    }),
    // The exp argument is 2u (formed with its rounding error kept, which goes into exp as a carry).
    ulpBound: (z, _p, mode) => (mode === 'forward' ? expBound : derivativeBound)(z <= 0 ? geluTanhW(z) : 0),
    ulpBoundText: 'f: 16 ULP for z > 0, (16 + 2·|2u|) ULP for z ≤ 0; f\': 32 ULP for z > 0, (32 + 2·|2u|) ULP for z ≤ 0',
    absoluteBound: {
      derivative: (z) => crossing(...sigmoidSlopeTerms(geluTanhW(z), geluTanhV(z))),
      text: 'f\' near its zero at z ≈ −0.7525: 32·2⁻²⁴·max(½(1 + tanh u), |½z(1 − tanh² u)u′|)',
    },
    inputs: [
      -0.7525, -0.75246, -0.7524, // f' crosses zero
      -5, -10, -10.4, -10.6, -11, // 2u falls past −87 near z = −10.5: f leaves the normal range
      -12.5, -13, // dy·f' with a huge dy stays normal a little further
      1000, -1000, 1001, -1001, // the clamp of z before z³
      2.2e6, -2.2e6, // z³ alone would overflow f32 here
    ],
  },
  quickGelu: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'QuickGELU',
    formula: 'z·σ(1.702·z)',
    derivativeFormula: 'σ(t)·(1 + t·(1 − σ(t))), t = 1.702·z',
    params: {},
    wgsl: { forward: 'quick_gelu_forward', backward: 'quick_gelu_backward' },
    forward: nanOr((z) => (z === -Infinity ? -0 : z === Infinity ? z : z * sigmoidPair(QUICK_GELU_SCALE * z).s)),
    derivative: nanOr((z) => {
      const t = QUICK_GELU_SCALE * z;
      const [s, slope] = sigmoidSlopeTerms(t, t);
      return negativeTail(s + slope, z);
    }),
    ulpBound: (z, _p, mode) => (mode === 'forward' ? expBound : derivativeBound)(QUICK_GELU_SCALE * z),
    ulpBoundText: 'f: (16 + 2·|1.702z|) ULP; f\': (32 + 2·|1.702z|) ULP',
    absoluteBound: {
      derivative: (z) => crossing(...sigmoidSlopeTerms(QUICK_GELU_SCALE * z, QUICK_GELU_SCALE * z)),
      text: 'f\' near its zero at z ≈ −0.7512: 32·2⁻²⁴·max(σ(t), |t·σ(t)(1 − σ(t))|)',
    },
    inputs: [
      -0.75115, -0.7512, // f' crosses zero at t = −1.2785, z = −0.75115
      -51, -52, -55, // σ(1.702z) leaves the normal range
      -60, // dy·f' with a huge dy is still normal
    ],
  },
  silu: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'SiLU',
    formula: 'z·σ(z)',
    derivativeFormula: 'σ(z)·(1 + z·(1 − σ(z)))',
    params: {},
    wgsl: { forward: 'silu_forward', backward: 'silu_backward' },
    forward: nanOr((z) => (z === -Infinity ? -0 : z === Infinity ? z : z * sigmoidPair(z).s)),
    derivative: nanOr((z) => {
      const [s, slope] = sigmoidSlopeTerms(z, z);
      return negativeTail(s + slope, z);
    }),
    ulpBound: (z, _p, mode) => (mode === 'forward' ? expBound : derivativeBound)(z),
    ulpBoundText: 'f: (16 + 2·|z|) ULP; f\': (32 + 2·|z|) ULP',
    absoluteBound: {
      derivative: (z) => crossing(...sigmoidSlopeTerms(z, z)),
      text: 'f\' near its zero at z ≈ −1.2785: 32·2⁻²⁴·max(σ(z), |z·σ(z)(1 − σ(z))|)',
    },
    inputs: [
      -1.2784645, -1.27846, -1.2785, // f' crosses zero: σ(z) and z·σ(z)(1 − σ(z)) cancel
      -83, -84, -85, // z·eᶻ leaves the normal range
      -100.5, -130, // dy·f' with a huge dy is still normal
      1000, -1000, 1001, -1001, // the clamp of the finite factors
    ],
  },
  softplus: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'Softplus',
    formula: 'ln(1 + e^(βz))/β',
    derivativeFormula: 'σ(βz)',
    params: {
      beta: {
        default: 1, expected: 'a finite number > 0', accepts: finitePositive, symbol: 'β',
        slider: { min: 0.1, max: 5, step: 0.05 },
        // below and above 1; tiny (eᵗ/β is normal where eᵗ is subnormal) and huge (β·z overflows)
        samples: [0.5, 3, 1e-3, 1e30], fuzz: [1e-3, 1e3],
      },
    },
    wgsl: { forward: 'softplus_forward', backward: 'softplus_backward', derivative: 'softplus_derivative' },
    forward: nanOr((z, p) => (z === Infinity ? z : z === -Infinity ? 0 : z > 0 ? z + log1p(Math.exp(-p.beta! * z)) / p.beta! : softplusOf(p.beta! * z) / p.beta!)),
    derivative: nanOr((z, p) => positive(logistic(p.beta! * z), z)),
    ulpBound: (z, p, mode) => (mode === 'forward' ? expBound : derivativeBound)(p.beta! * z),
    ulpBoundText: 'f: (16 + 2·|βz|) ULP; f\': (32 + 2·|βz|) ULP',
    // σ(βz) = 1 − e^(−βy), y >= 0, taken as −expm1(−βy): no cancellation.
    fromOutput: {
      formula: '1 − e^(−βy)',
      wgsl: 'softplus_backward_from_output',
      derivative: nanOr((y, p) => -expm1(-p.beta! * Math.max(y, 0))),
      slope: (p) => p.beta!,
    },
    options: ['from'],
    inputs: [
      -20, -20.01, 20, // where log1p(eᵗ) hands over to eᵗ
      -87, -88, -90, -100, // eᵗ is subnormal; eᵗ/β is normal for a small β
      -1e6, 1e6, // β·z past the clamp at ±1e4 for some β
    ],
  },
  mish: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'Mish',
    formula: 'z·tanh(softplus(z))',
    derivativeFormula: 'tanh(sp) + z·σ(z)·(1 − tanh²(sp)), sp = softplus(z)',
    params: {},
    wgsl: { forward: 'mish_forward', backward: 'mish_backward' },
    forward: nanOr((z) => (z === Infinity ? z : z === -Infinity ? -0 : z * mishTerms(z).t)),
    derivative: nanOr((z) => {
      const { t, slope } = mishTerms(z);
      return negativeTail(t + slope, z);
    }),
    ulpBound: (z, _p, mode) => (mode === 'forward' ? expBound : derivativeBound)(z),
    ulpBoundText: 'f: (16 + 2·|z|) ULP; f\': (32 + 2·|z|) ULP',
    absoluteBound: {
      derivative: (z) => {
        const { t, slope } = mishTerms(z);
        return crossing(t, slope);
      },
      text: 'f\' near its zero at z ≈ −1.1924: 32·2⁻²⁴·max(tanh(sp), |z·σ(z)(1 − tanh²(sp))|)',
    },
    inputs: [
      -1.1924, -1.19237, -1.1923, // f' crosses zero
      -83, -84, -85, // z·tanh(softplus(z)) ≈ z·eᶻ leaves the normal range
      -100.5, -130, // dy·f' with a huge dy is still normal
    ],
  },
  selu: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'SELU',
    formula: 'λ·z if z > 0, else λ·α·(eᶻ − 1); λ = 1.0507009873554805, α = 1.6732632423543772',
    derivativeFormula: 'λ if z > 0, else λ·α·eᶻ (λα at 0)',
    params: {},
    wgsl: { forward: 'selu_forward', backward: 'selu_backward', derivative: 'selu_derivative', fromParams: { backward: 'selu_backward_params', derivative: 'selu_derivative_params' } },
    hostConstants: { backward: expHalfBackward(() => SELU_LAMBDA * SELU_ALPHA) },
    forward: nanOr((z) => (z > 0 ? SELU_LAMBDA * z : SELU_LAMBDA * SELU_ALPHA * expm1(z))),
    derivative: nanOr((z) => (z > 0 ? SELU_LAMBDA : positive(SELU_LAMBDA * SELU_ALPHA * Math.exp(z), z))),
    // λ and λα are rounded to f32 in the kernel: not exact even for z > 0.
    ulpBound: (z, _p, mode) => (mode === 'forward' ? expBound : derivativeBound)(z > 0 ? 0 : z),
    ulpBoundText: 'f: 16 ULP for z > 0, (16 + 2·|z|) ULP for z ≤ 0; f\': 32 ULP for z > 0, (32 + 2·|z|) ULP for z ≤ 0',
    // y > 0 exactly where z > 0; below, λα·eᶻ = y + λα.
    fromOutput: {
      formula: 'λ if y > 0, else y + λα',
      wgsl: 'selu_backward_from_output',
      derivative: nanOr((y) => (y > 0 ? SELU_LAMBDA : y + SELU_LAMBDA * SELU_ALPHA)),
      slope: 1,
      largest: () => SELU_LAMBDA * SELU_ALPHA,
    },
    options: ['from'],
  },
  celu: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'CELU',
    formula: 'z if z > 0, else α·(e^(z/α) − 1)',
    derivativeFormula: '1 if z > 0, else e^(z/α)',
    params: {
      alpha: {
        default: 1, expected: 'a finite number > 0', accepts: finitePositive, symbol: 'α',
        slider: { min: 0.05, max: 3, step: 0.01 },
        // below and above 1; tiny (z/α overflows for finite z) and huge (α·(e^(z/α) − 1) near −FLT_MAX)
        samples: [0.5, 2.5, 1e-3, 1e30], fuzz: [1e-3, 1e3],
      },
    },
    wgsl: { forward: 'celu_forward', backward: 'celu_backward', derivative: 'celu_derivative' },
    forward: nanOr((z, p) => (z > 0 ? z : p.alpha! * expm1(z / p.alpha!))),
    derivative: nanOr((z, p) => (z > 0 ? 1 : positive(Math.exp(z / p.alpha!), z))),
    ulpBound: (z, p, mode) => (z > 0 ? 0 : (mode === 'forward' ? expBound : derivativeBound)(z / p.alpha!)),
    ulpBoundText: 'correctly rounded for z > 0; f: (16 + 2·|z/α|) ULP, f\': (32 + 2·|z/α|) ULP for z ≤ 0',
    // y > 0 exactly where z > 0; below, e^(z/α) = (y + α)/α, which an error in y moves by 1/α times it.
    fromOutput: {
      formula: '1 if y > 0, else (y + α)/α',
      wgsl: 'celu_backward_from_output',
      derivative: nanOr((y, p) => (y > 0 ? 1 : (y + p.alpha!) / p.alpha!)),
      slope: (p) => 1 / p.alpha!,
    },
    options: ['from'],
  },
  relu6: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'ReLU6',
    formula: 'min(max(z, 0), 6)',
    derivativeFormula: '1 if 0 < z < 6, else 0 (0 at both kinks)',
    params: {},
    wgsl: { forward: 'relu6_forward', backward: 'relu6_backward' },
    forward: nanOr((z) => (z > 0 ? Math.min(z, 6) : 0)),
    derivative: nanOr((z) => (z > KINK.relu6[0] && z < KINK.relu6[1] ? 1 : 0)),
    ulpBound: exact,
    ulpBoundText: 'correctly rounded (0 ULP)',
    inputs: [
      6, 5.9999995, 6.0000005, // the upper kink and its f32 neighbours
    ],
  },
  hardSigmoid: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'HardSigmoid',
    formula: 'max(0, min(1, α·z + β))',
    derivativeFormula: 'α where 0 < α·z + β < 1, else 0 (0 at both kinks)',
    params: {
      alpha: {
        default: 1 / 6, expected: 'a finite number', accepts: finite, symbol: 'α', slider: { min: -1, max: 1, step: 0.01 },
        // ONNX's and Keras 2's 0.2; negative (a falling step); 0 (constant β)
        samples: [0.2, -0.5, 0], fuzz: [-10, 10],
      },
      beta: {
        default: 0.5, expected: 'a finite number', accepts: finite, symbol: 'β', slider: { min: -1, max: 2, step: 0.01 },
        // 0 (kink at z = 0); beyond 1 (saturated at 0 < z); huge (α·z + β cancels at a huge z)
        samples: [0, 1.5, 1e20], fuzz: [-10, 10],
      },
    },
    wgsl: { forward: 'hard_sigmoid_forward', backward: 'hard_sigmoid_backward' },
    hostConstants: {
      backward: {
        alpha: { type: 'f32', value: (p) => p.alpha! },
        z_below: { type: 'f32', value: (p) => insideInterval(p).below },
        z_above: { type: 'f32', value: (p) => insideInterval(p).above },
      },
    },
    forward: nanOr((z, p) => Math.max(0, Math.min(1, p.alpha === 0 ? p.beta! : p.alpha! * z + p.beta!))),
    derivative: nanOr((z, p) => {
      const v = p.alpha === 0 ? p.beta! : p.alpha! * z + p.beta!;
      return v > 0 && v < 1 ? p.alpha! : 0;
    }),
    // α·z + β is formed from exact partial products of α·z (see affine_accurate).
    ulpBound: (_z, _p, mode) => (mode === 'forward' ? 16 : 0),
    ulpBoundText: 'f: 16 ULP; f\': correctly rounded (0 ULP)',
    inputs: [
      3, -3, 2.9999998, -2.9999998, 3.0000002, -3.0000002, // the kinks of the default α = 1/6 (in f32: 0.16666667), β = 0.5, and their neighbours
      2.5, -2.5, // ONNX's α = 0.2 kinks
      -2.9999995, // α·z + β is about 1e-7 here: it cancels
    ],
  },
  hardSwish: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'HardSwish',
    formula: 'z·relu6(z + 3)/6',
    derivativeFormula: '0 if z < −3, (2z + 3)/6 if −3 ≤ z ≤ 3, 1 if z > 3 (−0.5 at −3, 1.5 at 3)',
    params: {},
    wgsl: { forward: 'hard_swish_forward', backward: 'hard_swish_backward' },
    forward: nanOr((z) => (z <= KINK.hardSwish[0] ? -0 : z >= KINK.hardSwish[1] ? z : (z * (z + 3)) / 6)),
    derivative: nanOr((z) => (z < KINK.hardSwish[0] ? 0 : z > KINK.hardSwish[1] ? 1 : (2 * z + 3) / 6)),
    ulpBound: (z, _p, mode) => (z <= -3 || z >= 3 ? 0 : mode === 'forward' ? 16 : 32),
    ulpBoundText: 'exact outside (−3, 3); f: 16 ULP, f\': 32 ULP inside',
    inputs: [
      3, -3, 2.9999998, -2.9999998, 3.0000002, -3.0000002, // the kinks and their neighbours
      -1.5, -1.4999999, -1.5000001, // f' crosses zero at −1.5 (exactly: 2z + 3 is exact there)
    ],
  },
  logSigmoid: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'LogSigmoid',
    formula: '−softplus(−z) = −ln(1 + e⁻ᶻ)',
    derivativeFormula: 'σ(−z)',
    params: {},
    wgsl: { forward: 'log_sigmoid_forward', backward: 'log_sigmoid_backward', derivative: 'log_sigmoid_derivative' },
    forward: nanOr((z) => (z === Infinity ? -0 : z === -Infinity ? z : -softplusOf(-z))),
    derivative: nanOr((z) => positive(logistic(-z), z)),
    ulpBound: (z, _p, mode) => (mode === 'forward' ? expBound : derivativeBound)(z),
    ulpBoundText: 'f: (16 + 2·|z|) ULP; f\': (32 + 2·|z|) ULP',
    // σ(−z) = 1 − eʸ, y <= 0, taken as −expm1(y): no cancellation.
    fromOutput: {
      formula: '1 − eʸ',
      wgsl: 'log_sigmoid_backward_from_output',
      derivative: nanOr((y) => -expm1(Math.min(y, 0))),
      slope: 1,
    },
    options: ['from'],
    inputs: [
      20, 20.01, // where −log1p(e⁻ᶻ) hands over to −e⁻ᶻ
      87, 87.5, 88, // −e⁻ᶻ leaves the normal range
    ],
  },
  softsign: {
    kind: 'elementwise' as const,
    group: 'modern' as const,
    display: 'Softsign',
    formula: 'z/(1 + |z|)',
    derivativeFormula: '1/(1 + |z|)²',
    params: {},
    wgsl: { forward: 'softsign_forward', backward: 'softsign_backward', derivative: 'softsign_derivative' },
    forward: nanOr((z) => (Number.isFinite(z) ? z / (1 + Math.abs(z)) : Math.sign(z))),
    derivative: nanOr((z) => positive(1 / ((1 + Math.abs(z)) * (1 + Math.abs(z))), z)),
    ulpBound: (_z, _p, mode) => (mode === 'forward' ? 16 : 32),
    ulpBoundText: 'f: 16 ULP; f\': 32 ULP',
    inputs: [
      1.8e19, 2e19, -2e19, // (1 + |z|)² overflows f32 here; dy·f' with a huge dy is normal
      1.67e7, -1.67e7, // 1 + |z| stops being exact
    ],
  },
} satisfies Record<string, ElementwiseActivation>;

export type ElementwiseName = keyof typeof ELEMENTWISE_TABLE;
/** Every parameter name of the table ('m', 'alpha', ...): the API's Params type is made from it. */
export type ParamName = { [K in ElementwiseName]: keyof (typeof ELEMENTWISE_TABLE)[K]['params'] }[ElementwiseName];
export const ELEMENTWISE: Readonly<Record<ElementwiseName, ElementwiseActivation>> = ELEMENTWISE_TABLE;

type Row = ArrayLike<number>;

/**
 * A kernel of shaders/softmax.wgsl: the row statistics each lane gathers, in order, and the statement
 * that writes the output. A statistic gathers from `mine` (the columns the lane reads for it) and may
 * use the earlier statistics s0, s1, ..., each already merged over the whole row; the writer writes
 * the lane's own columns, `w`.
 */
export interface SoftmaxProgram {
  readonly stats: readonly string[];
  readonly write: string;
  readonly readsDy: boolean;
}

/** softmax and logSoftmax: functions of a whole row, along one axis of a shaped tensor. */
export interface SoftmaxActivation {
  readonly kind: 'softmax';
  readonly formula: string;
  /** The Jacobian, which `derivative` returns: one n×n matrix per row. */
  readonly derivativeFormula: string;
  readonly backwardFormula: string;
  readonly backwardFromOutputFormula: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly options: readonly CallOption[];
  readonly wgsl: {
    readonly forward: SoftmaxProgram;
    readonly backward: SoftmaxProgram;
    readonly backwardFromOutput: SoftmaxProgram;
    /** ∂fⱼ/∂xₖ in shaders/softmax_jacobian.wgsl, from yj = softmax(x)ⱼ, yk and j, k. */
    readonly jacobianEntry: string;
  };
  /** Float64 reference over one row; reference.ts applies it along any axis. */
  readonly forwardRow: (x: Row) => Float64Array;
  readonly backwardRow: (x: Row, dy: Row) => Float64Array;
  readonly backwardFromOutputRow: (y: Row, dy: Row) => Float64Array;
  /** ∂fⱼ/∂xₖ as an n×n matrix, row j first. */
  readonly jacobianRow: (x: Row) => Float64Array;
}

/**
 * Σ term(j) for j < n with Neumaier's compensation, so the float64 error does not grow with n.
 * An infinite or NaN partial sum is returned as it is (the compensation would turn ∞ into NaN).
 */
export function compensatedSum(n: number, term: (j: number) => number): number {
  let sum = 0;
  let c = 0;
  for (let j = 0; j < n; j++) {
    const t = term(j);
    const s = sum + t;
    if (Number.isFinite(s)) c += Math.abs(sum) >= Math.abs(t) ? sum - s + t : t - s + sum;
    sum = s;
  }
  return Number.isFinite(sum) ? sum + c : sum;
}

/**
 * The row's max and Σ e^(x − max): no overflow for any input. Both are NaN for the rows whose softmax
 * is NaN, as in PyTorch and JAX: an entry NaN or +∞, or no entry above −∞ (every position masked).
 */
function rowStatistics(x: Row): { max: number; sum: number } {
  let max = -Infinity;
  for (let j = 0; j < x.length; j++) {
    const v = x[j]!;
    if (Number.isNaN(v) || v === Infinity) return { max: NaN, sum: NaN };
    if (v > max) max = v;
  }
  if (max === -Infinity) return { max: NaN, sum: NaN };
  return { max, sum: compensatedSum(x.length, (j) => Math.exp(x[j]! - max)) };
}

function softmaxRow(x: Row): Float64Array {
  const { max, sum } = rowStatistics(x);
  return Float64Array.from({ length: x.length }, (_, j) => Math.exp(x[j]! - max) / sum);
}

/** dx = y ⊙ (dy − Σ dy ⊙ y). */
function softmaxBackwardRow(y: Row, dy: Row): Float64Array {
  const g = compensatedSum(y.length, (k) => dy[k]! * y[k]!);
  return Float64Array.from({ length: y.length }, (_, j) => y[j]! * (dy[j]! - g));
}

/** dx = dy − p·Σ dy, p = softmax(x). */
function logSoftmaxBackwardRow(p: Row, dy: Row): Float64Array {
  const g = compensatedSum(dy.length, (k) => dy[k]!);
  return Float64Array.from({ length: p.length }, (_, j) => dy[j]! - p[j]! * g);
}

/**
 * One row's n×n Jacobian, entry(yⱼ, yₖ, 1 − yⱼ, j = k) with y = softmax(x). 1 − yⱼ is taken as
 * (Σ − eⱼ)/Σ, which does not cancel where yⱼ is close to 1.
 */
function jacobianRow(x: Row, entry: (yj: number, yk: number, restJ: number, diagonal: boolean) => number): Float64Array {
  const n = x.length;
  const { max, sum } = rowStatistics(x);
  const e = Float64Array.from({ length: n }, (_, j) => Math.exp(x[j]! - max));
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const restJ = (sum - e[j]!) / sum; // 1 − yⱼ
    for (let k = 0; k < n; k++) out[j * n + k] = entry(e[j]! / sum, e[k]! / sum, restJ, j === k);
  }
  return out;
}

const SOFTMAX_TABLE = {
  softmax: {
    kind: 'softmax' as const,
    formula: 'yⱼ = e^(xⱼ − max x) / Σₖ e^(xₖ − max x)',
    derivativeFormula: '∂yⱼ/∂xₖ = yⱼ·(δⱼₖ − yₖ)',
    backwardFormula: 'dx = y ⊙ (dy − Σ dy ⊙ y), y recomputed from x',
    backwardFromOutputFormula: 'dx = y ⊙ (dy − Σ dy ⊙ y), y given',
    params: {},
    options: ['shape', 'axis', 'from'],
    wgsl: {
      forward: { stats: ['lane_stats(mine)'], write: 'write_softmax(w, s0)', readsDy: false },
      // Σ dy·y needs the row's statistics first: a second pass, so that no partial sum can overflow.
      backward: { stats: ['lane_stats(mine)', 'lane_dot_softmax(mine, s0)'], write: 'write_softmax_backward(w, s0, s1.z)', readsDy: true },
      backwardFromOutput: { stats: ['lane_dot_given(mine)'], write: 'write_softmax_backward_given(w, s0.z)', readsDy: true },
      jacobianEntry: 'select(-yj * yk, yj * (1.0 - yj), j == k)',
    },
    forwardRow: softmaxRow,
    backwardRow: (x: Row, dy: Row) => softmaxBackwardRow(softmaxRow(x), dy),
    backwardFromOutputRow: softmaxBackwardRow,
    jacobianRow: (x: Row) => jacobianRow(x, (yj, yk, restJ, diagonal) => (diagonal ? yj * restJ : -yj * yk)),
  },
  logSoftmax: {
    kind: 'softmax' as const,
    formula: 'lⱼ = xⱼ − max x − log Σₖ e^(xₖ − max x)',
    derivativeFormula: '∂lⱼ/∂xₖ = δⱼₖ − yₖ, y = softmax(x)',
    backwardFormula: 'dx = dy − softmax(x)·Σ dy',
    backwardFromOutputFormula: 'dx = dy − eˡ·Σ dy, l given',
    params: {},
    options: ['shape', 'axis', 'from'],
    wgsl: {
      forward: { stats: ['lane_stats(mine)'], write: 'write_log_softmax(w, s0)', readsDy: false },
      backward: { stats: ['lane_stats_dy_sum(mine)'], write: 'write_log_softmax_backward(w, s0)', readsDy: true },
      backwardFromOutput: { stats: ['lane_dy_sum(mine)'], write: 'write_log_softmax_backward_given(w, s0.z)', readsDy: true },
      jacobianEntry: 'select(-yk, 1.0 - yk, j == k)',
    },
    forwardRow: (x: Row) => {
      const { max, sum } = rowStatistics(x);
      const logSum = Math.log(sum);
      return Float64Array.from({ length: x.length }, (_, j) => x[j]! - max - logSum);
    },
    backwardRow: (x: Row, dy: Row) => logSoftmaxBackwardRow(softmaxRow(x), dy),
    backwardFromOutputRow: (l: Row, dy: Row) => logSoftmaxBackwardRow(Float64Array.from(l as ArrayLike<number>, Math.exp), dy),
    jacobianRow: (x: Row) => jacobianRow(x, (_yj, yk, restJ, diagonal) => (diagonal ? restJ : -yk)),
  },
} satisfies Record<string, SoftmaxActivation>;

export type SoftmaxName = keyof typeof SOFTMAX_TABLE;
export const SOFTMAX: Readonly<Record<SoftmaxName, SoftmaxActivation>> = SOFTMAX_TABLE;

export type ActivationName = ElementwiseName | SoftmaxName;
export type Activation = ElementwiseActivation | SoftmaxActivation;
const ACTIVATIONS: Readonly<Record<ActivationName, Activation>> = { ...ELEMENTWISE, ...SOFTMAX };
export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];
/** The elementwise activations, in table order: what the demo, the tests and the bench enumerate. */
export const ELEMENTWISE_NAMES = Object.keys(ELEMENTWISE) as ElementwiseName[];

/**
 * @internal For tests: adds an elementwise activation to the table, as a new entry in this file
 * would, so that everything that enumerates the table (the API, the reference, the GPU suite) takes
 * it. Its WGSL comes in `entry.wgsl.source`. Not part of the public API.
 */
export function extendTable(name: string, entry: ElementwiseActivation): void {
  if (Object.hasOwn(ACTIVATIONS, name)) throw new RangeError(`extendTable: "${name}" is in the table already`);
  if (!entry.wgsl.source) throw new TypeError(`extendTable: ${name} needs its WGSL in wgsl.source`);
  (ELEMENTWISE_TABLE as Record<string, ElementwiseActivation>)[name] = entry;
  (ACTIVATIONS as Record<string, Activation>)[name] = entry;
  (ACTIVATION_NAMES as string[]).push(name);
  (ELEMENTWISE_NAMES as string[]).push(name);
}

/** forward: f(x); derivative: f'(x); backward: dy ⊙ f'(x). */
export type Mode = 'forward' | 'derivative' | 'backward';

export function lookupActivation(name: unknown, caller: string): Activation {
  if (typeof name !== 'string' || !Object.hasOwn(ACTIVATIONS, name)) {
    throw new TypeError(
      `${caller}: unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATION_NAMES.join(', ')}`,
    );
  }
  return ACTIVATIONS[name as ActivationName];
}

/**
 * Checks `given` against the activation's parameters and fills in defaults. Values are rounded to
 * f32, the precision the kernels compute in, before they are checked: 1e39 is not a finite f32, and
 * the reference must use the same α as the GPU (0.01 is 0.009999999776 in f32). Keys listed in
 * `optionKeys` (such as `out`) belong to the call, not the activation, and are skipped.
 */
export function resolveParams(
  name: string,
  given: object | undefined,
  optionKeys: readonly string[] = [],
): Record<string, number> {
  const act = lookupActivation(name, 'resolveParams');
  const spec = act.params;
  // shape, axis and from are checked by resolveLayout and resolveSource.
  const options: readonly string[] = act.options ?? [];
  if (given !== undefined && (given === null || typeof given !== 'object')) {
    throw new TypeError(`${name}: params must be an object, got ${String(given)}`);
  }
  const resolved: Record<string, number> = {};
  for (const [key, param] of Object.entries(spec)) resolved[key] = Math.fround(param.default);
  for (const [key, value] of Object.entries(given ?? {})) {
    if (optionKeys.includes(key) || options.includes(key) || value === undefined) continue;
    const param = spec[key];
    if (!param) throw new RangeError(`${name}: ${unknownKey(key)}; ${name} takes ${accepted(act)}`);
    if (typeof value !== 'number') {
      throw new TypeError(`${name}: parameter ${key} must be a number, got ${typeof value} ${String(value)}`);
    }
    const f = Math.fround(value);
    if (!param.accepts(f)) {
      throw new RangeError(`${name}: parameter ${key} = ${value} is invalid; expected ${param.expected} in f32`);
    }
    // Some GPUs flush subnormal uniforms to 0 and others do not: refuse them rather than differ.
    if (f !== 0 && Math.abs(f) < 2 ** -126) {
      throw new RangeError(`${name}: parameter ${key} = ${value} is subnormal in f32; use 0 or a magnitude >= 2^-126`);
    }
    resolved[key] = Math.fround(value);
  }
  return resolved;
}

const quoted = (keys: readonly string[]): string => keys.map((k) => `"${k}"`).join(', ');

/** What a key that the activation does not take is, for the error message. */
function unknownKey(key: string): string {
  const takers = ACTIVATION_NAMES.filter((n) => (ACTIVATIONS[n].options as readonly string[] | undefined)?.includes(key));
  if (takers.length === 0) return `unknown parameter "${key}"`;
  const what = key === 'from' ? 'backward\'s option "from"' : `the option "${key}"`;
  return `${what} is for ${takers.join(', ')} only`;
}

/** "the parameter "alpha", and the option "from"": what an activation accepts, for error messages. */
function accepted(act: Activation): string {
  const params = Object.keys(act.params);
  const options = act.options ?? [];
  const plural = (n: number) => (n > 1 ? 's' : '');
  const p = params.length ? `the parameter${plural(params.length)} ${quoted(params)}` : 'no parameters';
  return options.length ? `${p}, and the option${plural(options.length)} ${quoted(options)}` : p;
}

/** Where backward's first operand comes from: x (the default), or the saved output y = f(x). */
export type Source = 'input' | 'output';

/**
 * backward's `from`; only backward takes it, and only activations that list it in `options`
 * (resolveParams refuses it for the others). `params` are the resolved ones, for a from-output form
 * that holds only for some parameter values.
 */
export function resolveSource(name: string, mode: Mode, given: object | undefined, params: Readonly<Record<string, number>> = {}): Source {
  const from = (given as { from?: unknown } | undefined)?.from;
  if (from === undefined) return 'input';
  if (mode !== 'backward') throw new RangeError(`${name}: from is an option of backward, not of ${mode}`);
  if (from !== 'input' && from !== 'output') {
    throw new RangeError(`${name}: from = ${JSON.stringify(from)} is invalid; expected "input" or "output"`);
  }
  const act = lookupActivation(name, 'resolveSource');
  const requires = act.kind === 'elementwise' ? act.fromOutput?.requires : undefined;
  if (from === 'output' && requires && !requires.accepts(params)) {
    throw new RangeError(`${name}: from: 'output' needs ${requires.expected}`);
  }
  return from;
}

/**
 * A tensor seen as [outer, len, inner] for a reduction along one axis: row (o, i) holds the len
 * elements o·len·inner + j·inner + i. The GPU reads a non-last axis with stride inner, in place.
 */
export interface AxisLayout {
  readonly shape: readonly number[];
  /** The axis, counted from 0. */
  readonly axis: number;
  readonly outer: number;
  readonly len: number;
  readonly inner: number;
  /** outer · inner. */
  readonly rows: number;
}

const formatShape = (shape: readonly unknown[]): string => `[${shape.map(String).join(',')}]`;

/** softmax's `shape` (default [length]: one row) and `axis` (default -1), checked against `length`. */
export function resolveLayout(name: string, given: object | undefined, length: number): AxisLayout {
  const options = (given ?? {}) as { shape?: unknown; axis?: unknown };
  const shape = options.shape ?? [length];
  if (!Array.isArray(shape)) {
    throw new TypeError(`${name}: shape must be an array of dimensions, got ${typeof shape} ${String(shape)}`);
  }
  if (shape.length === 0) throw new RangeError(`${name}: shape [] has no axis; expected at least one dimension`);
  const bad = shape.findIndex((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0);
  if (bad >= 0) {
    throw new RangeError(
      `${name}: shape ${formatShape(shape)} is invalid at dimension ${bad} (${String(shape[bad])}); expected non-negative integers`,
    );
  }
  const dims = shape as number[];
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== length) {
    throw new RangeError(`${name}: shape ${formatShape(dims)} has ${count} elements, but x has ${length}`);
  }
  const axisGiven = options.axis ?? -1;
  if (typeof axisGiven !== 'number') {
    throw new TypeError(`${name}: axis must be a number, got ${typeof axisGiven} ${String(axisGiven)}`);
  }
  const rank = dims.length;
  if (!Number.isInteger(axisGiven) || axisGiven < -rank || axisGiven >= rank) {
    throw new RangeError(
      `${name}: axis ${axisGiven} is out of range for shape ${formatShape(dims)}; expected an integer in [${-rank}, ${rank - 1}]`,
    );
  }
  const axis = axisGiven < 0 ? axisGiven + rank : axisGiven;
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { shape: [...dims], axis, outer, len: dims[axis]!, inner, rows: outer * inner };
}
