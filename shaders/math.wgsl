// Numerical building blocks shared by every kernel. All work on vec4<f32> lanes.
//
// Why not the built-ins: on the software adapter (SwiftShader) `exp(NaN)` is +inf, `x != x` folds to
// false, subnormals flush in arithmetic, comparisons and `exp`, and `exp` strays up to ~64 ULP near
// its underflow edge. So NaN is detected from the bits, and exp is computed here (Cody–Waite range
// reduction + a degree-7 polynomial) as a mantissa and a separate integer exponent, so that a
// product like dy · e^x can be formed before anything underflows.
//
// Cost: the software adapter runs this code on the CPU, and some WGSL operations expand into long
// sequences there: float clamp/min/max (NaN-aware), round, f32→i32 conversion (saturating), shifts,
// and unsigned comparisons each cost several times an add (measured with bench/). The functions
// below avoid them with forms that give the same bits for every input: a multiply for a shift, a
// signed compare of non-negative values, selects for a clamp, the 1.5·2^23 rounding trick for
// round() and its conversion to an integer. Checked bit for bit against the previous forms (every
// activation and mode, 2.5e8 inputs each spread over all f32 bit patterns, and every input with |z|
// in [0.25, 2048)); the one difference is elu's -0 for negative subnormals (activations.wgsl).

// The f32 exponent field: all ones in ±∞ and NaN, and the bits of +∞ alone.
const EXPONENT_BITS: u32 = 0x7f800000u;

fn is_nan(v: vec4<f32>) -> vec4<bool> {
  // |v|'s bits fit in an i32 without its sign bit: a signed compare gives the unsigned answer.
  return bitcast<vec4<i32>>(bitcast<vec4<u32>>(v) & vec4(0x7fffffffu)) > vec4(i32(EXPONENT_BITS));
}

fn is_inf(v: vec4<f32>) -> vec4<bool> {
  return (bitcast<vec4<u32>>(v) & vec4(0x7fffffffu)) == vec4(EXPONENT_BITS);
}

fn is_pos_inf(v: vec4<f32>) -> vec4<bool> {
  return bitcast<vec4<u32>>(v) == vec4(EXPONENT_BITS);
}

// r, except NaN where z or dy is NaN. Needed because select/max/min and exp can turn NaN into a number.
fn keep_nan(r: vec4<f32>, z: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  return select(select(r, dy, is_nan(dy)), z, is_nan(z));
}

// r, except NaN where z is NaN: keep_nan for a function of z alone (one test, not two).
fn nan_of(r: vec4<f32>, z: vec4<f32>) -> vec4<f32> {
  return select(r, z, is_nan(z));
}

// The magnitude of r with the sign bit of s (so tanh(-0) = -0).
fn with_sign_of(r: vec4<f32>, s: vec4<f32>) -> vec4<f32> {
  let sign = bitcast<vec4<u32>>(s) & vec4(0x80000000u);
  return bitcast<vec4<f32>>((bitcast<vec4<u32>>(r) & vec4(0x7fffffffu)) | sign);
}

// 2^e for integer e in [-126, 127], built from the exponent bits (× 2^23 is << 23).
fn pow2(e: vec4<i32>) -> vec4<f32> {
  return bitcast<vec4<f32>>(bitcast<vec4<u32>>(e + vec4(127)) * vec4(0x800000u));
}

// round(v) as an i32, for |v| < 2^22: v + 1.5·2^23 lies where the float's last place is 1, so the
// add rounds v to an integer (to nearest, ties to even, as round() does), which the low mantissa bits
// then hold (plus 0x4B400000).
const ROUND_SHIFT: f32 = 12582912.0;
fn round_to_i32(v: vec4<f32>) -> vec4<i32> {
  return bitcast<vec4<i32>>(v + ROUND_SHIFT) - vec4(0x4B400000);
}

// m · 2^e with a single rounding at the end, for m in [2^-4, 4] and any e. The scale is applied in
// two halves so that neither factor over- or underflows before the final product does.
fn scale2(m: vec4<f32>, e: vec4<i32>) -> vec4<f32> {
  let ec = clamp(e, vec4(-252), vec4(252));
  let e1 = round_to_i32(floor(vec4<f32>(ec) * 0.5)); // ec >> 1
  return (m * pow2(e1)) * pow2(ec - e1);
}

// exp(x) = m · 2^e. m is in [0.70, 1.42], or exactly 0 when x = -inf.
struct ExpParts {
  m: vec4<f32>,
  e: vec4<i32>,
}

const LOG2E: f32 = 1.44269504;
// ln 2 split so that k · LN2_HI is exact for |k| < 2^12 (LN2_HI has 12 significant bits).
const LN2_HI: f32 = 0.693115234375;
const LN2_LO: f32 = 3.19461833e-05;

