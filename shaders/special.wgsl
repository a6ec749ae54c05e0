// Special functions for the activations added with issue 11 (GELU, softplus, ...), built on the lean
// exp of math.wgsl and the backward kernels' chain of products (activations.wgsl). Like math.wgsl,
// everything works on vec4<f32> lanes and avoids the built-in exp, log, tanh and erf: on the software
// adapter these stray near their edges (see math.wgsl), and WGSL allows log an absolute error of
// 2^-21 near 1, which would destroy log1p's relative accuracy.
//
// Polynomial coefficients were fitted for this library (Chebyshev least squares in float64 against
// SciPy's erfcx and NumPy's arctanh, then rounded to f32, with the error checked in f32 Horner form);
// the fit errors are stated beside each.

// dy · (q · 2^e) with one rounding, for any finite q (mul_scaled wants |q| in [0.17, 1.42]).
fn mul_parts(dy: vec4<f32>, q: vec4<f32>, e: vec4<i32>) -> vec4<f32> {
  let f = frexp(q);
  return mul_scaled(dy, f.fract, e + f.exp);
}

// z clamped to [-limit, limit], infinities included: for the finite factors of a formula whose tails
// are flat, so that no ∞ · 0 turns into NaN.
fn clamp_all(z: vec4<f32>, limit: f32) -> vec4<f32> {
  return select(select(z, vec4(-limit), z < vec4(-limit)), vec4(limit), z > vec4(limit));
}

// ln(1 + x) for x in [0, 1] (softplus's log1p(e^-|t|)), without cancellation near 0:
// 2·atanh(s), s = x / (2 + x) <= 1/3, with atanh(s)/s a degree-5 polynomial in s² (fit error 3e-10).
fn log1p_unit(x: vec4<f32>) -> vec4<f32> {
  let s = x / (2.0 + x);
  let u = s * s;
  let p = 1.0 + u * (0.333333373 + u * (0.199994773 + u * (0.143066928 + u * (0.107379608 + u * 0.120451659))));
  return 2.0 * s * p;
}

const INV_SQRT_2PI: f32 = 0.398942280;

// −a²/2 as hi + lo, for the exp of the normal density: a = ah + al where ah keeps 12 significant bits,
// so that ah² is exact in f32 (24 bits) and lo = −al·(a + ah)/2 is small; the rounding of a² itself
// would cost up to a² ULP of the result (169 ULP at z = −13). Used as exp's argument and carry. Where
// a is ∞, or a² overflows, hi is −∞ (so the exp is 0) and lo is not finite (exp drops it there).
fn neg_half_square(a: vec4<f32>) -> Diff {
  let ah = bitcast<vec4<f32>>(bitcast<vec4<u32>>(a) & vec4(0xfffff000u));
  return Diff(-0.5 * (ah * ah), -0.5 * (a - ah) * (a + ah));
}

// The Mills ratio R(a) = Φ(−a)/φ(a) for a >= 0.8, so that Φ(−a) = ½·erfc(a/√2) = e^(−a²/2)·R(a)/√(2π)
// keeps its relative accuracy in the far tail. R(a) = t·H(t) with t = 2/(2 + a) and H a degree-10
// polynomial (fit error 3e-9 relative on a in [0.8, 40], about 4 ULP with the f32 roundings).
fn mills_ratio(a: vec4<f32>) -> vec4<f32> {
  let t = 2.0 / (2.0 + a);
  let h = 0.499999762 + t * (0.500015914 + t * (0.374575406 + t * (0.131193668 + t * (-0.211206600
        + t * (0.0306380093 + t * (-1.23504317 + t * (3.01933622 + t * (-3.09678054 + t * (1.56151164
        + t * -0.320887953)))))))));
  return t * h;
}

// Φ(z) − ½ for |z| < 0.8: z·φ(0)·Σ (−1)ⁿ tⁿ/(n!·(2n + 1)) with t = z²/2 (Taylor; the first term left
// out is below 2^-32 relative).
fn normal_cdf_center(z: vec4<f32>) -> vec4<f32> {
  let t = 0.5 * z * z;
  let s = 1.0 + t * (-0.333333333 + t * (0.1 + t * (-0.0238095238 + t * (0.00462962963 + t * (-0.000757575758
        + t * (0.000106837607 + t * -1.32275132e-05))))));
  return z * INV_SQRT_2PI * s;
}

// a·b = hi + lo exactly (Dekker's product, no FMA needed): a and b are cut into 12-bit halves by
// masking their bits, so every partial product is exact. For |a·b| well inside f32's range.
fn two_product(a: vec4<f32>, b: vec4<f32>) -> Diff {
  let mask = vec4(0xfffff000u);
  let ah = bitcast<vec4<f32>>(bitcast<vec4<u32>>(a) & mask);
  let al = a - ah;
  let bh = bitcast<vec4<f32>>(bitcast<vec4<u32>>(b) & mask);
  let bl = b - bh;
  let hi = a * b;
  return Diff(hi, (((ah * bh - hi) + ah * bl) + al * bh) + al * bl);
}

