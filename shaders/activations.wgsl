// The elementwise activations. Each has
//   NAME_forward(z, p...)       = f(z)
//   NAME_backward(z, dy, p...)  = dy · f'(z)   (the derivative mode passes dy = 1)
// where p... are the activation's parameters, in the order of its table entry (none for most).
// NaN in z or dy gives NaN out. Derivatives at z = 0 take the z <= 0 branch, as PyTorch does.

fn linear_forward(z: vec4<f32>, m: f32) -> vec4<f32> {
  return m * z; // NaN flows through the product
}

fn linear_backward(z: vec4<f32>, dy: vec4<f32>, m: f32) -> vec4<f32> {
  return nan_of(dy * m, z); // a NaN dy flows through the product
}

fn relu_forward(z: vec4<f32>) -> vec4<f32> {
  return nan_of(select(vec4(0.0), z, z > vec4(0.0)), z);
}

fn relu_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  return nan_of(dy * select(vec4(0.0), vec4(1.0), z > vec4(0.0)), z);
}

fn leaky_relu_forward(z: vec4<f32>, alpha: f32) -> vec4<f32> {
  return nan_of(select(alpha * z, z, z > vec4(0.0)), z);
}

fn leaky_relu_backward(z: vec4<f32>, dy: vec4<f32>, alpha: f32) -> vec4<f32> {
  return nan_of(dy * select(vec4(alpha), vec4(1.0), z > vec4(0.0)), z);
}

// min(z, 0) as a select: cheaper on the software adapter, and it keeps -0 for a negative subnormal
// z there (min flushed it to +0, so elu(-1e-44) was +0). NaN takes the z <= 0 branch and stays NaN.
fn elu_forward(z: vec4<f32>, alpha: f32) -> vec4<f32> {
  let neg = alpha * expm1_nonpositive(select(z, vec4(0.0), z > vec4(0.0)));
  return select(neg, z, z > vec4(0.0));
}

// The backward kernels form dy·f'(z) as (dy·g)·g with g = √f'(z), so that each product lies between
// dy and the result: nothing overflows or underflows before the result itself does. g is built from
// e^(a/2), half the exponent's argument. Where g would fall below 2^-44 ("cold", a region where only
// a huge dy leaves a normal result), its exponent is shifted up by 32 binades (g·2^32 < 2^-12: the
// products still shrink from dy), and the result scaled back by 2^-64 at the end: g itself then stays
// normal wherever the result can be normal. The last factor is 0 for an infinite z, where f' is
// exactly 0 (so ∞·f' is NaN, as 0·∞).

const COLD_SHIFT: i32 = 32;
const COLD_SCALE: f32 = 5.421010862e-20; // 2^-64
// Where e^a < 2^-44.
const COLD_ARG: f32 = -31.0;
// Below this a, e^a·2^COLD_SHIFT would leave the normal range (k + 32 < −125): e^a's split is clamped there.
const COLD_FLOOR: f32 = -108.0;

// The last factor: 1, 2^-64 where cold, 0 where the exp's argument is −∞ (its bits are 0xff800000).
fn backward_scale(cold: vec4<bool>, a: vec4<f32>) -> vec4<f32> {
  return select(select(vec4(1.0), vec4(COLD_SCALE), cold), vec4(0.0), bitcast<vec4<u32>>(a) == vec4(0xff800000u));
}

// e^(a + carry) (a <= 0; carry: a's known rounding error, or 0) for the backward kernels' g, moved up COLD_SHIFT binades where a < COLD_ARG, and the
// last factor that scales the result back.
struct BackwardExp {
  h: vec4<f32>,
  scale: vec4<f32>,
}

fn backward_exp(a: vec4<f32>, carry: vec4<f32>) -> BackwardExp {
  let cold = a < vec4(COLD_ARG);
  let h = split_value(exp_split_carry(a, carry, COLD_FLOOR), select(vec4(0), vec4(COLD_SHIFT), cold));
  return BackwardExp(h, backward_scale(cold, a));
}

