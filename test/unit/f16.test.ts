// Tests of the f16 interval code and conversions themselves: the f16 GPU tests are only as good as these.
import { describe, expect, test } from 'vitest';
import {
  F16_VALUES, MAX_F16, f16Bits, f16FromBits, f16FromOrdinal, f16Interval, f16Ordinal, f16Round, f16Spacing, f16UlpDistance,
} from '../../src/numerics/accuracy.js';
import { f16BitsOfF32, roundToF16Bits } from '../../src/numerics/f16.js';
import { checkElementwiseF16, randomUint32 } from '../../src/numerics/verify.js';

const S = 2 ** -24; // the smallest f16 subnormal, and the spacing of all of them

describe('f16Round: nearest, ties to even, from float64 in one rounding', () => {
  test('ties go to the even neighbour, both ways', () => {
    expect(f16Round(1 + 2 ** -11)).toBe(1); // halfway between 1 and 1 + 2⁻¹⁰: 1 is even
    expect(f16Round(1 + 3 * 2 ** -11)).toBe(1 + 2 * 2 ** -10); // halfway, the upper one is even
    expect(f16Round(1 + 2 ** -11 + 2 ** -40)).toBe(1 + 2 ** -10); // just past halfway
    expect(f16Round(-(1 + 2 ** -11))).toBe(-1);
  });

  test('overflow goes to ±∞ from 65520, halfway from 65504 to 2¹⁶', () => {
    expect(f16Round(MAX_F16)).toBe(MAX_F16);
    expect(f16Round(65519.99)).toBe(MAX_F16);
    expect(f16Round(65520)).toBe(Infinity); // a tie: 65504's mantissa is odd
    expect(f16Round(-1e300)).toBe(-Infinity);
    expect(f16Round(Infinity)).toBe(Infinity);
  });

  test('subnormals are multiples of 2⁻²⁴, with ties to even; below 2⁻²⁵ is ±0', () => {
    expect(f16Round(S)).toBe(S);
    expect(f16Round(0.5 * S)).toBe(0); // a tie between 0 and 2⁻²⁴: 0 is even
    expect(f16Round(0.5 * S + 2 ** -60)).toBe(S);
    expect(f16Round(1.5 * S)).toBe(2 * S);
    expect(f16Round(2.5 * S)).toBe(2 * S);
    expect(Object.is(f16Round(-1e-30), -0)).toBe(true);
    expect(f16Round(1023.5 * S)).toBe(1024 * S); // rounds up into the smallest normal, 2⁻¹⁴
  });

  test('NaN stays NaN, ±0 keep their sign', () => {
    expect(f16Round(NaN)).toBeNaN();
    expect(Object.is(f16Round(-0), -0)).toBe(true);
  });

  test('agrees with Math.f16round where the engine has it (every f16, every midpoint, neighbours of both)', () => {
    const f16round = (Math as { f16round?: (x: number) => number }).f16round;
    // Node 20 has no Math.f16round: there the explicit cases above carry the test.
    if (!f16round) return expect(typeof f16round).toBe('undefined');
    for (let b = 0; b < 0x7c00; b++) {
      const v = F16_VALUES[b]!;
      const mid = (v + F16_VALUES[b + 1]!) / 2;
      for (const x of [v, mid, mid * (1 + 2 ** -40), mid * (1 - 2 ** -40), -mid]) expect(f16Round(x)).toBe(f16round(x));
    }
  });
});