// e^(−|w|/2), where the exact argument is w + w_lo (w_lo: the rounding error of w, from two_product
// and the like): the error goes into exp as its carry, so an exp argument computed from z (1.702·z,
// geluTanh's cubic) costs no more than one given exactly. The half argument keeps h normal down to
// w = −174, so that x·e^w = (x·h)·h is right where e^w alone is below the normal range.
fn half_exp_neg_abs(w: vec4<f32>, w_lo: vec4<f32>) -> vec4<f32> {
  return exp_nonpositive_carry(-0.5 * abs(w), 0.5 * select(w_lo, -w_lo, w >= vec4(0.0)));
}

// x·σ(w) for w of x's sign (silu: w = x; quickGelu: w = 1.702x; geluTanh: w = 2u), w + w_lo exact:
// x/(1 + e) for w >= 0 and x·e/(1 + e) for w < 0, e = e^−|w| = h². `xn` is x clamped (finite) for
// the second form, so that −∞ gives −0 rather than −∞·0. NaN flows through the arithmetic.
fn x_sigmoid(x: vec4<f32>, xn: vec4<f32>, w: vec4<f32>, w_lo: vec4<f32>) -> vec4<f32> {
  let h = half_exp_neg_abs(w, w_lo);
  return select(x, (xn * h) * h, w < vec4(0.0)) / (1.0 + h * h);
}

// e^−|w| (0 at w = ±∞) from the half-argument exp of the backward kernels, where it only joins a sum
// with 1 or more: flushed in the cold region, where b.h carries e^(−|w|/2) 32 binades up.
fn backward_exp_full(b: BackwardExp) -> vec4<f32> {
  return (b.h * b.h) * b.scale;
}

// dy · σ(t) for any t: dy/(1 + e) for t >= 0, and e/(1 + e) as (dy·h)·(h/(1 + e)) with e = e^t = h²
// for t < 0 (the backward kernels' chain of products, activations.wgsl): right where σ(t) alone is
// below the normal range and dy is large. 0 at t = −∞ (∞·0 = NaN for an infinite dy), NaN for NaN.
fn sigmoid_product(dy: vec4<f32>, t: vec4<f32>) -> vec4<f32> {
  let b = backward_exp(-0.5 * abs(t), vec4(0.0));
  let d = 1.0 + backward_exp_full(b);
  return select(dy / d, ((dy * b.h) * (b.h / d)) * b.scale, t < vec4(0.0));
}

// dy · σ(w)·(1 + v·(1 − σ(w))): the derivative of x·σ(w(x)) with v = x·w'(x) (silu, quickGelu:
// v = w; geluTanh: v = z·w'(z)). With e = e^−|w|: (1 + e + v·e)/(1 + e)² for w >= 0, and
// e·((1 + v) + e)/(1 + e)² for w < 0, where 1 + v is exact near the zero crossing (v near −1.28,
// Sterbenz), formed as sigmoid_product's chain. v must be finite; w may be ±∞; w + w_lo is exact.
fn sigmoid_slope_backward(w: vec4<f32>, w_lo: vec4<f32>, v: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let b = backward_exp(-0.5 * abs(w), 0.5 * select(w_lo, -w_lo, w >= vec4(0.0)));
  let e = backward_exp_full(b);
  let d = (1.0 + e) * (1.0 + e);
  let pos = dy * ((1.0 + e + v * e) / d);
  let neg = ((dy * b.h) * (b.h * (((1.0 + v) + e) / d))) * b.scale;
  return select(pos, neg, w < vec4(0.0));
}

// α·z + β as an unevaluated sum hi + lo, right to about 2^-40 of the larger of |α·z| and |β|: α
// and z are cut into 12-bit halves (by masking their bits), so the four partial products of α·z are
// exact, and they are added to β with their rounding errors kept (two_diff is TwoSum). The
// cancelling sum near hardSigmoid's kink at 0, and its comparison with 1, are then right where a
// plain α·z + β would be off by up to 2^-24·|β|. Where |α·z| >= 2^100 (a saturated result) the plain
// sum is used, so that no partial product overflows; the sums of the other case see only finite
// values, so two_diff needs none of exact_diff's care for infinities.
fn affine_accurate(z: vec4<f32>, alpha: f32, beta: f32) -> Diff {
  let mask = vec4(0xfffff000u);
  let zh = bitcast<vec4<f32>>(bitcast<vec4<u32>>(z) & mask);
  let zl = z - zh;
  let ah = bitcast<f32>(bitcast<u32>(alpha) & 0xfffff000u);
  let al = alpha - ah;
  let s1 = two_diff(vec4(beta), -(ah * zh));
  let s2 = two_diff(s1.hi, -(ah * zl));
  let s3 = two_diff(s2.hi, -(al * zh));
  let s4 = two_diff(s3.hi, -(al * zl));
  let lo = ((s1.lo + s2.lo) + s3.lo) + s4.lo;
  let product = alpha * z;
  let small = abs(product) < vec4(1.2676506e30);
  // α = 0 leaves β, also at z = ±∞ (where 0·∞ would be NaN).
  let hi = select(select(product + beta, s4.hi, small), vec4(beta), alpha == 0.0);
  return Diff(hi, select(vec4(0.0), lo, small & vec4(alpha != 0.0)));
}