// elu' = α·eᶻ for z <= 0, as (dy·g)·g with g = √α·e^(z/2). √α = m·2^e (m in [1, 2)) comes from the
// host, so its exponent joins 2^k's bits. Constants from the host (hostConstants in the table):
//   sqrt_alpha_m, m;  shift, e, and cold_shift, e + 32;  cold_z, the z below which g < 2^-32;
//   floor, the clamp of z/2 that keeps the shifted 2^k normal.
fn elu_backward(z: vec4<f32>, dy: vec4<f32>, sqrt_alpha_m: f32, shift: i32, cold_shift: i32, cold_z: f32, floor: f32) -> vec4<f32> {
  let pos = z > vec4(0.0);
  let cold = z < vec4(cold_z);
  let e = exp_split(0.5 * select(z, vec4(0.0), pos), floor);
  let g = (sqrt_alpha_m * (1.0 + e.q)) * pow2_shifted(e.t, select(vec4(shift), vec4(cold_shift), cold));
  return select(((dy * g) * g) * backward_scale(cold, z), dy, pos);
}

// elu' alone (the derivative mode; no dy to keep from underflowing): g·g with backward's g, its
// argument clamped where 2^(k + shift) reaches −127, whose bits are 0, rather than shifted up: f' then
// flushes below 2^-126. The same bits as elu_backward with dy = 1 wherever f' is normal. The cold
// constants go unused.
fn elu_derivative(z: vec4<f32>, sqrt_alpha_m: f32, shift: i32, cold_shift: i32, cold_z: f32, floor: f32) -> vec4<f32> {
  let pos = z > vec4(0.0);
  let e = exp_split(0.5 * select(z, vec4(0.0), pos), f32(-127 - shift) * (LN2_HI + LN2_LO));
  let g = (sqrt_alpha_m * (1.0 + e.q)) * pow2_shifted(e.t, vec4(shift));
  return select(g * g, vec4(1.0), pos);
}

// The host constants of a backward dy·c·eᶻ (elu: c = α; selu: c = λα), made in WGSL from c for the
// functions that take the parameters themselves (the WGSL export, src/wgsl-export.ts; the library's kernels
// get them from the host once per call). √c is WGSL's sqrt (up to ~3 ULP off, which g² would double)
// corrected by one Newton step with the exact residual c − s² (two_product; c − hi is exact,
// Sterbenz), so that m is √c's mantissa rounded as the host rounds it, up to the last ULP. cold_z and
// floor have slack for WGSL's log (see expHalfBackward in src/activations/table.ts).
struct ExpHalfConstants {
  sqrt_m: f32,
  shift: i32,
  cold_z: f32,
  floor: f32,
}

fn exp_half_constants(c: f32) -> ExpHalfConstants {
  let s0 = sqrt(c);
  let sq = two_product(vec4(s0), vec4(s0));
  let s = s0 + ((c - sq.hi.x) - sq.lo.x) / (s0 + s0);
  let f = frexp(s);
  let e = f.exp - 1;
  return ExpHalfConstants(f.fract * 2.0, e, -44.3614196 - log(c) - 0.01, f32(-157 - e) * 0.693147181);
}

// elu_backward taking α itself.
fn elu_backward_params(z: vec4<f32>, dy: vec4<f32>, alpha: f32) -> vec4<f32> {
  let k = exp_half_constants(alpha);
  return elu_backward(z, dy, k.sqrt_m, k.shift, k.shift + COLD_SHIFT, k.cold_z, k.floor);
}

fn elu_derivative_params(z: vec4<f32>, alpha: f32) -> vec4<f32> {
  let k = exp_half_constants(alpha);
  return elu_derivative(z, k.sqrt_m, k.shift, k.shift + COLD_SHIFT, k.cold_z, k.floor);
}

fn sigmoid_forward(z: vec4<f32>) -> vec4<f32> {
  // e = e^-|z| <= 1 never overflows; each sign gets the form without cancellation.
  let e = exp_nonpositive(-abs(z));
  let d = 1.0 / (1.0 + e);
  return select(e * d, d, z >= vec4(0.0));
}

// σ'(z) = e/(1 + e)² with e = e^-|z| = h², h = e^(-|z|/2): g = h/(1 + e). In the cold region h·2^32 is
// below 2^-12, so h² is below half an ULP of 1 and 1 + h² is 1, as 1 + e is.
fn sigmoid_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let e = backward_exp(-0.5 * abs(z), vec4(0.0));
  let g = e.h / (1.0 + e.h * e.h);
  return ((dy * g) * g) * e.scale;
}