// exp(x + carry), where carry is a small correction the caller knows x is missing (the rounding error
// of a subtraction, for softmax); pass 0 otherwise. Accurate to about 1 ULP in m for all x.
fn exp_parts_carry(x: vec4<f32>, carry: vec4<f32>) -> ExpParts {
  // Below -400, e^x · (any two f32 factors) still rounds to 0; above 89, e^x overflows f32.
  // clamp(x, -400, 89), written as selects so that a NaN x still gives a NaN m (its e is then
  // meaningless).
  let xc = select(select(x, vec4(-400.0), x < vec4(-400.0)), vec4(89.0), x > vec4(89.0));
  // k = round(x · log2 e), as an integer and as a float. Not (t + 1.5·2^23) − 1.5·2^23: the adapter's
  // compiler reassociates that back to t.
  let ki = round_to_i32(xc * LOG2E);
  let k = vec4<f32>(ki);
  let r = ((xc - k * LN2_HI) + carry) - k * LN2_LO; // |r| <= 0.347
  // Taylor to degree 7: truncation error below 0.1 ULP on |r| <= 0.347.
  let p = 1.0 + r * (1.0 + r * (0.5 + r * (0.166666667 + r * (0.0416666667 + r * (0.00833333333
        + r * (0.00138888889 + r * 0.000198412698))))));
  // exp(-inf) is exactly 0 (0xff800000 is -inf).
  return ExpParts(select(p, vec4(0.0), bitcast<vec4<u32>>(x) == vec4(0xff800000u)), ki);
}

fn exp_parts(x: vec4<f32>) -> ExpParts {
  return exp_parts_carry(x, vec4(0.0));
}

// ---- The lean exp of the elementwise kernels: arguments a <= 0 (or NaN) only ----
//
// e^a = 2^k · (1 + q), a = k·ln 2 + r, |r| <= ln2/2, q = e^r − 1. 2^k is built from the exponent
// bits, and the argument is clamped (with selects, which let NaN through) where k = −127 makes those
// bits 0: so −∞ gives 0 and NaN gives NaN by plain arithmetic, with no bit tests, no frexp and no
// two-step scaling. An exponent shift moves 2^k up by a whole number of binades where a product
// must not underflow before its last factor joins (the backward kernels).

struct ExpSplit {
  q: vec4<f32>, // e^r − 1
  t: vec4<i32>, // 0x4B400000 + k: the bits of k·1 + 1.5·2^23
}

// Where k = round(a·log2 e) reaches −127 (e^a < 2^-126.5, a subnormal result): 2^k's bits are 0.
const EXP_FLOOR: f32 = -88.0;

// e^a's split, the argument first clamped to >= lo (lo = EXP_FLOOR unless an exponent shift keeps
// smaller values normal).
fn exp_split(a: vec4<f32>, lo: f32) -> ExpSplit {
  return exp_split_carry(a, vec4(0.0), lo);
}

// exp_split of a + carry, carry a small correction the caller knows a is missing (the rounding error
// of a subtraction, for softmax), ignored where a is clamped.
fn exp_split_carry(a: vec4<f32>, carry: vec4<f32>, lo: f32) -> ExpSplit {
  let ac = select(a, vec4(lo), a < vec4(lo));
  // round(ac·log2 e) by the 1.5·2^23 trick: the low mantissa bits of t hold it.
  let t = bitcast<vec4<i32>>(ac * LOG2E + ROUND_SHIFT);
  let k = vec4<f32>(t - vec4(0x4B400000));
  let r = ((ac - k * LN2_HI) + select(carry, vec4(0.0), a < vec4(lo))) - k * LN2_LO;
  // q = r + r²·P(r), P of degree 4 fitted for the least maximum relative error of q on
  // |r| <= ln2/2: q and 1 + q are within 1 ULP in f32 arithmetic. The form keeps q's relative
  // accuracy near r = 0, which expm1 needs at k = 0. (P of degree 3 would leave q 8 ULP off.)
  let q = r + r * r * (0.499999981 + r * (0.166665432 + r * (0.0416672018 + r * (0.00836658353 + r * 0.00138825171))));
  return ExpSplit(q, t);
}

// 2^(k + shift) for k + shift in [−127, 127]; 0 at −127. (t − 0x4B400000 + 127 + shift) · 2^23.
fn pow2_shifted(t: vec4<i32>, shift: vec4<i32>) -> vec4<f32> {
  return bitcast<vec4<f32>>(bitcast<vec4<u32>>(t + shift - vec4(0x4B400000 - 127)) * vec4(0x800000u));
}

// 2^(k + shift)·(1 + q): the value of a split, moved up `shift` binades.
fn split_value(e: ExpSplit, shift: vec4<i32>) -> vec4<f32> {
  return pow2_shifted(e.t, shift) * (1.0 + e.q);
}

// e^a for a <= 0: 0 below the normal range, NaN for NaN.
fn exp_nonpositive(a: vec4<f32>) -> vec4<f32> {
  return split_value(exp_split(a, EXP_FLOOR), vec4(0));
}

