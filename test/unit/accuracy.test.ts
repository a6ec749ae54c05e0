// Tests of the acceptance-interval code itself: if it were wrong, every GPU test would be meaningless.
import { describe, expect, test } from 'vitest';
import {
  MIN_NORMAL_F32, acceptFlushed, f32FromOrdinal, f32Ordinal, flushCandidates, measuredUlps, ulpDistance, ulpInterval,
} from '../../src/numerics/accuracy.js';

const next = (x: number) => f32FromOrdinal(f32Ordinal(x) + 1);
const prev = (x: number) => f32FromOrdinal(f32Ordinal(x) - 1);

describe('f32Ordinal', () => {
  test('puts ±0 at 0 and neighbours one apart', () => {
    expect(f32Ordinal(0)).toBe(0);
    expect(f32Ordinal(-0)).toBe(-0);
    expect(f32Ordinal(2 ** -149)).toBe(1); // smallest subnormal
    expect(f32Ordinal(-(2 ** -149))).toBe(-1);
    expect(f32Ordinal(1)).toBe(0x3f800000);
    expect(f32Ordinal(Infinity) - f32Ordinal(3.4028234663852886e38)).toBe(1);
  });

  test('rounds to f32 first, and round-trips through f32FromOrdinal', () => {
    expect(f32Ordinal(1 + 2 ** -30)).toBe(f32Ordinal(1));
    for (const v of [1, -1, 0.1, -3.5e38, 1e-40, -1e-45, Infinity, -Infinity]) {
      expect(f32FromOrdinal(f32Ordinal(v))).toBe(Math.fround(v));
    }
  });

  test('refuses NaN', () => {
    expect(() => f32Ordinal(NaN)).toThrow(RangeError);
  });
});

describe('ulpDistance', () => {
  test('counts f32 steps, across zero too', () => {
    expect(ulpDistance(1, next(1))).toBe(1);
    expect(ulpDistance(1, 1 + 2 ** -23 * 5)).toBe(5);
    expect(ulpDistance(2 ** -149, -(2 ** -149))).toBe(2);
    expect(ulpDistance(0, -0)).toBe(0);
  });

  test('is infinite for NaN, even against NaN', () => {
    expect(ulpDistance(NaN, NaN)).toBe(Infinity);
    expect(ulpDistance(1, NaN)).toBe(Infinity);
  });
});