fn tanh_forward(z: vec4<f32>) -> vec4<f32> {
  // tanh|z| = (1 - e) / (1 + e) with e = e^-2|z|, written with expm1 so it does not cancel near 0.
  // The built-in tanh returns NaN for |z| > ~88 on the software adapter. −2|z| may be −∞: expm1 is −1.
  let em1 = expm1_nonpositive(-2.0 * abs(z));
  return with_sign_of(-em1 / (2.0 + em1), z);
}

// tanh'(z) = 4e/(1 + e)² with e = e^-2|z| = h², h = e^-|z|: g = 2h/(1 + e), cold as for sigmoid.
fn tanh_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let e = backward_exp(-abs(z), vec4(0.0));
  let g = (e.h + e.h) / (1.0 + e.h * e.h);
  return ((dy * g) * g) * e.scale;
}

// backward from the saved output y instead of z (from: 'output'): cheaper, but y's own rounding is
// not shrunk where f' is small, so the contract is absolute (see fromOutput in src/activations/table.ts).

// σ' = y(1 − y); 1 − y is exact for y >= 1/2.
fn sigmoid_backward_from_output(y: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  return keep_nan(dy * (y * (1.0 - y)), y, dy);
}

// tanh' = (1 − |y|)(1 + |y|); 1 − |y| is exact for |y| >= 1/2, where 1 − y² would round y² first.
fn tanh_backward_from_output(y: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let a = abs(y);
  return keep_nan(dy * ((1.0 - a) * (1.0 + a)), y, dy);
}

// elu' = 1 for y > 0, else α·eᶻ = y + α, exact in f32 for y <= −α/2 (Sterbenz). relu and leakyRelu
// (α > 0) need no function of their own: y > 0 exactly where z > 0, so their backward reads y as is.
fn elu_backward_from_output(y: vec4<f32>, dy: vec4<f32>, alpha: f32) -> vec4<f32> {
  return keep_nan(select(dy * (y + alpha), dy, y > vec4(0.0)), y, dy);
}

// ---- The activations of issue 11 (their special functions are in special.wgsl) ----

// gelu(z) = z·Φ(z). Near 0, Φ = ½ + the Taylor series of normal_cdf_center; beyond |z| = 0.8,
// Φ(−|z|) = e^(−z²/2)·R(|z|)/√(2π) with the Mills ratio R, so for z < 0 gelu = −|z|·R·e^(−z²/2)/√(2π)
// keeps its relative accuracy until the result itself leaves the normal range. The exp sees |z|
// itself (0 at ±∞); R and the factors see |z| clamped to 40, where every tail is flat.
fn gelu_forward(z: vec4<f32>) -> vec4<f32> {
  let s = neg_half_square(abs(z));
  let e = exp_nonpositive_carry(s.hi, s.lo);
  let a = select(abs(z), vec4(40.0), abs(z) > vec4(40.0));
  let rc = mills_ratio(a) * INV_SQRT_2PI;
  let central = z * (0.5 + normal_cdf_center(z));
  let tail = select(z * (1.0 - rc * e), -(a * rc) * e, z < vec4(0.0));
  return select(tail, central, a < vec4(0.8));
}

// gelu'(z) = Φ(z) + z·φ(z); in the tails φ(|z|)·(R − |z|) for z < 0 (no cancellation: R < 1/|z|),
// as the backward kernels' chain of products with g = e^(−z²/4), and 1 + φ(|z|)·(|z| − R) for z > 0.
// Near z = −0.75 the two terms cancel (see the table's bound). The exp sees |z| clamped to 40 at
// finite z, so that f' is tiny but not 0 (∞·f' is ∞), and ∞ at z = ±∞, where f' is 0 (∞·f' is NaN).
fn gelu_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let a = select(abs(z), vec4(40.0), abs(z) > vec4(40.0));
  let s = neg_half_square(select(a, abs(z), is_inf(z)));
  let b = backward_exp(0.5 * s.hi, 0.5 * s.lo);
  let phi = backward_exp_full(b) * INV_SQRT_2PI;
  let r = mills_ratio(a);
  let central = dy * ((0.5 + normal_cdf_center(z)) + z * phi);
  let neg = ((dy * b.h) * (b.h * ((r - a) * INV_SQRT_2PI))) * b.scale;
  let pos = dy * (1.0 + phi * (a - r));
  return select(select(pos, neg, z < vec4(0.0)), central, a < vec4(0.8));
}