// e^(a + carry) for a <= 0, as exp_nonpositive: for an argument computed with a known rounding error.
fn exp_nonpositive_carry(a: vec4<f32>, carry: vec4<f32>) -> vec4<f32> {
  return split_value(exp_split_carry(a, carry, EXP_FLOOR), vec4(0));
}

// e^a − 1 for a <= 0 as (2^k − 1) + 2^k·q: at k = 0 it is q itself, so nothing cancels near 0; for
// k <= −1 the result is at most −0.29 and 2^k − 1 is exact. −1 at −∞, NaN for NaN.
fn expm1_nonpositive(a: vec4<f32>) -> vec4<f32> {
  let e = exp_split(a, EXP_FLOOR);
  let s = pow2_shifted(e.t, vec4(0));
  return (s - 1.0) + s * e.q;
}

// dy · (qm · 2^qe), for qm in [0.17, 1.42], rounded once: dy's own exponent is split off with frexp so
// that a huge dy times a subnormal-sized derivative still gives the right normal result.
fn mul_scaled(dy: vec4<f32>, qm: vec4<f32>, qe: vec4<i32>) -> vec4<f32> {
  let d = frexp(dy);
  let r = scale2(qm * d.fract, qe + d.exp);
  // frexp(±inf) is undefined: there the product is ±inf, or NaN where the derivative is exactly 0.
  return select(r, dy * qm, is_inf(dy));
}

// ---- Scalars, exact differences and compensated sums (the softmax kernels') ----

// Infinities and NaN cannot be WGSL constants; built at run time from the bits.
var<private> INF_BITS: u32 = EXPONENT_BITS;

fn pos_inf() -> f32 {
  return bitcast<f32>(INF_BITS);
}

fn neg_inf() -> f32 {
  return -pos_inf();
}

fn nan() -> f32 {
  return bitcast<f32>(INF_BITS | 0x400000u);
}

fn is_nan1(v: f32) -> bool {
  return is_nan(vec4(v)).x;
}

// ±∞ or NaN: a row statistic whose max is not finite marks a row whose softmax is NaN.
fn not_finite(v: f32) -> bool {
  return (bitcast<u32>(v) & EXPONENT_BITS) == EXPONENT_BITS;
}

// a − b as hi + lo exactly (TwoSum, no branch, no assumption on |a| vs |b|). lo is 0 where hi is not
// finite: there the error term would be ∞ or NaN.
struct Diff {
  hi: vec4<f32>,
  lo: vec4<f32>,
}

fn exact_diff(a: vec4<f32>, b: vec4<f32>) -> Diff {
  let d = two_diff(a, b);
  return Diff(d.hi, select(d.lo, vec4(0.0), is_inf(d.hi) | is_nan(d.lo)));
}

// exact_diff without the care for infinities: lo is NaN where hi is not finite.
fn two_diff(a: vec4<f32>, b: vec4<f32>) -> Diff {
  let hi = a - b;
  let bb = hi - a;
  return Diff(hi, (a - (hi - bb)) + (-b - bb));
}

// e^(a − b) as mantissa and exponent, accurate even where a − b is not an f32: the rounding error of
// the subtraction goes into exp as its carry. Exactly 0 where a is −∞ (masked, or an empty lane).
fn exp_diff(a: vec4<f32>, b: vec4<f32>) -> ExpParts {
  let d = exact_diff(a, b);
  // Beyond [-400, 89] exp_parts_carry clamps its argument, and a carry would no longer be small.
  let carry = select(d.lo, vec4(0.0), abs(d.hi) > vec4(400.0));
  var p = exp_parts_carry(d.hi, carry);
  p.m = select(p.m, vec4(0.0), bitcast<vec4<u32>>(a) == vec4(0xff800000u));
  return p;
}

// e^(a − b) as exp_split's parts, for a − b <= 88 (softmax's x − m or x − r): the rounding error of
// the subtraction goes in as the carry (exp_split_carry ignores it where a − b is −∞). 0 where a − b
// is −∞ or below the normal range; NaN where it is NaN.
fn exp_diff_split(a: vec4<f32>, b: vec4<f32>) -> ExpSplit {
  let d = two_diff(a, b);
  return exp_split_carry(d.hi, d.lo, EXP_FLOOR);
}

fn exp_diff1(a: f32, b: f32) -> f32 {
  let p = exp_diff(vec4(a), vec4(b));
  return scale2(p.m, p.e).x;
}

// (sum, compensation) + t: the rounding error of each addition is kept (TwoSum), so a sum's error
// does not grow with the number of terms. An infinite sum keeps no compensation (it would be NaN).
fn add_compensated(acc: vec2<f32>, t: f32) -> vec2<f32> {
  let s = acc.x + t;
  let bb = s - acc.x;
  let err = (acc.x - (s - bb)) + (t - bb);
  return vec2(s, acc.y + select(err, 0.0, not_finite(s)));
}
