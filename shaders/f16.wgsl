// f16 storage: the conversions between f16 bits (the low 16 bits of a u32) and f32, done with
// integer operations only. WGSL's pack2x16float and f16() leave the rounding of an f32 that is not
// an f16 to the implementation, and make results beyond the f16 range indeterminate; these do not
// depend on the adapter, need no `shader-f16`, and are exact where f32 arithmetic would be flushed.

// The f32 of four f16s, exactly. f16 subnormals (m·2⁻²⁴) are normal f32s: their leading bit sets
// the exponent, and the mantissa is shifted up past it, so no f32 subnormal is ever produced.
fn f16_widen(h: vec4<u32>) -> vec4<f32> {
  let sign = (h & vec4(0x8000u)) << vec4(16u);
  let e = (h >> vec4(10u)) & vec4(0x1fu);
  let m = h & vec4(0x3ffu);
  let normal = ((e + vec4(112u)) << vec4(23u)) | (m << vec4(13u));
  let special = vec4(0x7f800000u) | (m << vec4(13u)); // ±∞, and NaN with its payload
  let lead = firstLeadingBit(m); // 0..9 for m != 0
  let sub = ((lead + vec4(103u)) << vec4(23u)) | ((m << (vec4(23u) - lead)) & vec4(0x7fffffu));
  var bits = select(normal, special, e == vec4(0x1fu));
  bits = select(bits, select(sub, vec4(0u), m == vec4(0u)), e == vec4(0u));
  return bitcast<vec4<f32>>(sign | bits);
}

// The f16 bits of four f32s, rounded to nearest, ties to even: from 65520 up (halfway to the next
// binade) ±∞, NaN a quiet NaN keeping the top of its payload, and below 2⁻¹⁴ the f16 subnormal
// m·2⁻²⁴ rounded from the f32 mantissa itself. An f32 subnormal (|v| < 2⁻¹²⁶) rounds to ±0.
fn f16_round(v: vec4<f32>) -> vec4<u32> {
  let b = bitcast<vec4<u32>>(v);
  let sign = (b >> vec4(16u)) & vec4(0x8000u);
  let a = b & vec4(0x7fffffffu);
  // Normal f16: rebias the exponent (127 → 15) and round off 13 mantissa bits; a carry out of the
  // mantissa moves into the exponent, which is the right result (up to 0x7c00, ∞, from 65520).
  let r = a - vec4(0x38000000u);
  let kept = r >> vec4(13u);
  let dropped = r & vec4(0x1fffu);
  let up = (dropped > vec4(0x1000u)) | ((dropped == vec4(0x1000u)) & ((kept & vec4(1u)) == vec4(1u)));
  let normal = kept + select(vec4(0u), vec4(1u), up);
  // Subnormal f16: the 24-bit f32 mantissa times 2^(e − 126) is m in units of 2⁻²⁴; the shift is
  // 14..24 in this range (clamped: below 2⁻²⁵ every result rounds to 0, and the clamp keeps it so).
  let e = a >> vec4(23u);
  let shift = min(vec4(126u) - min(e, vec4(126u)), vec4(25u));
  let mant = (a & vec4(0x7fffffu)) | vec4(0x800000u);
  let q = mant >> shift;
  let rest = mant - (q << shift);
  let halfway = vec4(1u) << (shift - vec4(1u));
  let sub_up = (rest > halfway) | ((rest == halfway) & ((q & vec4(1u)) == vec4(1u)));
  let sub = q + select(vec4(0u), vec4(1u), sub_up);
  var h = select(sub, normal, a >= vec4(0x38800000u));
  h = select(h, vec4(0x7c00u), a >= vec4(0x477ff000u));
  h = select(h, vec4(0x7e00u) | ((a >> vec4(13u)) & vec4(0x3ffu)), a > vec4(0x7f800000u));
  return sign | h;
}