// PyTorch's gelu(approximate='tanh'): ½·z·(1 + tanh u) = z·σ(2u), u = √(2/π)·(z + 0.044715·z³), so
// 1 + tanh u = 2e^(2u)/(1 + e^(2u)) for u < 0 (x_sigmoid), which does not cancel. 2u = z·(K0 + K1·z²)
// with K0 and K1 each a pair of f32 (hi + lo) and every step's rounding error kept (two_product,
// two_diff): 2u's own error, up to ~2 ULP of an argument as large as −87, would cost hundreds of
// ULP in e^(2u); as the carry of exp it costs nothing.
const GELU_TANH_K0: f32 = 1.59576917;       // 2·√(2/π), hi
const GELU_TANH_K0_LO: f32 = -4.53406805e-08;
const GELU_TANH_K1: f32 = 0.0713548139;     // 2·√(2/π)·0.044715, hi
const GELU_TANH_K1_LO: f32 = 2.39883247e-09;

// 2u at a finite z (|z| <= 1000) as hi + lo. Every step is finite: two_diff needs none of exact_diff's
// care for infinities.
fn gelu_tanh_w(z: vec4<f32>) -> Diff {
  let s = two_product(z, z);
  let t = two_product(vec4(GELU_TANH_K1), s.hi);
  let u = two_diff(vec4(GELU_TANH_K0), -t.hi);
  let u_lo = u.lo + ((t.lo + GELU_TANH_K1 * s.lo) + GELU_TANH_K1_LO * s.hi) + GELU_TANH_K0_LO;
  let w = two_product(z, u.hi);
  return Diff(w.hi, w.lo + z * u_lo);
}

fn gelu_tanh_forward(z: vec4<f32>) -> vec4<f32> {
  let zf = clamp_all(z, 1000.0);
  let w = gelu_tanh_w(zf);
  return x_sigmoid(z, zf, select(w.hi, z, is_inf(z)), w.lo);
}

// d/dz z·σ(w) = σ(w)·(1 + v·(1 − σ(w))) with v = z·w'(z) = z·(K0 + 3·K1·z²).
fn gelu_tanh_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let zf = clamp_all(z, 1000.0);
  let w = gelu_tanh_w(zf);
  let v = zf * (GELU_TANH_K0 + 0.214064449 * zf * zf);
  return sigmoid_slope_backward(select(w.hi, z, is_inf(z)), w.lo, v, dy);
}

// quickGelu(z) = z·σ(1.702·z) (CLIP's), and its derivative σ(t)·(1 + t·(1 − σ(t))) at t = 1.702·z;
// t's rounding error (and the constant's) goes to exp as its carry.
const QUICK_GELU_SCALE: f32 = 1.70200002;
const QUICK_GELU_SCALE_LO: f32 = -2.19345093e-08;

fn quick_gelu_t(zf: vec4<f32>) -> Diff {
  let t = two_product(vec4(QUICK_GELU_SCALE), zf);
  return Diff(t.hi, t.lo + QUICK_GELU_SCALE_LO * zf);
}

fn quick_gelu_forward(z: vec4<f32>) -> vec4<f32> {
  let zf = clamp_all(z, 1000.0);
  let t = quick_gelu_t(zf);
  return x_sigmoid(z, zf, select(t.hi, z, is_inf(z)), t.lo);
}

fn quick_gelu_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let t = quick_gelu_t(clamp_all(z, 1000.0));
  return sigmoid_slope_backward(select(t.hi, z, is_inf(z)), t.lo, t.hi, dy);
}

// silu(z) = z·σ(z); silu'(z) = σ(z)·(1 + z·(1 − σ(z))).
fn silu_forward(z: vec4<f32>) -> vec4<f32> {
  return x_sigmoid(z, clamp_all(z, 1000.0), z, vec4(0.0));
}

fn silu_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  return sigmoid_slope_backward(z, vec4(0.0), clamp_all(z, 1000.0), dy);
}

