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
  // Normal f16: rebias the exponent (127 → 15) and round off 13 mantissa bits, adding just under
  // half of them plus the kept lowest bit (ties to even); a carry out of the mantissa moves into the
  // exponent, which is the right result.
  let r = a - vec4(0x38000000u);
  var h = (r + vec4(0xfffu) + ((r >> vec4(13u)) & vec4(1u))) >> vec4(13u);
  // Subnormal f16 (rare in most data: only computed when some lane needs it): the 24-bit f32
  // mantissa times 2^(e − 126) is m in units of 2⁻²⁴, the shift 14..24 here (clamped at 25: below
  // 2⁻²⁵ every result rounds to 0, and the clamp keeps it so).
  let tiny = a < vec4(0x38800000u);
  if (any(tiny)) {
    let shift = min(vec4(126u) - min(a >> vec4(23u), vec4(126u)), vec4(25u));
    let mant = (a & vec4(0x7fffffu)) | vec4(0x800000u);
    let q = mant >> shift;
    let rest = mant - (q << shift);
    let halfway = vec4(1u) << (shift - vec4(1u));
    let up = (rest > halfway) | ((rest == halfway) & ((q & vec4(1u)) == vec4(1u)));
    h = select(h, q + select(vec4(0u), vec4(1u), up), tiny);
  }
  h = select(h, vec4(0x7c00u), a >= vec4(0x477ff000u));
  h = select(h, vec4(0x7e00u) | ((a >> vec4(13u)) & vec4(0x3ffu)), a > vec4(0x7f800000u));
  return ((b >> vec4(16u)) & vec4(0x8000u)) | h;
}
