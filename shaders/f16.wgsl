// f16 storage: the conversions between f16 bits (the low 16 bits of a u32) and f32, done with
// integer operations only. WGSL's pack2x16float and f16() leave the rounding of an f32 that is not
// an f16 to the implementation, and make results beyond the f16 range indeterminate; these do not
// depend on the adapter, need no `shader-f16`, and are exact where f32 arithmetic would be flushed.

// The f32 of four f16s, exactly. f16 subnormals (m·2⁻²⁴) are normal f32s: m is converted (exact
// below 2¹⁰) and scaled by 2⁻²⁴, which stays in the normal f32 range, so nothing is flushed.
fn f16_widen(h: vec4<u32>) -> vec4<f32> {
  let a = h & vec4(0x7fffu);
  // Rebias the exponent (15 → 127); ±∞ and NaN (exponent 31) keep an all-ones exponent and the payload.
  let normal = (a << vec4(13u)) + vec4(0x38000000u);
  let special = (a << vec4(13u)) | vec4(0x7f800000u);
  let sub = bitcast<vec4<u32>>(vec4<f32>(a) * 5.9604644775390625e-8);
  var bits = select(normal, special, a >= vec4(0x7c00u));
  bits = select(bits, sub, a < vec4(0x400u));
  return bitcast<vec4<f32>>(bits | ((h & vec4(0x8000u)) << vec4(16u)));
}

// The f16 bits of four f32s, rounded to nearest, ties to even: from 65520 up (halfway to the next
// binade) ±∞, NaN a quiet NaN keeping the top of its payload, and below 2⁻¹⁴ the f16 subnormal
// m·2⁻²⁴ rounded from the f32 mantissa itself. An f32 subnormal (|v| < 2⁻¹²⁶) rounds to ±0.
fn f16_round(v: vec4<f32>) -> vec4<u32> {
  let b = bitcast<vec4<u32>>(v);
  let a = b & vec4(0x7fffffffu);
  // One formula, no branch, for both kinds of result: round m to nearest, ties to even, dropping its
  // low s bits, by adding just under half of them plus the lowest kept bit, then shifting.
  // Normal f16: m is a with the exponent rebiased (127 → 15) and s = 13; a carry out of the mantissa
  // moves into the exponent, which is the right result. Subnormal f16 (below 2⁻¹⁴): m is the 24-bit
  // f32 mantissa, whose value times 2^(e − 126) is m in units of 2⁻²⁴, so s = 126 − e, clamped at 25:
  // below 2⁻²⁵ (±0 included) every result rounds to 0, and the clamp keeps it so.
  // A branch for the tiny lanes cost more than this on SwiftShader, even one that left exact zeros
  // (relu writes them for half its inputs) to a select: relu forward 2²² f16 ran at 0.19 × our f32
  // with the branch, 0.22 without it; on the 16-byte path, 0.24 with the zero-skipping branch, 0.30
  // without (bench/run.mjs --filter, 5 samples).
  let tiny = a < vec4(0x38800000u);
  let m = select(a - vec4(0x38000000u), (a & vec4(0x7fffffu)) | vec4(0x800000u), tiny);
  let s = select(vec4(13u), min(vec4(126u) - (a >> vec4(23u)), vec4(25u)), tiny);
  var h = (m + (vec4(1u) << (s - vec4(1u))) - vec4(1u) + ((m >> s) & vec4(1u))) >> s;
  h = select(h, vec4(0x7c00u), a >= vec4(0x477ff000u));
  h = select(h, vec4(0x7e00u) | ((a >> vec4(13u)) & vec4(0x3ffu)), a > vec4(0x7f800000u));
  return ((b >> vec4(16u)) & vec4(0x8000u)) | h;
}