// softplus(z) = ln(1 + e^t)/β, t = β·z, for every z (no threshold): z + log1p(e^−t)/β for t > 0, and
// log1p(e^t)/β for t <= 0, which is e^t/β = (h/β)·h, h = e^(t/2), below t = −20 (log1p(e) = e to f32
// precision), right where e^t alone is below the normal range and β < 1. β·z may overflow to ±∞ for a
// finite z: h is 0 there, and the result z or 0, as for any |t| beyond 176.
fn softplus_forward(z: vec4<f32>, beta: f32) -> vec4<f32> {
  let t = beta * z;
  let h = exp_nonpositive(-0.5 * abs(t));
  let l = log1p_unit(h * h) / beta;
  let neg = select(l, (h / beta) * h, t < vec4(-20.0));
  return select(neg, z + l, t > vec4(0.0));
}

// softplus'(z) = σ(β·z).
fn softplus_backward(z: vec4<f32>, dy: vec4<f32>, beta: f32) -> vec4<f32> {
  return sigmoid_product(dy, select(clamp_all(beta * z, 1e4), z, is_inf(z)));
}

// softplus' alone: σ(βz) (sigmoid_forward takes any argument, ±∞ included).
fn softplus_derivative(z: vec4<f32>, beta: f32) -> vec4<f32> {
  return sigmoid_forward(beta * z);
}

// From the saved y = softplus(z) >= 0: σ(βz) = 1 − e^(−βy) = −expm1(−βy), with no cancellation.
fn softplus_backward_from_output(y: vec4<f32>, dy: vec4<f32>, beta: f32) -> vec4<f32> {
  let a = select(-beta * y, vec4(0.0), y < vec4(0.0));
  return keep_nan(dy * -expm1_nonpositive(a), y, dy);
}

// mish(z) = z·tanh(softplus(z)). With e = e^−|z| = h², tanh(ln(1 + eᶻ)) is n/(n + 2), n = e(e + 2),
// for z <= 0 and (1 + 2e)/(1 + 2e + 2e²) for z > 0: no cancellation, and z·e = (z·h)·h in the tail.
fn mish_forward(z: vec4<f32>) -> vec4<f32> {
  let zf = clamp_all(z, 1000.0);
  let h = exp_nonpositive(-0.5 * abs(zf));
  let e = h * h;
  let neg = ((zf * h) * h) * (e + 2.0) / (e * (e + 2.0) + 2.0);
  let pos = z * ((1.0 + 2.0 * e) / (1.0 + 2.0 * e + 2.0 * e * e));
  return select(pos, neg, z <= vec4(0.0));
}

// mish'(z) = tanh(sp) + z·σ(z)·(1 − tanh²(sp)): e·((e + 2)(n + 2) + 4z(1 + e))/(n + 2)² for z <= 0
// (the two terms cancel near z = −1.19: see the table's bound), as sigmoid_product's chain of
// products, and ((1 + 2e)·D + 4z·e²·(1 + e))/D², D = 1 + 2e + 2e², for z > 0. The exp's argument is
// −∞ at z = ±∞, where e is 0.
fn mish_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let zf = clamp_all(z, 1000.0);
  let b = backward_exp(-0.5 * abs(select(zf, z, is_inf(z))), vec4(0.0));
  let e = backward_exp_full(b);
  let m = e * (e + 2.0) + 2.0;
  let neg = ((dy * b.h) * (b.h * (((e + 2.0) * m + 4.0 * zf * (1.0 + e)) / (m * m)))) * b.scale;
  let d = 1.0 + 2.0 * e + 2.0 * e * e;
  let pos = dy * (((1.0 + 2.0 * e) * d + 4.0 * zf * e * e * (1.0 + e)) / (d * d));
  return select(pos, neg, z <= vec4(0.0));
}

// selu: λ·z for z > 0, λα·(eᶻ − 1) on elu's expm1 path; λ and λα rounded to f32.
const SELU_LAMBDA: f32 = 1.05070102;
const SELU_LAMBDA_ALPHA: f32 = 1.75809932;

fn selu_forward(z: vec4<f32>) -> vec4<f32> {
  let neg = SELU_LAMBDA_ALPHA * expm1_nonpositive(select(z, vec4(0.0), z > vec4(0.0)));
  return select(neg, SELU_LAMBDA * z, z > vec4(0.0));
}

