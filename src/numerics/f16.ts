// f32 → f16 on the CPU, for act.tensor(Float32Array, { dtype: 'f16' }): the integer rounding of
// f16_round in shaders/f16.wgsl, element by element, so that an upload rounds exactly as a kernel's
// store does. Engines without Float16Array (Node 20) need it as well.

const word = new Float32Array(1);
const bitsOf = new Uint32Array(word.buffer);

/** The f16 bits of f32 `v`: nearest, ties to even; ±∞ from 65520; NaN quiet; subnormals exact. */
export function f16BitsOfF32(v: number): number {
  word[0] = v;
  const b = bitsOf[0]!;
  const sign = (b >>> 16) & 0x8000;
  const a = b & 0x7fffffff;
  if (a > 0x7f800000) return sign | 0x7e00 | ((a >>> 13) & 0x3ff);
  if (a >= 0x477ff000) return sign | 0x7c00;
  if (a >= 0x38800000) {
    const r = a - 0x38000000;
    const kept = r >>> 13;
    const dropped = r & 0x1fff;
    return sign | (kept + (dropped > 0x1000 || (dropped === 0x1000 && (kept & 1) === 1) ? 1 : 0));
  }
  const shift = Math.min(126 - Math.min(a >>> 23, 126), 25);
  const mant = (a & 0x7fffff) | 0x800000;
  const q = mant >>> shift;
  const rest = mant - q * 2 ** shift;
  const halfway = 2 ** (shift - 1);
  return sign | (q + (rest > halfway || (rest === halfway && (q & 1) === 1) ? 1 : 0));
}

/** Every element of `values` rounded to f16 bits. */
export function roundToF16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f16BitsOfF32(values[i]!);
  return out;
}
