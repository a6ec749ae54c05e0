// The memory model: uploads reuse pooled buffers, so a training-style loop holds its memory flat;
// stats() says what is live and what is pooled, in buffers and bytes; the pool has a cap, and trim()
// empties it. Counted, never timed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActivations, type Activations } from '../../src/index.js';
import { checkElementwise, uniform } from '../../src/numerics/verify.js';

let act: Activations;
beforeAll(async () => {
  act = await createActivations();
});
afterAll(() => act?.destroy());

/** Drops the fields that are not about memory. */
const memory = ({ liveBuffers, liveBytes, pooledBuffers, pooledBytes }: ReturnType<Activations['stats']>) =>
  ({ liveBuffers, liveBytes, pooledBuffers, pooledBytes });

describe('a training-style loop: upload, three ops, read, destroy everything', () => {
  // One element (a single padded vec4), an odd mid size (scalar tail), and 2^16 + 3.
  test.each([1, 1001, 2 ** 16 + 3])('n = %i: 10 000 iterations hold buffers and bytes flat after the first', async (n) => {
    const lib = await createActivations({ device: act.device });
    const xs = uniform(n, -4, 4, n);
    const iteration = async (check: boolean) => {
      const x = lib.tensor(xs);
      const a = lib.forward('tanh', x);
      const b = lib.backward('sigmoid', a, x);
      const c = lib.forward('elu', b, { alpha: 0.5 });
      const got = await c.read();
      if (check) {
        // Every step holds, through pooled buffers written with writeBuffer: the values are this
        // iteration's, not a pooled buffer's old ones.
        const [ra, rb] = [await a.read(), await b.read()];
        expect(checkElementwise('tanh', 'forward', {}, xs, undefined, ra).failures).toEqual([]);
        expect(checkElementwise('sigmoid', 'backward', {}, ra, xs, rb).failures).toEqual([]);
        expect(checkElementwise('elu', 'forward', { alpha: 0.5 }, rb, undefined, got).failures).toEqual([]);
      }
      for (const t of [x, a, b, c]) t.destroy();
    };
    await iteration(true);
    const after = memory(lib.stats());
    expect(after.pooledBuffers).toBe(4); // x, a, b, c, each back in the pool
    for (let i = 1; i < 10_000; i++) await iteration(i === 1 || i === 9_999);
    expect(memory(lib.stats())).toEqual(after);
    lib.destroy();
  });
});

describe('stats, the pool\'s cap, and trim', () => {
  test('stats() counts live and pooled buffers and their bytes; trim() destroys the pooled ones', async () => {
    const lib = await createActivations({ device: act.device });
    const empty = lib.stats();
    expect(memory(empty)).toEqual({ liveBuffers: 0, liveBytes: 0, pooledBuffers: 0, pooledBytes: 0 });
    const t = lib.tensor(new Float32Array(1000)); // 4000 bytes
    const y = lib.forward('relu', t);
    await y.read();
    const live = lib.stats();
    expect(live.liveBytes).toBeGreaterThanOrEqual(8000);
    expect(live.pooledBuffers).toBe(0);
    t.destroy();
    y.destroy();
    lib.flush();
    const pooled = lib.stats();
    expect(pooled).toMatchObject({ pooledBuffers: 2, pooledBytes: 8000, liveBuffers: live.liveBuffers, liveBytes: live.liveBytes });
    lib.trim();
    expect(lib.stats()).toMatchObject({ pooledBuffers: 0, pooledBytes: 0, liveBuffers: live.liveBuffers - 2, liveBytes: live.liveBytes - 8000 });
    // Later calls work, with new buffers.
    expect(Array.from(await lib.forward('relu', new Float32Array([-1, 1])))).toEqual([0, 1]);
    lib.destroy();
    expect(memory(lib.stats())).toEqual({ liveBuffers: 0, liveBytes: 0, pooledBuffers: 0, pooledBytes: 0 });
  });

  test('poolBytes caps the pool; 0 turns it off', async () => {
    for (const [poolBytes, pooled] of [[0, 0], [4000, 1], [8000, 2]] as const) {
      const lib = await createActivations({ device: act.device, poolBytes });
      const tensors = [1, 2, 3].map(() => lib.tensor(new Float32Array(1000)));
      const live = lib.stats().liveBuffers;
      for (const t of tensors) t.destroy();
      expect(lib.stats()).toMatchObject({ pooledBuffers: pooled, pooledBytes: 4000 * pooled, liveBuffers: live - 3 + pooled });
      lib.destroy();
    }
  });

  test('poolBytes must be an integer >= 0', async () => {
    for (const bad of [-1, 1.5, NaN, '64' as unknown as number]) {
      await expect(createActivations({ device: act.device, poolBytes: bad })).rejects.toThrow(`createActivations: poolBytes ${bad} must be an integer >= 0`);
    }
  });
});
