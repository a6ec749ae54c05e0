// Parameter and name validation: clear errors that name the argument, its value and what was expected.
import { describe, expect, test } from 'vitest';
import { ACTIVATION_NAMES, lookupActivation, resolveParams } from '../../src/activations/table.js';

describe('lookupActivation', () => {
  test('an unknown name is a TypeError listing the valid names', () => {
    expect(() => lookupActivation('swish', 'forward')).toThrow(TypeError);
    expect(() => lookupActivation('swish', 'forward')).toThrow(`forward: unknown activation "swish"; expected one of ${ACTIVATION_NAMES.join(', ')}`);
  });

  test('inherited property names are not activations', () => {
    expect(() => lookupActivation('toString', 'forward')).toThrow(TypeError);
  });
});

describe('resolveParams', () => {
  test('fills defaults', () => {
    expect(resolveParams('elu', undefined)).toEqual({ alpha: 1 });
    expect(resolveParams('leakyRelu', {})).toEqual({ alpha: Math.fround(0.01) });
    expect(resolveParams('linear', {})).toEqual({ m: 1 });
    expect(resolveParams('relu', {})).toEqual({});
    expect(resolveParams('softplus', {})).toEqual({ beta: 1 });
    expect(resolveParams('hardSigmoid', {})).toEqual({ alpha: Math.fround(1 / 6), beta: 0.5 });
    expect(resolveParams('celu', { alpha: 2 })).toEqual({ alpha: 2 });
  });

  test.each([
    ['elu', { alpha: 0 }, /elu: parameter alpha = 0 is invalid; expected a finite number > 0/],
    ['elu', { alpha: -1 }, /alpha = -1/],
    ['elu', { alpha: 1e-50 }, /alpha = 1e-50 is invalid/], // rounds to 0 in f32
    ['elu', { alpha: Infinity }, /alpha = Infinity/],
    ['leakyRelu', { alpha: NaN }, /leakyRelu: parameter alpha = NaN is invalid; expected a finite number/],
    ['linear', { m: 1e39 }, /m = 1e\+39 is invalid/], // finite in float64, ∞ in f32
    ['linear', { m: 1e-40 }, /m = 1e-40 is subnormal in f32/], // some GPUs flush it to 0, others do not
    ['leakyRelu', { alpha: -1e-42 }, /alpha = -1e-42 is subnormal/],
    ['linear', { alpha: 2 }, /linear: unknown parameter "alpha"; linear takes the parameter "m"$/],
    ['relu', { alpha: 2 }, /relu: unknown parameter "alpha"; relu takes no parameters, and the option "from"$/],
    // The activations of issue 11.
    ['softplus', { beta: 0 }, /softplus: parameter beta = 0 is invalid; expected a finite number > 0/],
    ['softplus', { beta: -2 }, /beta = -2 is invalid/],
    ['softplus', { beta: NaN }, /beta = NaN is invalid/],
    ['celu', { alpha: NaN }, /celu: parameter alpha = NaN is invalid; expected a finite number > 0/],
    ['celu', { alpha: 0 }, /alpha = 0 is invalid/],
    ['hardSigmoid', { alpha: NaN }, /hardSigmoid: parameter alpha = NaN is invalid; expected a finite number/],
    ['hardSigmoid', { beta: Infinity }, /beta = Infinity is invalid/],
    ['gelu', { approximate: 'tanh' }, /gelu: unknown parameter "approximate"; gelu takes no parameters$/],
    ['softplus', { threshold: 20 }, /softplus: unknown parameter "threshold"; softplus takes the parameter "beta", and the option "from"$/],
    ['selu', { alpha: 1.6 }, /selu: unknown parameter "alpha"; selu takes no parameters, and the option "from"$/],
  ] as const)('%s %o is a RangeError', (name, params, message) => {
    expect(() => resolveParams(name, params)).toThrow(RangeError);
    expect(() => resolveParams(name, params)).toThrow(message);
  });

  test('a non-number parameter is a TypeError', () => {
    expect(() => resolveParams('elu', { alpha: '1' })).toThrow(/elu: parameter alpha must be a number, got string 1/);
  });

  test('call options such as out are skipped', () => {
    expect(resolveParams('elu', { alpha: 2, out: {} }, ['out'])).toEqual({ alpha: 2 });
  });

  test('α > 1 and α < 0 are valid for leakyRelu', () => {
    expect(resolveParams('leakyRelu', { alpha: 3 })).toEqual({ alpha: 3 });
    expect(resolveParams('leakyRelu', { alpha: -0.5 })).toEqual({ alpha: -0.5 });
  });
});
