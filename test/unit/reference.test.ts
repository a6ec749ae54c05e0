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

// ---- The activations of issue 11 ----

// Relative closeness for values far from 1 (erfc(10) = 2e-45): k float64 ULP-ish.
const closeRel = (a: number, b: number, k = 8) => expect(Math.abs(a - b)).toBeLessThanOrEqual(k * 2 ** -52 * Math.abs(b));

describe('the float64 special functions, against published values', () => {
  // erfc and erf from Abramowitz & Stegun table 7.1 and DLMF 7.2, to 20 digits (checked with mpmath).
  test.each([
    [0.5, 0.47950012218695346232], [1, 0.15729920705028513066], [2, 0.0046777349810472658379],
    [5, 1.5374597944280348502e-12], [10, 2.088487583762544757e-45],
  ])('erfc(%s) through gelu: z·Φ(z) = z·erfc(−z/√2)/2 at z = −√2·x', (x, erfc) => {
    // gelu(−√2·x) = −√2·x·erfc(x)/2: the reference's Φ is ½·erfc(−z/√2). √2·x rounds, so compare
    // against the same rounded z through the derivative: the tolerance allows |z·Φ'/Φ|·2^-53.
    const z = -Math.SQRT2 * x;
    const want = (z * erfc) / 2;
    const got = reference.forward('gelu', [z])[0]!;
    expect(Math.abs(got - want)).toBeLessThanOrEqual((8 + 2 * x * x) * 2 ** -52 * Math.abs(want));
  });

  test('gelu, geluTanh, quickGelu, silu, mish, selu, softplus, logSigmoid at points computed with mpmath (30 digits)', () => {
    closeRel(reference.forward('gelu', [-1])[0]!, -0.15865525393145705141);
    closeRel(reference.forward('gelu', [-10])[0]!, -7.619853024160526066e-23, 64); // the far tail, relative
    closeRel(reference.derivative('gelu', [-1])[0]!, -0.083315470587686298383);
    closeRel(reference.forward('geluTanh', [1])[0]!, 0.84119199060827670478);
    closeRel(reference.forward('geluTanh', [-3])[0]!, -0.0036373920817730188378, 64);
    closeRel(reference.derivative('geluTanh', [-1])[0]!, -0.08296408384578255514, 64);
    closeRel(reference.forward('quickGelu', [1])[0]!, 0.84579576593282129571);
    closeRel(reference.forward('silu', [-1])[0]!, -0.26894142136999512075);
    closeRel(reference.derivative('silu', [1])[0]!, 0.92767051187148673179);
    closeRel(reference.forward('mish', [1])[0]!, 0.86509838826731034612);
    closeRel(reference.forward('mish', [-2])[0]!, -0.25250148269570886364);
    closeRel(reference.derivative('mish', [-1])[0]!, 0.059216755877394948006, 64);
    closeRel(reference.forward('selu', [-1])[0]!, -1.1113307378125627124);
    closeRel(reference.forward('softplus', [-30])[0]!, 9.3576229688397367741e-14); // eᶻ, not log(1 + eᶻ) = 0
    closeRel(reference.forward('softplus', [2], { beta: 0.5 })[0]!, 2.6265233750364456681);
    closeRel(reference.forward('logSigmoid', [30])[0]!, -9.3576229688397367741e-14);
    closeRel(reference.forward('softplus', [0])[0]!, Math.LN2);
  });

  test('the derivatives cross zero where mpmath puts the roots', () => {
    for (const [name, root] of [['gelu', -0.751791524693564], ['silu', -1.27846454276107], ['mish', -1.1924312145155],
      ['geluTanh', -0.752461422071016]] as const) {
      const [below, above] = reference.derivative(name, [root - 1e-6, root + 1e-6]);
      expect(below, name).toBeLessThan(0);
      expect(above, name).toBeGreaterThan(0);
    }
  });
});