// selu'(z) = λ for z > 0, λα·eᶻ for z <= 0 (λα at 0, as PyTorch): elu_backward with c = λα, whose
// host constants the table computes.
fn selu_backward(z: vec4<f32>, dy: vec4<f32>, sqrt_c_m: f32, shift: i32, cold_shift: i32, cold_z: f32, floor: f32) -> vec4<f32> {
  return select(elu_backward(z, dy, sqrt_c_m, shift, cold_shift, cold_z, floor), dy * SELU_LAMBDA, z > vec4(0.0));
}

fn selu_derivative(z: vec4<f32>, sqrt_c_m: f32, shift: i32, cold_shift: i32, cold_z: f32, floor: f32) -> vec4<f32> {
  return select(elu_derivative(z, sqrt_c_m, shift, cold_shift, cold_z, floor), vec4(SELU_LAMBDA), z > vec4(0.0));
}

// selu_backward with its constants made in WGSL (see exp_half_constants).
fn selu_backward_params(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let k = exp_half_constants(SELU_LAMBDA_ALPHA);
  return selu_backward(z, dy, k.sqrt_m, k.shift, k.shift + COLD_SHIFT, k.cold_z, k.floor);
}

fn selu_derivative_params(z: vec4<f32>) -> vec4<f32> {
  let k = exp_half_constants(SELU_LAMBDA_ALPHA);
  return selu_derivative(z, k.sqrt_m, k.shift, k.shift + COLD_SHIFT, k.cold_z, k.floor);
}

// celu(z) = z for z > 0, α·(e^(z/α) − 1) otherwise; z/α may overflow to −∞, where expm1 is −1 as for
// any argument below −88. Where |z/α| < 2^-12 (z/α may even underflow, for a huge α) it is
// z·(1 + z/(2α)), to f32 precision.
fn celu_forward(z: vec4<f32>, alpha: f32) -> vec4<f32> {
  let a = select(z / alpha, vec4(0.0), z > vec4(0.0));
  let neg = select(alpha * expm1_nonpositive(a), z * (1.0 + 0.5 * a), abs(a) < vec4(0.000244140625));
  return select(neg, z, z > vec4(0.0));
}

// celu'(z) = e^(z/α) for z <= 0, as (dy·g)·g with g = e^(z/2α) (see the backward kernels above).
fn celu_backward(z: vec4<f32>, dy: vec4<f32>, alpha: f32) -> vec4<f32> {
  let a = select(select(clamp_all(z / alpha, 1e4), z, is_inf(z)), vec4(0.0), z > vec4(0.0));
  let b = backward_exp(0.5 * a, vec4(0.0));
  return select(((dy * b.h) * b.h) * b.scale, dy, z > vec4(0.0));
}

// celu' alone: e^(z/α) for z <= 0, 0 below the normal range (z/α = −∞ included).
fn celu_derivative(z: vec4<f32>, alpha: f32) -> vec4<f32> {
  let a = select(z / alpha, vec4(0.0), z > vec4(0.0));
  return select(exp_nonpositive(a), vec4(1.0), z > vec4(0.0));
}

// relu6(z) = min(max(z, 0), 6); relu6' is 1 on (0, 6) only: 0 at both kinks, as PyTorch.
fn relu6_forward(z: vec4<f32>) -> vec4<f32> {
  return nan_of(select(select(vec4(0.0), z, z > vec4(0.0)), vec4(6.0), z > vec4(6.0)), z);
}

fn relu6_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  return keep_nan(dy * select(vec4(0.0), vec4(1.0), (z > vec4(0.0)) & (z < vec4(6.0))), z, dy);
}

// hardSigmoid(z) = max(0, min(1, α·z + β)), with α·z + β from affine_accurate; f' = α strictly
// inside (0, 1), 0 at the kinks, as PyTorch. The comparisons use the unrounded sum hi + lo: hi − 1
// is exact near 1 (Sterbenz), so 1 − 2^-26 counts as inside although it rounds to 1.
fn hard_sigmoid_forward(z: vec4<f32>, alpha: f32, beta: f32) -> vec4<f32> {
  let a = affine_accurate(z, alpha, beta);
  let v = a.hi + a.lo;
  return nan_of(select(select(v, vec4(0.0), v <= vec4(0.0)), vec4(1.0), v >= vec4(1.0)), z);
}

