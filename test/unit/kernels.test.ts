import { describe, expect, test } from 'vitest';
import { ELEMENTWISE, splitF32 } from '../../src/activations/table.js';
import { elementwiseParams, elementwiseShader, fillTemplate, functionArgs } from '../../src/gpu/kernels.js';
import { UniformLayout, type UniformSlots } from '../../src/gpu/uniforms.js';

describe('fillTemplate', () => {
  test('fills every placeholder', () => {
    expect(fillTemplate('a {{X}} b {{Y}} {{X}}', { X: 1, Y: 'y' })).toBe('a 1 b y 1');
  });

  test('a placeholder without a value, or a value without a placeholder, is an error', () => {
    expect(() => fillTemplate('{{X}}', {})).toThrow(/no value for \{\{X\}\}/);
    expect(() => fillTemplate('x', { X: 1 })).toThrow(/template has no \{\{X\}\}/);
  });
});

describe('elementwiseShader', () => {
  test('backward binds dy unless dy is the output; in place drops the x binding', () => {
    const act = ELEMENTWISE.tanh;
    const plain = elementwiseShader(act, 'backward', { vector: 'vec4', xIsY: false, dyIsY: false });
    expect(plain).toMatch(/@binding\(3\) var<storage, read> dy/);
    expect(plain).toMatch(/tanh_backward\(z, g\)/);
    expect(plain).toMatch(/apply\(x\[params.x_off \+ i\], dy\[params.dy_off \+ i\], p\)/);
    const inPlace = elementwiseShader(act, 'backward', { vector: 'scalar', xIsY: true, dyIsY: true });
    expect(inPlace).not.toMatch(/@binding\(1\)|@binding\(3\)/);
    expect(inPlace).toMatch(/apply\(vec4\(y\[params.x_off \+ i\]\), vec4\(y\[params.dy_off \+ i\]\), p\)/);
  });

  test('f16: packed u32 storage, integer conversions only, the same f32 function, a tail for the shared u32s', () => {
    const code = elementwiseShader(ELEMENTWISE.tanh, 'backward', { vector: 'f16', xIsY: false, dyIsY: false });
    expect(code).toMatch(/var<storage, read_write> y: array<u32>/);
    expect(code).toMatch(/@binding\(1\) var<storage, read> x: array<u32>/);
    expect(code).toMatch(/store4_y\(params.y_off \+ \(params.y_off & 1u\) \+ 4u \* i, apply\(load4_x\(.*\), load4_dy\(.*\), p\)\)/);
    expect(code).toMatch(/tanh_backward\(z, g\)/);
    expect(code).toMatch(/fn tail\(\)/);
    // WGSL's own conversions leave rounding to the implementation: never used.
    expect(code.replace(/\/\/.*$/gm, '')).not.toMatch(/pack2x16float|unpack2x16float|[^_]f16\(|enable f16/);
    const inPlace = elementwiseShader(ELEMENTWISE.relu, 'forward', { vector: 'f16', xIsY: true, dyIsY: false });
    expect(inPlace).not.toMatch(/@binding\(1\)|fn load4_dy/);
    expect(inPlace).toMatch(/fn half_x\(p: u32\) -> u32 \{\n  return \(y\[p >> 1u\]/);
  });

  test('f16vec4: eight halves per vec4<u32>, low and high halves as two vec4<f32>, a tail merging halves', () => {
    const code = elementwiseShader(ELEMENTWISE.tanh, 'backward', { vector: 'f16vec4', xIsY: false, dyIsY: false });
    expect(code).toMatch(/var<storage, read_write> y: array<vec4<u32>>/);
    expect(code).toMatch(/@binding\(3\) var<storage, read> dy: array<vec4<u32>>/);
    expect(code).toMatch(/y\[params.y_off \+ i\] = apply8\(x\[params.x_off \+ i\], dy\[params.dy_off \+ i\], p\);/);
    expect(code).toMatch(/f16_widen\(xw & vec4\(0xffffu\)\), f16_widen\(gw & vec4\(0xffffu\)\)/);
    expect(code).toMatch(/let live = params.n % 8u;[^]*\(old & ~mask\) \| \(apply8\(/);
    expect(code.replace(/\/\/.*$/gm, '')).not.toMatch(/pack2x16float|unpack2x16float|[^_]f16\(|enable f16/);
    const inPlace = elementwiseShader(ELEMENTWISE.relu, 'forward', { vector: 'f16vec4', xIsY: true, dyIsY: false });
    expect(inPlace).not.toMatch(/@binding\(1\)|@binding\(3\)|gw/);
    expect(inPlace).toMatch(/apply\(f16_widen\(xw >> vec4\(16u\)\), vec4\(1.0\), p\)/);
    expect(inPlace).toMatch(/apply8\(y\[params.x_off \+ i\], p\)/);
  });

  test('the derivative mode is backward with dy = 1, and binds no dy', () => {
    const code = elementwiseShader(ELEMENTWISE.sigmoid, 'derivative', { vector: 'vec4', xIsY: false, dyIsY: false });
    expect(code).toMatch(/sigmoid_backward\(z, g\)/);
    expect(code).toMatch(/apply\(x\[params.x_off \+ i\], vec4\(1.0\), p\)/);
    expect(code).not.toMatch(/@binding\(3\)/);
  });
});

describe('uniform layouts: one declaration for the WGSL struct and the packing', () => {
  test('an activation\'s parameters reach its functions by name, after the dispatch fields', () => {
    const code = elementwiseShader(ELEMENTWISE.elu, 'forward', { vector: 'vec4', xIsY: false, dyIsY: false });
    expect(code).toContain('struct Params {\n  n: u32,\n  x_off: u32,\n  dy_off: u32,\n  y_off: u32,\n  alpha: f32,\n}');
    expect(code).toMatch(/elu_forward\(z, p\.alpha\)/);
    // The uniforms are read once per invocation, before the loop, not in each step's apply.
    expect(code).toMatch(/let p = params;\n  let first = /);
    expect(code.match(/fn apply\([^]*?\n}/)![0]).not.toMatch(/params\./);
    expect(elementwiseParams(ELEMENTWISE.relu).fields.map(([name]) => name)).toEqual(['n', 'x_off', 'dy_off', 'y_off']);
  });

  test('any number of parameters, each a field of its own', () => {
    const two = {
      ...ELEMENTWISE.elu, params: { alpha: ELEMENTWISE.elu.params.alpha!, beta: ELEMENTWISE.elu.params.alpha! }, hostConstants: undefined,
    };
    const layout = elementwiseParams(two);
    expect(layout.fields.slice(4)).toEqual([['alpha', 'f32'], ['beta', 'f32']]);
    expect(layout.bytes).toBe(32); // 6 words, rounded up to 16 bytes
    expect(elementwiseShader(two, 'backward', { vector: 'scalar', xIsY: false, dyIsY: false })).toMatch(
      /elu_backward\(z, g, p\.alpha, p\.beta\)/,
    );
  });

  test('host constants replace the parameters of the modes that have them, and are computed from them', () => {
    const code = elementwiseShader(ELEMENTWISE.elu, 'backward', { vector: 'vec4', xIsY: false, dyIsY: false });
    expect(code).toMatch(/elu_backward\(z, g, p\.sqrt_alpha_m, p\.shift, p\.cold_shift, p\.cold_z, p\.floor\)/);
    // The derivative mode's own function takes backward's constants, without dy.
    const derivative = elementwiseShader(ELEMENTWISE.elu, 'derivative', { vector: 'vec4', xIsY: false, dyIsY: false });
    expect(derivative).toMatch(/return elu_derivative\(z, p\.sqrt_alpha_m, p\.shift, p\.cold_shift, p\.cold_z, p\.floor\);/);
    // Without one, derivative is backward with dy = 1.
    expect(elementwiseShader(ELEMENTWISE.sigmoid, 'derivative', { vector: 'vec4', xIsY: false, dyIsY: false })).toMatch(/return sigmoid_backward\(z, g\);/);
    expect(elementwiseParams(ELEMENTWISE.elu, 'backward').fields.slice(4).map(([, type]) => type)).toEqual(['f32', 'i32', 'i32', 'f32', 'f32']);
    const args = Object.fromEntries(functionArgs(ELEMENTWISE.elu, 'backward').map(([k, c]) => [k, c.value({ alpha: 2 ** -7 })]));
    // √(2^-7) = 1.414…·2^-4
    expect(args).toMatchObject({ sqrt_alpha_m: Math.fround(Math.SQRT2), shift: -4, cold_shift: 28 });
    // from: 'output' and forward keep the parameters
    expect(functionArgs(ELEMENTWISE.elu, 'backward', true).map(([k]) => k)).toEqual(['alpha']);
    expect(functionArgs(ELEMENTWISE.elu, 'forward').map(([k]) => k)).toEqual(['alpha']);
  });

  test('hardSigmoid backward takes the open interval of z where 0 < α·z + β < 1, found on the host', () => {
    const interval = (alpha: number, beta: number) =>
      Object.fromEntries(functionArgs(ELEMENTWISE.hardSigmoid, 'backward').map(([k, c]) => [k, c.value({ alpha, beta })]));
    expect(interval(1, 0)).toEqual({ alpha: 1, z_below: 0, z_above: 1 }); // kinks at 0 and 1, both outside
    expect(interval(-0.5, 0)).toEqual({ alpha: -0.5, z_below: -2, z_above: 0 }); // a falling step
    // α = 1/6 in f32 is a little above 1/6: −3·α + 0.5 < 0, so −3 is outside, and 3·α + 0.5 > 1
    const a = Math.fround(1 / 6);
    expect(interval(a, 0.5)).toMatchObject({ z_below: -3, z_above: 3 });
    expect(interval(0, 2)).toMatchObject({ z_below: -Infinity, z_above: Infinity }); // f' = α = 0 everywhere
  });

  test('splitF32 gives an f32 mantissa in [1, 2) and the exponent, at powers of 2 too', () => {
    expect(splitF32(1)).toEqual({ m: 1, e: 0 });
    expect(splitF32(2 ** -75)).toEqual({ m: 1, e: -75 });
    expect(splitF32(3)).toEqual({ m: 1.5, e: 1 });
    expect(splitF32(2 - 2 ** -30)).toEqual({ m: 1, e: 1 }); // the mantissa rounds up to 2
  });

  test('values are packed by field name, as u32 or f32 bits, whatever the order they are given in', () => {
    const layout = new UniformLayout('P', [['n', 'u32'], ['scale', 'f32'], ['off', 'u32']] as const);
    expect(layout.wgsl()).toBe('struct P {\n  n: u32,\n  scale: f32,\n  off: u32,\n}');
    expect(layout.bytes).toBe(16);
    const words: number[][] = [];
    const slots = { u32: new Uint32Array(64), f32: new Float32Array(0), slot: (count: number) => {
      words.push(Array.from(slots.u32.subarray(0, count)));
      return { buffer: {} as GPUBuffer, offset: 0, block: undefined as never };
    } };
    slots.f32 = new Float32Array(slots.u32.buffer);
    layout.slot(slots as unknown as UniformSlots, { off: 7, scale: 0.5, n: 3 }, []);
    expect(words).toEqual([[3, 0x3f000000, 7]]);
  });

  test('a missing field, a repeated name or an empty layout is an error (TypeScript refuses an unknown field)', () => {
    const layout = new UniformLayout('P', [['n', 'u32'], ['m', 'f32']] as const);
    const slots = { u32: new Uint32Array(64), f32: new Float32Array(64), slot: () => ({}) } as unknown as UniformSlots;
    expect(() => layout.slot(slots, { n: 1 } as { n: number; m: number }, [])).toThrow('UniformLayout P: no value for m');
    expect(() => new UniformLayout('Q', [['a', 'u32'], ['a', 'f32']])).toThrow('a field name repeats');
    expect(() => new UniformLayout('Q', [])).toThrow('0 fields');
  });
});
