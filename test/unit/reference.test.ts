// The float64 reference against closed forms and the special values of the contract.
import { describe, expect, test } from 'vitest';
import { reference } from '../../src/numerics/reference.js';
import { ACTIVATION_NAMES } from '../../src/activations/table.js';

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(b)));

describe('closed forms', () => {
  test('sigmoid and its derivative at ln 3, where σ = 3/4 and σ\' = 3/16', () => {
    close(reference.forward('sigmoid', [Math.log(3)])[0]!, 0.75);
    close(reference.derivative('sigmoid', [Math.log(3)])[0]!, 3 / 16);
    close(reference.forward('sigmoid', [-Math.log(3)])[0]!, 0.25);
  });

  test('tanh and its derivative at ln 2, where tanh = 3/5 and tanh\' = 16/25', () => {
    close(reference.forward('tanh', [Math.log(2)])[0]!, 0.6);
    close(reference.derivative('tanh', [Math.log(2)])[0]!, 16 / 25);
    close(reference.forward('tanh', [-Math.log(2)])[0]!, -0.6);
  });

  test('elu on both sides of 0, with α', () => {
    close(reference.forward('elu', [-Math.log(2)], { alpha: 2 })[0]!, -1); // 2·(1/2 − 1)
    close(reference.derivative('elu', [-Math.log(2)], { alpha: 2 })[0]!, 1); // 2·(1/2)
    expect(reference.forward('elu', [3], { alpha: 2 })[0]).toBe(3);
    expect(reference.forward('elu', [1e-300])[0]).toBe(1e-300);
    close(reference.forward('elu', [-1e-10])[0]!, -1e-10 + 5e-21); // expm1, not exp − 1
  });

  test('linear, relu and leakyRelu, with α > 1 (where max(αz, z) would be wrong)', () => {
    expect(Array.from(reference.forward('linear', [2, -3], { m: 1.5 }))).toEqual([3, -4.5]);
    expect(Array.from(reference.derivative('linear', [2, -3], { m: 1.5 }))).toEqual([1.5, 1.5]);
    expect(Array.from(reference.forward('relu', [2, -3]))).toEqual([2, 0]);
    expect(Array.from(reference.forward('leakyRelu', [2, -3], { alpha: 3 }))).toEqual([2, -9]);
  });

  test('parameters are taken at f32 precision, as the GPU sees them', () => {
    expect(reference.forward('leakyRelu', [-1], { alpha: 0.01 })[0]).toBe(-Math.fround(0.01));
  });

  test('backward is dy · f\'(x)', () => {
    expect(Array.from(reference.backward('leakyRelu', [2, -3], [5, 7], { alpha: 0.5 }))).toEqual([5, 3.5]);
  });
});

describe('z = 0 takes the z <= 0 branch, as PyTorch does', () => {
  test.each([
    ['relu', 0], ['leakyRelu', Math.fround(0.01)], ['elu', 1],
  ] as const)('%s\'(0) = %s', (name, want) => {
    expect(reference.derivative(name, [0])[0]).toBe(want);
    expect(reference.derivative(name, [-0])[0]).toBe(want);
  });
});

describe('special values', () => {
  test.each(ACTIVATION_NAMES)('%s: NaN in gives NaN out in every mode', (name) => {
    expect(Number.isNaN(reference.forward(name, [NaN])[0]!)).toBe(true);
    expect(Number.isNaN(reference.derivative(name, [NaN])[0]!)).toBe(true);
    expect(Number.isNaN(reference.backward(name, [NaN], [1])[0]!)).toBe(true);
    expect(Number.isNaN(reference.backward(name, [1], [NaN])[0]!)).toBe(true);
  });

  test('limits at ±∞', () => {
    expect(Array.from(reference.forward('relu', [Infinity, -Infinity]))).toEqual([Infinity, 0]);
    expect(Array.from(reference.forward('sigmoid', [Infinity, -Infinity]))).toEqual([1, 0]);
    expect(Array.from(reference.forward('tanh', [Infinity, -Infinity]))).toEqual([1, -1]);
    expect(reference.forward('elu', [-Infinity], { alpha: 2 })[0]).toBe(-2);
    expect(Array.from(reference.derivative('sigmoid', [Infinity, -Infinity]))).toEqual([0, 0]);
    expect(Array.from(reference.derivative('tanh', [Infinity, -Infinity]))).toEqual([0, 0]);
    expect(reference.derivative('elu', [-Infinity])[0]).toBe(0);
  });

  test('f\' is positive for every finite z, so ∞·f\'(z) = ∞ even where f\' underflows float64', () => {
    expect(reference.backward('sigmoid', [1e4], [Infinity])[0]).toBe(Infinity);
    expect(reference.backward('tanh', [-1e4], [-Infinity])[0]).toBe(-Infinity);
    expect(reference.backward('elu', [-1e4], [Infinity])[0]).toBe(Infinity);
    expect(Number.isNaN(reference.backward('sigmoid', [Infinity], [Infinity])[0]!)).toBe(true);
    expect(Math.fround(reference.backward('sigmoid', [1e4], [3e38])[0]!)).toBe(0);
  });

  test('no overflow or cancellation in the derivatives', () => {
    expect(reference.derivative('sigmoid', [-800])[0]).toBeGreaterThan(0);
    // σ' = σ(z)·σ(-z) and tanh' = 1/cosh², forms independent of the reference's e/(1+e)².
    close(reference.derivative('sigmoid', [30])[0]!, reference.forward('sigmoid', [30])[0]! * reference.forward('sigmoid', [-30])[0]!);
    close(reference.derivative('tanh', [30])[0]! * Math.cosh(30) ** 2, 1);
  });
});

describe('argument checks', () => {
  test('backward needs dy of x\'s length', () => {
    expect(() => reference.backward('relu', [1, 2], [1])).toThrow(/dy has length 1, expected x's length 2/);
  });

  test('values must be arrays of numbers', () => {
    expect(() => reference.forward('relu', 'abc' as unknown as number[])).toThrow(TypeError);
  });
});
