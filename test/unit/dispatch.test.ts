// Dispatch planning: grid shapes and binding chunks, without a GPU.
import { describe, expect, test } from 'vitest';
import { planChunks, planDispatch, planGrid } from '../../src/dispatch.js';
import { elementsPerGroup } from '../../src/kernels.js';

const MAX = 65535;
const WG = elementsPerGroup('vec4');

describe('planDispatch', () => {
  test.each([
    [0, { x: 0, y: 0 }], // nothing to do: no dispatch
    [1, { x: 1, y: 1 }],
    [MAX * WG, { x: MAX, y: 1 }], // the largest 1D grid
    [MAX * WG + 1, { x: 32768, y: 2 }], // one more element needs a second row of groups
    [2 ** 26, { x: 2 ** 26 / WG, y: 1 }],
  ])('n = %i → %o', (n, grid) => {
    const g = planDispatch(n, WG, MAX);
    expect(g).toEqual(grid);
    expect(g.x * g.y * WG).toBeGreaterThanOrEqual(n); // covers every element
    expect(g.x).toBeLessThanOrEqual(MAX);
  });

  test('2D grids waste less than one row of groups', () => {
    for (const groups of [MAX + 1, 2 * MAX + 3, 1_000_000, MAX * 300]) {
      const g = planGrid(groups, MAX);
      expect(g.x * g.y).toBeGreaterThanOrEqual(groups);
      expect(g.x * g.y - groups).toBeLessThan(g.y);
    }
  });

  test('refuses grids beyond 65535²', () => {
    expect(() => planGrid(MAX * MAX + 1, MAX)).toThrow(RangeError);
  });
});

describe('planChunks', () => {
  const own = (n: number) => ({ byteOffset: 0, bufferSize: Math.max(16, Math.ceil(n / 4) * 16) });

  test('library-made buffers take the vec4 path in one chunk', () => {
    const plan = planChunks(1001, [own(1001), own(1001)], 2 ** 27, 256);
    expect(plan.vector).toBe('vec4');
    expect(plan.chunks).toEqual([{ start: 0, length: 1001, bindings: [
      { offset: 0, size: 4016, elementOffset: 0 }, { offset: 0, size: 4016, elementOffset: 0 },
    ] }]);
  });

  test('an operand off a 16-byte boundary, or without room for the padded vec4, takes the scalar path', () => {
    expect(planChunks(8, [own(8), { byteOffset: 4, bufferSize: 64 }], 2 ** 27, 256).vector).toBe('scalar');
    expect(planChunks(7, [own(7), { byteOffset: 0, bufferSize: 28 }], 2 ** 27, 256).vector).toBe('scalar');
  });

  test('splits past the binding limit at aligned offsets, covering every element once', () => {
    const n = 3.5 * 1024 + 3;
    const operands = [{ byteOffset: 4 * 1000, bufferSize: 4 * 1000 + 4 * n }, own(n)];
    const plan = planChunks(n, operands, 4096, 256);
    let covered = 0;
    for (const chunk of plan.chunks) {
      expect(chunk.start).toBe(covered);
      covered += chunk.length;
      chunk.bindings.forEach((b, k) => {
        expect(b.offset % 256).toBe(0);
        expect(b.size).toBeLessThanOrEqual(4096);
        // The binding's first element is the chunk's first element.
        const unit = plan.vector === 'vec4' ? 16 : 4;
        expect(b.offset + b.elementOffset * unit).toBe(operands[k]!.byteOffset + 4 * chunk.start);
        expect(b.offset + b.size).toBeLessThanOrEqual(operands[k]!.bufferSize);
      });
    }
    expect(covered).toBe(n);
    expect(plan.chunks.length).toBeGreaterThan(3);
  });

  test('zero elements need no chunk', () => {
    expect(planChunks(0, [own(0), own(0)], 2 ** 27, 256).chunks).toEqual([]);
  });
});