describe('f16 bits and ordinals', () => {
  test('bits round-trip through f16FromBits for every non-NaN pattern', () => {
    for (let b = 0; b < 65536; b++) {
      const v = f16FromBits(b);
      if (Number.isNaN(v)) continue;
      expect(f16Bits(v)).toBe(b);
    }
  });

  test('NaN patterns are the exponent 0x1f with a mantissa, ∞ without one', () => {
    expect(f16FromBits(0x7c00)).toBe(Infinity);
    expect(f16FromBits(0xfc00)).toBe(-Infinity);
    expect(f16FromBits(0x7c01)).toBeNaN();
    expect(f16FromBits(0xfe00)).toBeNaN();
    expect(f16Bits(NaN)).toBe(0x7e00);
  });

  test('ordinals: ±0 at 0, neighbours one apart across zero, ∞ one past 65504', () => {
    expect(f16Ordinal(0)).toBe(0);
    expect(f16Ordinal(-0)).toBe(-0);
    expect(f16Ordinal(S)).toBe(1);
    expect(f16UlpDistance(S, -S)).toBe(2);
    expect(f16Ordinal(Infinity) - f16Ordinal(MAX_F16)).toBe(1);
    expect(f16FromOrdinal(f16Ordinal(-3.5))).toBe(-3.5);
    expect(f16UlpDistance(1, NaN)).toBe(Infinity);
    expect(() => f16Ordinal(NaN)).toThrow(RangeError);
  });

  test('f16Spacing: 2⁻²⁴ among the subnormals, 2^(e−10) in a binade', () => {
    expect(f16Spacing(0)).toBe(S);
    expect(f16Spacing(1023 * S)).toBe(S);
    expect(f16Spacing(2 ** -14)).toBe(S);
    expect(f16Spacing(1)).toBe(2 ** -10);
    expect(f16Spacing(-1.999)).toBe(2 ** -10);
    expect(f16Spacing(2)).toBe(2 ** -9);
  });
});

describe('f16Interval', () => {
  test('0 ULP accepts only the correctly rounded value; 1 ULP one step either side', () => {
    const a = f16Interval(1 + 2 ** -12, 0);
    expect(a.contains(1)).toBe(true);
    expect(a.contains(1 + 2 ** -10)).toBe(false);
    const b = f16Interval(1, 1);
    expect(b.contains(1 + 2 ** -10)).toBe(true);
    expect(b.contains(1 - 2 ** -11)).toBe(true);
    expect(b.contains(1 + 2 ** -9)).toBe(false);
  });

  test('subnormal results at 2⁻²⁴ absolute, across zero too', () => {
    const a = f16Interval(0.3 * S, 1);
    expect(a.contains(0)).toBe(true);
    expect(a.contains(S)).toBe(true);
    expect(a.contains(-S)).toBe(true);
    expect(a.contains(2 * S)).toBe(false);
  });

  test('beyond the range only ±∞; within a step of 65504 both 65504 and ∞', () => {
    expect(f16Interval(1e6, 1).contains(Infinity)).toBe(true);
    expect(f16Interval(1e6, 1).contains(MAX_F16)).toBe(false);
    expect(f16Interval(65536, 1).contains(MAX_F16)).toBe(false);
    expect(f16Interval(65530, 1).contains(MAX_F16)).toBe(true);
    expect(f16Interval(65530, 1).contains(Infinity)).toBe(true);
    expect(f16Interval(65504, 1).contains(Infinity)).toBe(true);
    expect(f16Interval(65504, 0).contains(Infinity)).toBe(false);
    expect(f16Interval(-1e6, 5).contains(Infinity)).toBe(false);
  });

  test('NaN only for NaN, never for a number', () => {
    expect(f16Interval(NaN, 0).contains(NaN)).toBe(true);
    expect(f16Interval(NaN, 0).contains(0)).toBe(false);
    expect(f16Interval(1, 100).contains(NaN)).toBe(false);
  });
});

describe('f32 → f16 with integer operations (the kernels\' f16_round, mirrored for uploads)', () => {
  test('equals f16Bits (rounding from float64) on every f16, every midpoint and its neighbours, and on random f32s', () => {
    const cases: number[] = [];
    for (let b = 0; b < 0x7c00; b++) {
      const v = F16_VALUES[b]!;
      const mid = Math.fround((v + F16_VALUES[b + 1]!) / 2); // exact in f32: a midpoint has 12 bits
      const up = new Float32Array([mid]);
      const bits = new Uint32Array(up.buffer);
      bits[0]! += 1;
      const above = up[0]!;
      bits[0]! -= 2;
      cases.push(v, mid, above, up[0]!, -mid);
    }
    const next = randomUint32(1);
    const random = new Float32Array(new Uint32Array(200_000).map(() => next()).buffer);
    for (const v of [...cases, ...random]) {
      if (Number.isNaN(v)) continue;
      const want = f16Bits(v);
      const got = f16BitsOfF32(v);
      if (got !== want) expect({ v, got: got.toString(16) }).toEqual({ v, got: want.toString(16) });
    }
  });

  test('NaN stays a quiet NaN with its sign; ±∞ and f32 subnormals', () => {
    expect(f16BitsOfF32(NaN) & 0x7e00).toBe(0x7e00);
    const negNaN = new Float32Array(new Uint32Array([0xffc00001]).buffer)[0]!;
    expect(f16BitsOfF32(negNaN) & 0xfe00).toBe(0xfe00);
    expect(Array.from(roundToF16Bits(new Float32Array([Infinity, -Infinity, 1e-40, -1e-45])))).toEqual([0x7c00, 0xfc00, 0, 0x8000]);
  });
});

