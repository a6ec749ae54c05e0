// Dispatch planning: grid shapes and binding chunks, without a GPU.
import { describe, expect, test } from 'vitest';
import { mergeShared, planChunks, planDispatch, planGrid, sharedSpread } from '../../src/gpu/dispatch.js';
import { elementsPerGroup } from '../../src/gpu/kernels.js';

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

  test('f16: operands on 16-byte boundaries with room for the padded 16 bytes take f16vec4, any others f16', () => {
    const ownF16 = (n: number) => ({ byteOffset: 0, bufferSize: Math.max(16, Math.ceil(n / 8) * 16) });
    const plan = planChunks(1001, [ownF16(1001), ownF16(1001)], 2 ** 27, 256, 2);
    expect(plan.vector).toBe('f16vec4');
    expect(plan.chunks[0]!.bindings[0]).toEqual({ offset: 0, size: 2016, elementOffset: 0 });
    expect(planChunks(8, [ownF16(8), { byteOffset: 16, bufferSize: 32 }], 2 ** 27, 256, 2).vector).toBe('f16vec4');
    expect(planChunks(8, [ownF16(8), { byteOffset: 2, bufferSize: 64 }], 2 ** 27, 256, 2).vector).toBe('f16');
    expect(planChunks(8, [ownF16(8), { byteOffset: 8, bufferSize: 64 }], 2 ** 27, 256, 2).vector).toBe('f16');
    expect(planChunks(9, [ownF16(9), { byteOffset: 0, bufferSize: 20 }], 2 ** 27, 256, 2).vector).toBe('f16');
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

describe('arena layouts: one binding for the operands in the output buffer', () => {
  const at = (byteOffset: number) => ({ byteOffset, bufferSize: 1 << 20 });

  test('the spread is how far apart the shared operands start; operands in other buffers do not count', () => {
    expect(sharedSpread([at(0), at(4096), at(1 << 19)], [true, true, false])).toBe(4096);
    expect(sharedSpread([at(8192), at(256), at(4096)], [true, true, true])).toBe(8192 - 256);
    expect(sharedSpread([at(64), at(64)], [true, true])).toBe(0); // in place
    expect(sharedSpread([at(0), at(4096)], [false, true])).toBe(0); // only the output itself
  });

  test('merged bindings cover every shared range, and each operand keeps its own start inside', () => {
    // x at byte 0, y at byte 4096, dy elsewhere; 1000 f32s each, vec4 units, 256-byte alignment.
    const n = 1000;
    const plan = planChunks(n, [at(0), at(4096), at(40)], (1 << 20) - 4096, 256);
    const [bx, by, bdy] = mergeShared(plan.chunks[0]!.bindings, [true, true, false], 16);
    expect(bx).toEqual({ offset: 0, size: 4096 + 4 * n, elementOffset: 0 });
    expect(by).toEqual(bx && { ...bx, elementOffset: 4096 / 16 });
    expect(bdy).toEqual(plan.chunks[0]!.bindings[2]); // not shared: its own binding
  });

  test('a later chunk: the union starts at the lower aligned offset, element offsets count from it', () => {
    // Scalar path: y 12 bytes before x; small bindings force several chunks.
    const plan = planChunks(3000, [at(4100), at(4088)], 4096 - 12, 256);
    expect(plan.vector).toBe('scalar');
    for (const chunk of plan.chunks) {
      const [bx, by] = mergeShared(chunk.bindings, [true, true], 4);
      expect(bx!.offset).toBe(by!.offset);
      expect(bx!.offset % 256).toBe(0);
      expect(bx!.offset + 4 * bx!.elementOffset).toBe(4100 + 4 * chunk.start);
      expect(by!.offset + 4 * by!.elementOffset).toBe(4088 + 4 * chunk.start);
      expect(bx!.offset + bx!.size).toBeGreaterThanOrEqual(4100 + 4 * (chunk.start + chunk.length));
      expect(bx!.size).toBeLessThanOrEqual(4096);
    }
  });
});