// The f32 z where 0 < α·z + β < 1 are those in (z_below, z_above), found on the host (table.ts):
// exact on every adapter, where the kernel's own TwoSum may be reassociated away by the compiler.
fn hard_sigmoid_backward(z: vec4<f32>, dy: vec4<f32>, alpha: f32, z_below: f32, z_above: f32) -> vec4<f32> {
  let inside = (z > vec4(z_below)) & (z < vec4(z_above));
  return keep_nan(dy * select(vec4(0.0), vec4(alpha), inside), z, dy);
}

// hardSwish(z) = z·relu6(z + 3)/6: −0 for z <= −3 (z·0), z for z >= 3, z·(z + 3)/6 between (z + 3 is
// exact near −3, Sterbenz).
fn hard_swish_forward(z: vec4<f32>) -> vec4<f32> {
  let mid = z * (z + 3.0) / 6.0;
  let f = select(select(mid, with_sign_of(vec4(0.0), z), z <= vec4(-3.0)), z, z >= vec4(3.0));
  return nan_of(f, z);
}

// hardSwish' = (2z + 3)/6 on [−3, 3] (−0.5 and 1.5 at the kinks, as PyTorch), 0 below, 1 above;
// 2z + 3 is exact near its zero at −1.5.
fn hard_swish_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let d = select(select((2.0 * z + 3.0) / 6.0, vec4(1.0), z > vec4(3.0)), vec4(0.0), z < vec4(-3.0));
  return keep_nan(dy * d, z, dy);
}

// logSigmoid(z) = −softplus(−z): z − log1p(eᶻ) for z < 0; −log1p(e^−z) for z >= 0, which is −e^−z
// past z = 20 (where log1p_unit's s = e/2 would be flushed before −e^−z leaves the normal range).
fn log_sigmoid_forward(z: vec4<f32>) -> vec4<f32> {
  let e = exp_nonpositive(-abs(z));
  let l = log1p_unit(e);
  return select(z - l, select(-l, -e, z > vec4(20.0)), z >= vec4(0.0));
}

// logSigmoid'(z) = σ(−z).
fn log_sigmoid_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  return sigmoid_product(dy, -z);
}

// logSigmoid' alone: σ(−z).
fn log_sigmoid_derivative(z: vec4<f32>) -> vec4<f32> {
  return sigmoid_forward(-z);
}

// From the saved y = logSigmoid(z) <= 0: σ(−z) = 1 − e^y = −expm1(y), without cancellation.
fn log_sigmoid_backward_from_output(y: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let a = select(y, vec4(0.0), y > vec4(0.0));
  return keep_nan(dy * -expm1_nonpositive(a), y, dy);
}

// softsign(z) = z/(1 + |z|), ±1 at ±∞.
fn softsign_forward(z: vec4<f32>) -> vec4<f32> {
  return nan_of(select(z / (1.0 + abs(z)), with_sign_of(vec4(1.0), z), is_inf(z)), z);
}

// softsign'(z) = 1/(1 + |z|)², from frexp(1 + |z|) = d·2^k as (1/d)²·2^−2k: (1 + |z|)² itself would
// overflow past 1.8e19, and its reciprocal be subnormal, while dy·f' is still a normal number.
fn softsign_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let d = frexp(1.0 + abs(select(z, vec4(1.0), is_inf(z))));
  let r = 1.0 / d.fract;
  let q = select(r * r, vec4(0.0), is_inf(z));
  return keep_nan(mul_parts(dy, q, -2 * d.exp), z, dy);
}

// softsign' alone: r·r with r = 1/(1 + |z|); 0 at ±∞, flushed for |z| beyond 2^63.
fn softsign_derivative(z: vec4<f32>) -> vec4<f32> {
  let r = 1.0 / (1.0 + abs(z));
  return r * r;
}

// From the saved y: selu' = λ for y > 0, else λα·eᶻ = y + λα (exact for y <= −λα/2, Sterbenz).
fn selu_backward_from_output(y: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  return keep_nan(select(dy * (y + SELU_LAMBDA_ALPHA), dy * SELU_LAMBDA, y > vec4(0.0)), y, dy);
}

// From the saved y: celu' = 1 for y > 0, else e^(z/α) = (y + α)/α (y + α exact for y <= −α/2).
fn celu_backward_from_output(y: vec4<f32>, dy: vec4<f32>, alpha: f32) -> vec4<f32> {
  return keep_nan(select(dy * ((y + alpha) / alpha), dy, y > vec4(0.0)), y, dy);
}