describe('ulpInterval', () => {
  test('0 ULP accepts only the correctly rounded value', () => {
    const exact = 1 + 2 ** -25; // rounds to 1 (ties to even is not involved: below half an ULP)
    const a = ulpInterval(exact, 0);
    expect(a.contains(1)).toBe(true);
    expect(a.contains(next(1))).toBe(false);
    expect(a.contains(prev(1))).toBe(false);
  });

  test('k ULP accepts exactly k steps either side', () => {
    const a = ulpInterval(0.1, 3);
    let v = Math.fround(0.1);
    for (let i = 0; i < 3; i++) v = next(v);
    expect(a.contains(v)).toBe(true);
    expect(a.contains(next(v))).toBe(false);
  });

  test('NaN accepts only NaN; numbers never accept NaN', () => {
    expect(ulpInterval(NaN, 100).contains(NaN)).toBe(true);
    expect(ulpInterval(NaN, 100).contains(0)).toBe(false);
    expect(ulpInterval(1, 1e9).contains(NaN)).toBe(false);
  });

  test('never confuses +∞ with -∞ (tfjs once did)', () => {
    expect(ulpInterval(Infinity, 0).contains(Infinity)).toBe(true);
    expect(ulpInterval(Infinity, 0).contains(-Infinity)).toBe(false);
    expect(ulpInterval(-Infinity, 10).contains(Infinity)).toBe(false);
    expect(ulpInterval(-Infinity, 10).contains(-3.4028234663852886e38)).toBe(true);
  });

  test('a value past FLT_MAX rounds to ∞, and ∞ is one step past FLT_MAX', () => {
    expect(ulpInterval(1e39, 0).contains(Infinity)).toBe(true);
    expect(ulpInterval(3.4028234663852886e38, 1).contains(Infinity)).toBe(true);
    expect(ulpInterval(3.4028234663852886e38, 0).contains(Infinity)).toBe(false);
  });

  test('a subnormal exact result accepts anything of its sign up to 2^-126, ±0 included', () => {
    const a = ulpInterval(1e-40, 0);
    expect(a.contains(0)).toBe(true);
    expect(a.contains(-0)).toBe(true);
    expect(a.contains(MIN_NORMAL_F32)).toBe(true);
    expect(a.contains(next(MIN_NORMAL_F32))).toBe(false);
    expect(a.contains(-1e-40)).toBe(false);
    expect(ulpInterval(-1e-40, 0).contains(-MIN_NORMAL_F32)).toBe(true);
  });

  test('just below 2^-126 both rules apply: the flush rule, and the ULP steps above 2^-126', () => {
    // tanh backward at z = 1e-4, dy = 2^-126: the exact value is 2^-126·(1 − 1e-8), and the kernel's
    // 2^-126·(1 + 2^-23), one step above 2^-126, is within its ULP bound.
    const exact = MIN_NORMAL_F32 * (1 - 1e-8);
    expect(ulpInterval(exact, 1).contains(next(MIN_NORMAL_F32))).toBe(true);
    expect(ulpInterval(exact, 1).contains(next(next(MIN_NORMAL_F32)))).toBe(false);
    expect(ulpInterval(exact, 0).contains(next(MIN_NORMAL_F32))).toBe(false);
    expect(ulpInterval(exact, 0).contains(0)).toBe(true);
    expect(ulpInterval(-exact, 1).contains(-next(MIN_NORMAL_F32))).toBe(true);
  });

  test('a normal result whose interval reaches the subnormals also accepts the flushed ±0', () => {
    const justNormal = next(MIN_NORMAL_F32);
    expect(ulpInterval(justNormal, 4).contains(0)).toBe(true);
    expect(ulpInterval(justNormal, 0).contains(0)).toBe(false);
    expect(ulpInterval(1e-30, 1000).contains(0)).toBe(false);
  });

  test('±0 are the same value', () => {
    expect(ulpInterval(0, 0).contains(-0)).toBe(true);
    expect(ulpInterval(-0, 0).contains(0)).toBe(true);
  });
});

describe('flushCandidates and acceptFlushed', () => {
  test('a subnormal input may also have been read as a signed zero', () => {
    expect(flushCandidates(1e-40)).toEqual([1e-40, 0]);
    expect(flushCandidates(-1e-40).map((v) => Object.is(v, -0))).toEqual([false, true]);
    expect(flushCandidates(1e-30)).toEqual([1e-30]);
    expect(flushCandidates(0)).toEqual([0]);
  });

  test('accepts the result for either reading of the input, and nothing else', () => {
    // relu'(x) at a subnormal x: 1 if the GPU saw x, 0 if it flushed x to 0.
    const relu1 = (x: number) => (x > 0 ? 1 : 0);
    const a = acceptFlushed([1e-40], relu1, () => 0);
    expect(a.contains(1)).toBe(true);
    expect(a.contains(0)).toBe(true);
    expect(a.contains(0.5)).toBe(false);
    const normal = acceptFlushed([1e-30], relu1, () => 0);
    expect(normal.contains(0)).toBe(false);
  });

  test('combines every input: x and dy each flushed or not', () => {
    const product = (x: number, dy: number) => (x > 0 ? 1 : 0) * dy * 1e30;
    const a = acceptFlushed([1e-40, 1e-40], product, () => 0);
    expect(a.contains(Math.fround(1e-10))).toBe(true); // neither flushed
    expect(a.contains(0)).toBe(true); // either flushed
  });
});

describe('measuredUlps', () => {
  test('is 0 for matching NaN and for flushed subnormal results, ∞ for a NaN mismatch', () => {
    expect(measuredUlps(NaN, NaN)).toBe(0);
    expect(measuredUlps(0, 1e-40)).toBe(0);
    expect(measuredUlps(1, NaN)).toBe(Infinity);
    expect(measuredUlps(NaN, 1)).toBe(Infinity);
    expect(measuredUlps(next(1), 1)).toBe(1);
  });
});