describe('kinks take PyTorch\'s values', () => {
  test.each([
    ['relu6', 0, 0], ['relu6', 6, 0], ['relu6', 3, 1],
    ['hardSwish', -3, -0.5], ['hardSwish', 3, 1.5], ['hardSwish', -1.5, 0],
    ['hardSigmoid', -3, 0], ['hardSigmoid', 3, 0], ['hardSigmoid', 0, Math.fround(1 / 6)],
    ['selu', 0, 1.0507009873554805 * 1.6732632423543772], ['celu', 0, 1],
  ] as const)('%s\'(%s) = %s', (name, z, want) => {
    expect(reference.derivative(name, [z])[0]).toBe(want);
  });
});

describe('limits at ±∞ of the activations of issue 11', () => {
  const at = (name: Parameters<typeof reference.forward>[0], mode: 'forward' | 'derivative') =>
    Array.from(reference[mode](name, [Infinity, -Infinity]));
  test('forward', () => {
    expect(at('gelu', 'forward')).toEqual([Infinity, -0]);
    expect(at('geluTanh', 'forward')).toEqual([Infinity, -0]);
    expect(at('quickGelu', 'forward')).toEqual([Infinity, -0]);
    expect(at('silu', 'forward')).toEqual([Infinity, -0]);
    expect(at('mish', 'forward')).toEqual([Infinity, -0]);
    expect(at('softplus', 'forward')).toEqual([Infinity, 0]);
    expect(at('logSigmoid', 'forward')).toEqual([-0, -Infinity]);
    expect(at('softsign', 'forward')).toEqual([1, -1]);
    expect(at('relu6', 'forward')).toEqual([6, 0]);
    expect(at('hardSigmoid', 'forward')).toEqual([1, 0]);
    expect(at('hardSwish', 'forward')).toEqual([Infinity, -0]);
    expect(at('selu', 'forward')).toEqual([Infinity, -1.0507009873554805 * 1.6732632423543772]);
    expect(at('celu', 'forward')).toEqual([Infinity, -1]);
  });

  test('derivative: each its limit, −0 where f\' approaches 0 from below', () => {
    for (const name of ['gelu', 'geluTanh', 'quickGelu', 'silu', 'mish'] as const) expect(at(name, 'derivative'), name).toEqual([1, -0]);
    expect(at('softplus', 'derivative')).toEqual([1, 0]);
    expect(at('logSigmoid', 'derivative')).toEqual([0, 1]);
    expect(at('softsign', 'derivative')).toEqual([0, 0]);
    expect(at('hardSwish', 'derivative')).toEqual([1, 0]);
  });

  test('f\' is nonzero at every finite z, so ∞·f\'(z) is ±∞ even where f\' underflows float64', () => {
    expect(reference.backward('gelu', [-100], [Infinity])[0]).toBe(-Infinity);
    expect(reference.backward('silu', [-1e4], [Infinity])[0]).toBe(-Infinity);
    expect(reference.backward('softplus', [-1e4], [Infinity])[0]).toBe(Infinity);
    expect(reference.backward('logSigmoid', [1e4], [Infinity])[0]).toBe(Infinity);
    expect(Number.isNaN(reference.backward('gelu', [-Infinity], [Infinity])[0]!)).toBe(true);
  });
});

describe('from the output', () => {
  test('softplus: 1 − e^(−βy) = σ(βz); logSigmoid: 1 − eʸ = σ(−z)', () => {
    const z = [-30, -2, 0, 3, 40];
    const y = reference.forward('softplus', z, { beta: 2 });
    const dy = z.map(() => 1);
    Array.from(reference.backward('softplus', y, dy, { beta: 2, from: 'output' })).forEach((d, i) =>
      closeRel(d, reference.derivative('softplus', [z[i]!], { beta: 2 })[0]!, 64));
    const l = reference.forward('logSigmoid', z);
    Array.from(reference.backward('logSigmoid', l, dy, { from: 'output' })).forEach((d, i) =>
      closeRel(d, reference.derivative('logSigmoid', [z[i]!])[0]!, 64));
  });
});
