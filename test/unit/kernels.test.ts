import { describe, expect, test } from 'vitest';
import { ELEMENTWISE } from '../../src/activations.js';
import { elementwiseShader, fillTemplate } from '../../src/kernels.js';

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
    expect(plain).toMatch(/tanh_backward\(z, dy\[params.dy_off \+ i\], params.p\)/);
    const inPlace = elementwiseShader(act, 'backward', { vector: 'scalar', xIsY: true, dyIsY: true });
    expect(inPlace).not.toMatch(/@binding\(1\)|@binding\(3\)/);
    expect(inPlace).toMatch(/apply\(vec4\(y\[params.x_off \+ i\]\), i\)/);
  });

  test('the derivative mode is backward with dy = 1, and binds no dy', () => {
    const code = elementwiseShader(ELEMENTWISE.sigmoid, 'derivative', { vector: 'vec4', xIsY: false, dyIsY: false });
    expect(code).toMatch(/sigmoid_backward\(z, vec4\(1.0\), params.p\)/);
    expect(code).not.toMatch(/@binding\(3\)/);
  });
});
