// Every elementwise activation of the table × mode on the GPU against the float64 reference and the
// contract (the suite is test/gpu/elementwise-suite.ts), and the cases that need the real grid limit.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ELEMENTWISE_NAMES } from '../../src/activations/table.js';
import { elementsPerGroup } from '../../src/gpu/kernels.js';
import { createActivations, type Activations } from '../../src/index.js';
import { SPECIAL_X, mixed } from '../../src/numerics/verify.js';
import { elementwiseSuite, expectPeriodic, periodic } from './elementwise-suite.js';

elementwiseSuite(ELEMENTWISE_NAMES);

let act: Activations;
beforeAll(async () => {
  act = await createActivations();
});
afterAll(() => act?.destroy());

test('above 65535 workgroups at the device\'s real limit (scalar path, 2^27 elements)', async () => {
  // Only the scalar path (an operand off a 16-byte boundary) needs more than 65535 groups within a
  // 1 GiB binding: 65535 groups of elementsPerGroup('scalar') elements, plus 5.
  const n = 65535 * elementsPerGroup('scalar') + 5;
  const base = mixed(4096, 97);
  const values = new Float32Array(n + 1);
  values.set(periodic(n, base), 1);
  const buffer = act.device.createBuffer({ size: values.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  act.device.queue.writeBuffer(buffer, 0, values);
  const x = act.wrap(buffer, { offset: 4, length: n });
  const y = act.forward('tanh', x);
  expectPeriodic('tanh', 'forward', base, base, await y.read());
  y.destroy();
  buffer.destroy();
});

test('SPECIAL_X covers every value the core issue lists', () => {
  for (const v of [0, 1e-30, 1e-4, 0.5, 1, 9, 16, 20, 50, 88, 89, 100, 1e4, 3.4e38, Infinity]) {
    expect(SPECIAL_X).toContain(v);
    expect(SPECIAL_X).toContain(-v);
  }
  expect(SPECIAL_X.some(Number.isNaN)).toBe(true);
});