describe('checkElementwiseF16', () => {
  const x = Uint16Array.from([0x3c00, 0xbc00, 0x7c00, 0x7e00, 0x0001]); // 1, −1, ∞, NaN, 2⁻²⁴

  test('accepts the correctly rounded results, and one ULP off where the bound is 1', () => {
    const tanh = Array.from(x, (h) => f16Bits(Math.tanh(F16_VALUES[h]!)));
    expect(checkElementwiseF16('tanh', 'forward', {}, x, undefined, Uint16Array.from(tanh)).failures).toEqual([]);
    tanh[0]! += 1;
    const c = checkElementwiseF16('tanh', 'forward', {}, x, undefined, Uint16Array.from(tanh));
    expect(c.failures).toEqual([]);
    expect(c.maxUlps).toBe(1);
  });

  test('refuses one ULP off an exact op (relu), at ±∞ (special values), and a number for NaN', () => {
    const relu = Uint16Array.from([0x3c00, 0x0000, 0x7c00, 0x7e00, 0x0001]);
    expect(checkElementwiseF16('relu', 'forward', {}, x, undefined, relu).failures).toEqual([]);
    expect(checkElementwiseF16('relu', 'forward', {}, x, undefined, Uint16Array.from([0x3c01, 0, 0x7c00, 0x7e00, 1])).failureCount).toBe(1);
    // tanh(∞) = 1 exactly: 1 ULP below is refused there.
    const tanh = Uint16Array.from([f16Bits(Math.tanh(1)), f16Bits(Math.tanh(-1)), 0x3bff, 0x7e00, 0x0001]);
    expect(checkElementwiseF16('tanh', 'forward', {}, x, undefined, tanh).failureCount).toBe(1);
    expect(checkElementwiseF16('relu', 'forward', {}, x, undefined, Uint16Array.from([0x3c00, 0, 0x7c00, 0, 1])).failureCount).toBe(1);
  });

  test('near a zero crossing of f\' (mish at −1.19), the entry\'s absolute tolerance ×|dy| plus a spacing applies, as in f32', () => {
    // The demo's seed found it: mish'(−1.1923828125) ≈ 1.3e-5, so dy·f' at dy = −246 is 1 ULP off
    // the f16 rounding while the f32 kernel is within its absolute tolerance there.
    const x = Uint16Array.from([f16Bits(-1.1923828125)]);
    const dy = Uint16Array.from([f16Bits(-246.125)]);
    const near = checkElementwiseF16('mish', 'backward', {}, x, dy, Uint16Array.from([0x9a85]));
    expect(near.failures).toEqual([]);
    expect(near.worstAbsolute!.fraction).toBeGreaterThan(0);
    expect(near.worstAbsolute!.fraction).toBeLessThanOrEqual(1);
    // The tolerance there is 32·2⁻²⁴·(the largest term)·|dy| + one spacing, about 65 f16 steps at
    // this dy; past it (0x9ad0 is 75 steps out) is refused.
    expect(checkElementwiseF16('mish', 'backward', {}, x, dy, Uint16Array.from([0x9ac0])).failures).toEqual([]);
    expect(checkElementwiseF16('mish', 'backward', {}, x, dy, Uint16Array.from([0x9ad0])).failureCount).toBe(1);
  });
});
