// Softmax and logSoftmax rows longer than one storage binding: cut into runs of whole blocks, each
// bound on its own and read in place, their statistics merged across runs. Every mode but the
// Jacobian (whose rows·n² output keeps its RangeError), on the last axis and a strided one, on every
// way of spreading rows (ROW_PATHS), against the float64 reference with the usual contract.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SoftmaxName } from '../../src/activations/table.js';
import { createActivations, type Activations } from '../../src/index.js';
import { checkSoftmax, normal, uniform, worstRowSum } from '../../src/numerics/verify.js';
import { ROW_PATHS } from './softmax-cases.js';

/** A lowered binding: 16384 f32s, so that rows of 3.5 bindings stay quick on the software adapter. */
const BINDING = 65536;
const LONG = Math.floor(3.5 * (BINDING / 4)) + 3; // 3.5 bindings' worth of columns, not a multiple of 4

describe.each(ROW_PATHS)('$name', ({ options }) => {
  let act: Activations;
  beforeAll(async () => {
    act = await createActivations({ maxBindingSize: BINDING, ...options });
    expect(act.rowLanes).toBe(options.rowLanes);
  });
  afterAll(() => act?.destroy());

  // The last axis (two rows of LONG + 1 columns, a multiple of 4: vec4 loads and stores), and axis 0
  // of [LONG, 3] (three strided rows, inner 3, loaded element by element).
  const LAYOUTS = [
    { shape: [2, LONG + 1] },
    { shape: [LONG, 3], axis: 0 },
  ] as const;

  describe.each(LAYOUTS)('shape %o', (layout) => {
    const n = layout.shape[0] * layout.shape[1];
    const params = { shape: [...layout.shape], ...('axis' in layout ? { axis: layout.axis } : {}) };

    test.each(['softmax', 'logSoftmax'] as const)('%s: forward, backward from the input and from the output', async (name: SoftmaxName) => {
      const x = normal(n, 30, n + 1);
      x[17] = -Infinity; // a masked entry in the first run
      const dy = uniform(n, -1, 1, n + 2);
      const y = await act.forward(name, x, params);
      expectWithin(checkSoftmax(name, 'forward', params, x, undefined, y));
      if (name === 'softmax') expect(worstRowSum(params, y)).toBeLessThanOrEqual(2 ** -16);
      expectWithin(checkSoftmax(name, 'backward', params, x, dy, await act.backward(name, x, dy, params)));
      const fromOutput = { ...params, from: 'output' as const };
      expectWithin(checkSoftmax(name, 'backward', fromOutput, y, dy, await act.backward(name, y, dy, fromOutput)));
    });

    test('in place over x, GPU-resident', async () => {
      const x = normal(n, 5, n + 3);
      const t = act.tensor(x);
      act.forward('softmax', t, { ...params, out: t });
      expectWithin(checkSoftmax('softmax', 'forward', params, x, undefined, await t.read()));
      t.destroy();
    });
  });

  test('the Jacobian keeps its RangeError: its output is rows·n² f32s', async () => {
    await expect(act.derivative('softmax', new Float32Array(LONG), { shape: [LONG] })).rejects.toThrow(
      `derivative(softmax): the 1 Jacobians of ${LONG}×${LONG} for shape [${LONG}] take ${4 * LONG * LONG} bytes`,
    );
  });
});

function expectWithin(r: ReturnType<typeof checkSoftmax>): void {
  expect(r.failures, `${r.failureCount} outside the contract`).toEqual([]);
}

test('one real row past the default 128 MiB binding, on a device with default limits', async () => {
  const adapter = (await navigator.gpu.requestAdapter())!;
  const device = await adapter.requestDevice({ requiredLimits: { maxBufferSize: adapter.limits.maxBufferSize } });
  const act = await createActivations({ device });
  try {
    const binding = device.limits.maxStorageBufferBindingSize;
    const n = 40 * 2 ** 20 + 3; // 160 MiB of f32s in one row
    expect(4 * n).toBeGreaterThan(binding);
    const x = normal(n, 10, 5);
    const y = await act.forward('logSoftmax', x);
    const r = checkSoftmax('logSoftmax', 'forward', {}, x, undefined, y);
    expect(r.failures).toEqual([]);
    console.log(`longest row: logSoftmax forward over ${n} columns (${4 * n} bytes, binding ${binding}): worst ${r.worst.toExponential(3)} of the bound`);
  } finally {
    act.destroy();
    device.destroy();
  }
});
