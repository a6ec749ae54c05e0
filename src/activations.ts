// The activation table: the one place that says what each activation is. The WGSL kernels, the
// float64 reference, parameter validation, the accuracy contract and the README's table all read it.

/** A numeric parameter of an activation, such as ELU's alpha. */
export interface ParamSpec {
  readonly default: number;
  /** Describes the accepted values, for error messages: "a finite number > 0". */
  readonly expected: string;
  readonly accepts: (value: number) => boolean;
}

export interface ElementwiseActivation {
  readonly kind: 'elementwise';
  /** f(z) and f'(z) as people write them, for the README and the demo. */
  readonly formula: string;
  readonly derivativeFormula: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** WGSL functions in shaders/activations.wgsl: f(z, p) and dy·f'(z, p). */
  readonly wgsl: { readonly forward: string; readonly backward: string };
  /** Float64 reference; p holds every parameter, defaults filled in. */
  readonly forward: (z: number, p: Readonly<Record<string, number>>) => number;
  readonly derivative: (z: number, p: Readonly<Record<string, number>>) => number;
  /**
   * The accuracy contract at input z, in ULP of the correctly rounded f32 result: 0 where the GPU
   * result must be exact, else 16 + 2|a| with `a` the argument the formula passes to exp.
   */
  readonly ulpBound: (z: number, p: Readonly<Record<string, number>>) => number;
}

const finite: ParamSpec['accepts'] = (v) => Number.isFinite(v);

// f'(z) of sigmoid, tanh and ELU is positive for every finite z, but underflows to 0 in float64 for
// |z| beyond ~745. Keeping it at the smallest positive double keeps dy·f'(z) = ±∞ for an infinite dy
// (not NaN), and still rounds to 0 in f32 for every finite dy.
const positive = (d: number, z: number): number => (Number.isFinite(z) ? Math.max(d, Number.MIN_VALUE) : d);
const exact = (): number => 0;
const expBound = (a: number): number => 16 + 2 * Math.abs(a);

// NaN must be returned explicitly: every comparison with NaN is false, so z > 0 ? z : 0 maps it to 0.
const nanOr = (f: (z: number, p: Readonly<Record<string, number>>) => number) =>
  (z: number, p: Readonly<Record<string, number>>): number => (Number.isNaN(z) ? NaN : f(z, p));

function logistic(z: number): number {
  const e = Math.exp(-Math.abs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

const ELEMENTWISE_TABLE = {
  linear: {
    kind: 'elementwise' as const,
    formula: 'm·z',
    derivativeFormula: 'm',
    params: { m: { default: 1, expected: 'a finite number', accepts: finite } },
    wgsl: { forward: 'linear_forward', backward: 'linear_backward' },
    forward: nanOr((z, p) => p.m! * z),
    derivative: nanOr((_z, p) => p.m!),
    ulpBound: exact,
  },
  elu: {
    kind: 'elementwise' as const,
    formula: 'z if z > 0, else α·(eᶻ − 1)',
    derivativeFormula: '1 if z > 0, else α·eᶻ',
    params: { alpha: { default: 1, expected: 'a finite number > 0', accepts: (v) => Number.isFinite(v) && v > 0 } },
    wgsl: { forward: 'elu_forward', backward: 'elu_backward' },
    forward: nanOr((z, p) => (z > 0 ? z : p.alpha! * Math.expm1(z))),
    derivative: nanOr((z, p) => (z > 0 ? 1 : positive(p.alpha! * Math.exp(z), z))),
    ulpBound: (z) => (z > 0 ? 0 : expBound(z)),
  },
  relu: {
    kind: 'elementwise' as const,
    formula: 'z if z > 0, else 0',
    derivativeFormula: '1 if z > 0, else 0',
    params: {},
    wgsl: { forward: 'relu_forward', backward: 'relu_backward' },
    forward: nanOr((z) => (z > 0 ? z : 0)),
    derivative: nanOr((z) => (z > 0 ? 1 : 0)),
    ulpBound: exact,
  },
  leakyRelu: {
    kind: 'elementwise' as const,
    formula: 'z if z > 0, else α·z',
    derivativeFormula: '1 if z > 0, else α',
    params: { alpha: { default: 0.01, expected: 'a finite number', accepts: finite } },
    wgsl: { forward: 'leaky_relu_forward', backward: 'leaky_relu_backward' },
    forward: nanOr((z, p) => (z > 0 ? z : p.alpha! * z)),
    derivative: nanOr((z, p) => (z > 0 ? 1 : p.alpha!)),
    ulpBound: exact,
  },
  sigmoid: {
    kind: 'elementwise' as const,
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
  },
  tanh: {
    kind: 'elementwise' as const,
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
  },
} satisfies Record<string, ElementwiseActivation>;

export type ElementwiseName = keyof typeof ELEMENTWISE_TABLE;
export const ELEMENTWISE: Readonly<Record<ElementwiseName, ElementwiseActivation>> = ELEMENTWISE_TABLE;
export type ActivationName = ElementwiseName;
export const ACTIVATION_NAMES = Object.keys(ELEMENTWISE) as ActivationName[];

/** forward: f(x); derivative: f'(x); backward: dy ⊙ f'(x). */
export type Mode = 'forward' | 'derivative' | 'backward';

export function lookupActivation(name: unknown, caller: string): ElementwiseActivation {
  if (typeof name !== 'string' || !Object.hasOwn(ELEMENTWISE, name)) {
    throw new TypeError(
      `${caller}: unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATION_NAMES.join(', ')}`,
    );
  }
  return ELEMENTWISE[name as ElementwiseName];
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
  const spec = lookupActivation(name, 'resolveParams').params;
  if (given !== undefined && (given === null || typeof given !== 'object')) {
    throw new TypeError(`${name}: params must be an object, got ${String(given)}`);
  }
  const resolved: Record<string, number> = {};
  for (const [key, param] of Object.entries(spec)) resolved[key] = Math.fround(param.default);
  for (const [key, value] of Object.entries(given ?? {})) {
    if (optionKeys.includes(key) || value === undefined) continue;
    const param = spec[key];
    if (!param) {
      const known = Object.keys(spec);
      throw new RangeError(
        `${name}: unknown parameter "${key}"; ` +
          (known.length ? `expected ${known.map((k) => `"${k}"`).join(' or ')}` : `${name} takes no parameters`),
      );
    }
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

/** The single number the kernels receive: the activation's parameter, or 0 where it has none. */
export function kernelParam(act: ElementwiseActivation, resolved: Readonly<Record<string, number>>): number {
  const [key] = Object.keys(act.params);
  return key === undefined ? 0 : resolved[key]!;
}
