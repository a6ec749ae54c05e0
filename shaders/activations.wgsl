// The elementwise activations. Each has
//   NAME_forward(z, p...)       = f(z)
//   NAME_backward(z, dy, p...)  = dy · f'(z)   (the derivative mode passes dy = 1)
// where p... are the activation's parameters, in the order of its table entry (none for most).
// NaN in z or dy gives NaN out. Derivatives at z = 0 take the z <= 0 branch, as PyTorch does.

fn linear_forward(z: vec4<f32>, m: f32) -> vec4<f32> {
  return keep_nan(m * z, z, z);
}

fn linear_backward(z: vec4<f32>, dy: vec4<f32>, m: f32) -> vec4<f32> {
  return keep_nan(dy * m, z, dy);
}

fn relu_forward(z: vec4<f32>) -> vec4<f32> {
  return keep_nan(select(vec4(0.0), z, z > vec4(0.0)), z, z);
}

fn relu_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  return keep_nan(dy * select(vec4(0.0), vec4(1.0), z > vec4(0.0)), z, dy);
}

fn leaky_relu_forward(z: vec4<f32>, alpha: f32) -> vec4<f32> {
  return keep_nan(select(alpha * z, z, z > vec4(0.0)), z, z);
}

fn leaky_relu_backward(z: vec4<f32>, dy: vec4<f32>, alpha: f32) -> vec4<f32> {
  return keep_nan(dy * select(vec4(alpha), vec4(1.0), z > vec4(0.0)), z, dy);
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

// elu' = α·eᶻ for z <= 0, as (dy·g)·g with g = √α·e^(z/2). √α = m·2^e (m in [1, 2)) comes from the
// host, so its exponent joins 2^k's bits. Constants from the host (hostConstants in the table):
//   sqrt_alpha_m, m;  shift, e, and cold_shift, e + 64;  cold_z, the z below which g < 2^-64;
//   floor, the clamp of z/2 that keeps the shifted 2^k normal.
fn elu_backward(z: vec4<f32>, dy: vec4<f32>, sqrt_alpha_m: f32, shift: i32, cold_shift: i32, cold_z: f32, floor: f32) -> vec4<f32> {
  let pos = z > vec4(0.0);
  let cold = z < vec4(cold_z);
  let e = exp_split(0.5 * select(z, vec4(0.0), pos), floor);
  let g = (sqrt_alpha_m * (1.0 + e.q)) * pow2_shifted(e.t, select(vec4(shift), vec4(cold_shift), cold));
  return select(((dy * g) * g) * backward_scale(cold, z), dy, pos);
}

fn sigmoid_forward(z: vec4<f32>) -> vec4<f32> {
  // e = e^-|z| <= 1 never overflows; each sign gets the form without cancellation.
  let e = exp_nonpositive(-abs(z));
  let d = 1.0 / (1.0 + e);
  return select(e * d, d, z >= vec4(0.0));
}

// σ'(z) = e/(1 + e)² with e = e^-|z| = h², h = e^(-|z|/2): g = h/(1 + e). In the cold region h·2^64 is
// below 2^-12, so h² is below half an ULP of 1 and 1 + h² is 1, as 1 + e is.
fn sigmoid_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let a = -0.5 * abs(z);
  let cold = a < vec4(COLD_ARG);
  let e = exp_split(a, COLD_FLOOR);
  let s = pow2_shifted(e.t, select(vec4(0), vec4(COLD_SHIFT), cold));
  let h = s * (1.0 + e.q);
  let g = h / (1.0 + h * h);
  return ((dy * g) * g) * backward_scale(cold, a);
}

fn tanh_forward(z: vec4<f32>) -> vec4<f32> {
  // tanh|z| = (1 - e) / (1 + e) with e = e^-2|z|, written with expm1 so it does not cancel near 0.
  // The built-in tanh returns NaN for |z| > ~88 on the software adapter. −2|z| may be −∞: expm1 is −1.
  let em1 = expm1_nonpositive(-2.0 * abs(z));
  return with_sign_of(-em1 / (2.0 + em1), z);
}

// tanh'(z) = 4e/(1 + e)² with e = e^-2|z| = h², h = e^-|z|: g = 2h/(1 + e), cold as for sigmoid.
fn tanh_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  let a = -abs(z);
  let cold = a < vec4(COLD_ARG);
  let e = exp_split(a, COLD_FLOOR);
  let s = pow2_shifted(e.t, select(vec4(0), vec4(COLD_SHIFT), cold));
  let h = s * (1.0 + e.q);
  let g = (h + h) / (1.0 + h * h);
  return ((dy * g) * g) * backward_scale(cold, a);
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
