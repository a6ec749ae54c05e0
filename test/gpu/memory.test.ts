// The memory model: uploads reuse pooled buffers, so a training-style loop holds its memory flat;
// stats() says what is live and what is pooled, in buffers and bytes; the pool has a cap, and trim()
// empties it. Counted, never timed.
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { AllocationError, createActivations, type Activations } from '../../src/index.js';
import { checkElementwise, uniform } from '../../src/numerics/verify.js';

let act: Activations;
beforeAll(async () => {
  act = await createActivations();
});
afterAll(() => act?.destroy());

/** Drops the fields that are not about memory. */
const memory = ({ liveBuffers, liveBytes, pooledBuffers, pooledBytes }: ReturnType<Activations['stats']>) =>
  ({ liveBuffers, liveBytes, pooledBuffers, pooledBytes });

describe('a training-style loop (the soak test): upload, three ops, read, destroy everything', () => {
  // Iterations per size, set per stack in vite.config.ts: every read waits for the GPU, and how long
  // that takes is the runtime's (about 13 ms in Deno, whatever the size).
  const iterations = inject('loopIterations');
  // One element (a single padded vec4), an odd mid size (scalar tail), and 2^16 + 3.
  test.each([1, 1001, 2 ** 16 + 3])(`n = %i: ${iterations} iterations hold buffers and bytes flat after the first`, async (n) => {
    expect(iterations, 'loopIterations, provided by the stack\'s project in vite.config.ts').toBeGreaterThanOrEqual(2000);
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
    for (let i = 1; i < iterations; i++) await iteration(i === 1 || i === iterations - 1);
    console.log(`n = ${n}: stats() after iteration 1 ${JSON.stringify(after)}, after ${iterations} ${JSON.stringify(memory(lib.stats()))}`);
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

describe('out of memory', () => {
  // A real out-of-memory needs gigabytes on the software adapter; the runtime's test hook makes the
  // next allocations fail through the same path as an out-of-memory error scope.
  const failNext = (lib: Activations, count: number) => {
    (lib as unknown as { rt: { failAllocations: number } }).rt.failAllocations = count;
  };

  test('a Float32Array call trims the pool and retries once; a second failure rejects naming the op, the bytes and the memory held', async () => {
    const lib = await createActivations({ device: act.device });
    failNext(lib, 1);
    expect(Array.from(await lib.forward('relu', new Float32Array([-1, 2, -3])))).toEqual([0, 2, 0]);
    failNext(lib, 2);
    const error = await lib.forward('tanh', new Float32Array(1000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllocationError);
    expect(String(error)).toMatch(/^AllocationError: forward\(tanh\): out of GPU memory allocating 4000 bytes, with \d+ bytes in \d+ buffers held \(\d+ of them pooled, now released\)/);
    // Later calls work, and nothing leaked: destroying the instance leaves nothing behind.
    expect(Array.from(await lib.forward('relu', new Float32Array([-5, 5])))).toEqual([0, 5]);
    lib.destroy();
    expect(memory(lib.stats())).toEqual({ liveBuffers: 0, liveBytes: 0, pooledBuffers: 0, pooledBytes: 0 });
  });

  test('a GPU-resident call: the pool is trimmed, its output\'s read() rejects with the allocation error, later calls work', async () => {
    const lib = await createActivations({ device: act.device });
    // Something in the pool, so that the trim shows.
    for (const t of [lib.tensor(new Float32Array(64)), lib.tensor(new Float32Array(64))]) t.destroy();
    lib.flush();
    expect(lib.stats().pooledBuffers).toBe(2);
    const x = lib.tensor(new Float32Array([1, -1]));
    failNext(lib, 1);
    const y = lib.forward('relu', x);
    await expect(y.read()).rejects.toThrow(/forward\(relu\): out of GPU memory allocating 16 bytes/);
    expect(lib.stats().pooledBuffers).toBe(0); // trimmed when the failure was known
    const z = lib.forward('relu', x);
    expect(Array.from(await z.read())).toEqual([1, 0]);
    for (const t of [x, y, z]) t.destroy();
    lib.destroy();
  });
});
