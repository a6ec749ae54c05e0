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
// z there (min flushed it to +0, so elu(-1e-44) was +0).
fn elu_forward(z: vec4<f32>, alpha: f32) -> vec4<f32> {
  let neg = alpha * expm1_nonpositive(select(z, vec4(0.0), z > vec4(0.0)));
  return keep_nan(select(neg, z, z > vec4(0.0)), z, z);
}

fn elu_backward(z: vec4<f32>, dy: vec4<f32>, alpha: f32) -> vec4<f32> {
  // alpha · e^z as (alpha's mantissa · m) · 2^(alpha's exponent + e): no underflow before dy joins.
  let a = frexp(alpha);
  let ez = exp_parts(select(z, vec4(0.0), z > vec4(0.0)));
  let neg = mul_scaled(dy, a.fract * ez.m, a.exp + ez.e);
  return keep_nan(select(neg, dy, z > vec4(0.0)), z, dy);
}

fn sigmoid_forward(z: vec4<f32>) -> vec4<f32> {
  // e = e^-|z| <= 1 never overflows; each sign gets the form without cancellation.
  let e = exp_accurate(-abs(z));
  return keep_nan(select(e / (1.0 + e), 1.0 / (1.0 + e), z >= vec4(0.0)), z, z);
}

fn sigmoid_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  // σ'(z) = e / (1 + e)^2 with e = e^-|z|; s(1 - s) would lose all relative accuracy for z > 16.
  let ep = exp_parts(-abs(z));
  let e = scale2(ep.m, ep.e);
  return keep_nan(mul_scaled(dy, ep.m / ((1.0 + e) * (1.0 + e)), ep.e), z, dy);
}

// -2|z| without overflow: -inf only for infinite z, so that exp_parts gives tanh'(z) = 0 exactly there
// and a tiny positive value (not 0) for a finite z near FLT_MAX.
fn minus_2_abs(z: vec4<f32>) -> vec4<f32> {
  return select(-2.0 * min(abs(z), vec4(1000.0)), -abs(z), is_inf(z));
}

fn tanh_forward(z: vec4<f32>) -> vec4<f32> {
  // tanh|z| = (1 - e) / (1 + e) with e = e^-2|z|, written with expm1 so it does not cancel near 0.
  // The built-in tanh returns NaN for |z| > ~88 on the software adapter.
  let em1 = expm1_nonpositive(minus_2_abs(z));
  return keep_nan(with_sign_of(-em1 / (2.0 + em1), z), z, z);
}

fn tanh_backward(z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  // tanh'(z) = 4e / (1 + e)^2 with e = e^-2|z|. The factor 4 goes into the exponent: 4e as a float
  // would flush near |z| = 44 while tanh'(z) is still a normal number.
  let ep = exp_parts(minus_2_abs(z));
  let e = scale2(ep.m, ep.e);
  return keep_nan(mul_scaled(dy, ep.m / ((1.0 + e) * (1.0 + e)), ep.e + vec4(2)), z, dy);
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
