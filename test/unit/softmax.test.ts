// softmax and logSoftmax without a GPU: option checks, the float64 reference, row and chunk planning,
// kernel assembly, and the acceptance helpers the GPU tests use.
import { describe, expect, test } from 'vitest';
import { MIN_NORMAL_F32, SOFTMAX_CONTRACT, absoluteInterval, boundFraction } from '../../src/numerics/accuracy.js';
import { SOFTMAX, compensatedSum, resolveLayout, resolveParams, resolveSource } from '../../src/activations/table.js';
import { softmaxKernelBody, softmaxKey, softmaxShader } from '../../src/gpu/kernels.js';
import { reference } from '../../src/numerics/reference.js';
import { SOFTMAX_WORKGROUP } from '../../src/gpu/kernels.js';
import { planRows, planSlabs, planSoftmax } from '../../src/gpu/softmax.js';
import { checkBounds } from '../../src/numerics/verify.js';

const close = (got: ArrayLike<number>, want: number[], rel = 1e-15) => {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(w))));
};

describe('resolveLayout', () => {
  test('defaults: the whole array is one row along the last axis', () => {
    expect(resolveLayout('softmax', undefined, 6)).toEqual({ shape: [6], axis: 0, outer: 1, len: 6, inner: 1, rows: 1 });
  });

  test.each([
    [[2, 7, 5], 0, { outer: 1, len: 2, inner: 35 }],
    [[2, 7, 5], 1, { outer: 2, len: 7, inner: 5 }],
    [[2, 7, 5], -1, { outer: 14, len: 5, inner: 1 }],
    [[2, 3, 4, 5], 1, { outer: 2, len: 3, inner: 20 }],
    [[4, 0, 3], 1, { outer: 4, len: 0, inner: 3 }],
  ])('shape %o axis %s is [outer, len, inner] = %o', (shape, axis, want) => {
    const layout = resolveLayout('softmax', { shape, axis }, shape.reduce((a, b) => a * b, 1));
    expect(layout).toMatchObject(want);
    expect(layout.rows).toBe(want.outer * want.inner);
  });

  test.each([
    [{ shape: [2, 6] }, 10, 'softmax: shape [2,6] has 12 elements, but x has 10'],
    [{ shape: [2, -5] }, 10, 'softmax: shape [2,-5] is invalid at dimension 1 (-5); expected non-negative integers'],
    [{ shape: [2, 5.5] }, 11, /dimension 1 \(5\.5\)/],
    [{ shape: [2, '5'] }, 10, /dimension 1 \(5\)/],
    [{ shape: [] }, 1, 'softmax: shape [] has no axis; expected at least one dimension'],
    [{ shape: [2, 5], axis: 2 }, 10, 'softmax: axis 2 is out of range for shape [2,5]; expected an integer in [-2, 1]'],
    [{ shape: [2, 5], axis: -3 }, 10, /axis -3 is out of range/],
    [{ shape: [2, 5], axis: 1.5 }, 10, /axis 1.5 is out of range/],
    [{ shape: [2, 5], axis: NaN }, 10, /axis NaN is out of range/],
  ])('%o with %s elements is a RangeError', (params, length, message) => {
    expect(() => resolveLayout('softmax', params, length)).toThrow(RangeError);
    expect(() => resolveLayout('softmax', params, length)).toThrow(message);
  });

  test('a shape or axis of the wrong type is a TypeError', () => {
    expect(() => resolveLayout('logSoftmax', { shape: '2,5' }, 10)).toThrow(TypeError);
    expect(() => resolveLayout('logSoftmax', { shape: [2, 5], axis: '1' }, 10)).toThrow('logSoftmax: axis must be a number, got string 1');
  });
});

describe('resolveSource and resolveParams', () => {
  test('from defaults to input, is backward-only, and is input or output', () => {
    expect(resolveSource('softmax', 'backward', {})).toBe('input');
    expect(resolveSource('softmax', 'backward', { from: 'output' })).toBe('output');
    expect(() => resolveSource('softmax', 'derivative', { from: 'output' })).toThrow('softmax: from is an option of backward, not of derivative');
    expect(() => resolveSource('tanh', 'backward', { from: 'x' })).toThrow('tanh: from = "x" is invalid; expected "input" or "output"');
  });

  test('softmax takes shape, axis and from; sigmoid and tanh take from; the rest as before', () => {
    expect(resolveParams('softmax', { shape: [2], axis: 0, from: 'input' })).toEqual({});
    expect(() => resolveParams('logSoftmax', { alpha: 1 })).toThrow('logSoftmax: unknown parameter "alpha"; logSoftmax takes no parameters, and the options "shape", "axis", "from"');
    expect(resolveParams('sigmoid', { from: 'output' })).toEqual({});
    expect(() => resolveParams('sigmoid', { shape: [1] })).toThrow('sigmoid: the option "shape" is for softmax, logSoftmax only; sigmoid takes no parameters, and the option "from"');
    expect(() => resolveParams('linear', { from: 'output' })).toThrow('linear: backward\'s option "from" is for elu, relu, leakyRelu, sigmoid, tanh, softplus, selu, celu, logSigmoid, softmax, logSoftmax only; linear takes the parameter "m"');
  });
});

describe('reference: closed forms', () => {
  // x = [0, ln 3]: e^x = [1, 3], y = [1/4, 3/4].
  const x = [0, Math.log(3)];
  test('softmax, logSoftmax', () => {
    close(reference.forward('softmax', x), [0.25, 0.75]);
    close(reference.forward('logSoftmax', x), [Math.log(0.25), Math.log(0.75)]);
  });

  test('backward: y ⊙ (dy − Σ dy ⊙ y) and dy − y·Σ dy', () => {
    // g = 1/4: dx = [1/4·3/4, 3/4·(−1/4)].
    close(reference.backward('softmax', x, [1, 0]), [0.1875, -0.1875]);
    close(reference.backward('logSoftmax', x, [1, 0]), [0.75, -0.75]);
    close(reference.backward('softmax', [0.25, 0.75], [1, 0], { from: 'output' }), [0.1875, -0.1875]);
    close(reference.backward('logSoftmax', [Math.log(0.25), Math.log(0.75)], [1, 0], { from: 'output' }), [0.75, -0.75]);
  });

  test('Jacobians: diag(y) − y yᵀ and I − 1 yᵀ, one row first', () => {
    close(reference.derivative('softmax', x), [0.1875, -0.1875, -0.1875, 0.1875]);
    close(reference.derivative('logSoftmax', x), [0.75, -0.75, -0.25, 0.25]);
  });

  test('the Jacobian diagonal does not cancel where y is close to 1', () => {
    // x = [0, −40]: y₀(1 − y₀) = e⁻⁴⁰/(1 + e⁻⁴⁰)², which 1 − y₀ in float64 would get only to ~5%.
    const e = Math.exp(-40);
    close([reference.derivative('softmax', [0, -40])[0]!], [e / (1 + e) ** 2], 1e-14);
    close([reference.derivative('logSoftmax', [0, -40])[0]!], [e / (1 + e)], 1e-14);
  });

  test('along a middle axis: the same as each strided row on its own', () => {
    const shape = [2, 3, 2];
    const values = Array.from({ length: 12 }, (_, i) => Math.sin(i) * 3);
    const got = reference.forward('softmax', values, { shape, axis: 1 });
    for (let o = 0; o < 2; o++) {
      for (let i = 0; i < 2; i++) {
        const at = [0, 1, 2].map((j) => (o * 3 + j) * 2 + i);
        const row = reference.forward('softmax', at.map((k) => values[k]!));
        at.forEach((k, j) => expect(got[k]).toBe(row[j]));
      }
    }
    // Jacobians: row r = o·inner + i at r·len².
    const jacobians = reference.derivative('softmax', values, { shape, axis: 1 });
    const row1 = reference.derivative('softmax', [1, 3, 5].map((k) => values[k]!));
    expect(Array.from(jacobians.subarray(9, 18))).toEqual(Array.from(row1));
  });
});

describe('reference: special rows', () => {
  test('huge values: no overflow', () => {
    close(reference.forward('softmax', [1e4, 0]), [1, 0]);
    close(reference.forward('softmax', [3.4e38, 3.4e38, -3.4e38]), [0.5, 0.5, 0]);
    close(reference.forward('logSoftmax', [3.4e38, -3.4e38]), [0, -6.8e38]);
  });

  test('masked entries get 0 (log −∞), the rest sum to 1', () => {
    expect(Array.from(reference.forward('softmax', [-Infinity, 0, -Infinity, 0]))).toEqual([0, 0.5, 0, 0.5]);
    expect(reference.forward('logSoftmax', [-Infinity, 0])[0]).toBe(-Infinity);
  });

  test.each([
    ['fully masked', [-Infinity, -Infinity]],
    ['a NaN', [1, NaN, 2]],
    ['+∞', [1, Infinity]],
    ['+∞ and −∞', [Infinity, -Infinity]],
  ])('%s: NaN for the whole row, in every mode', (_, row) => {
    const dy = row.map(() => 1);
    for (const name of ['softmax', 'logSoftmax'] as const) {
      expect(Array.from(reference.forward(name, row)).every(Number.isNaN)).toBe(true);
      expect(Array.from(reference.backward(name, row, dy)).every(Number.isNaN)).toBe(true);
      expect(Array.from(reference.derivative(name, row)).every(Number.isNaN)).toBe(true);
    }
  });

  test('a single element gives 1, log 0', () => {
    expect(Array.from(reference.forward('softmax', [-3e38, 7], { shape: [2, 1] }))).toEqual([1, 1]);
    expect(Array.from(reference.forward('logSoftmax', [-3e38, 7], { shape: [2, 1] }))).toEqual([0, 0]);
  });

  test('NaN in dy: NaN for the row (it enters Σ dy ⊙ y)', () => {
    expect(Array.from(reference.backward('softmax', [1, 2], [NaN, 1])).every(Number.isNaN)).toBe(true);
  });
});

describe('reference: backward from the output', () => {
  test('softmax and logSoftmax from their own outputs equal backward from x', () => {
    const x = [0.3, -1.2, 2.5, 0];
    const dy = [1, -2, 0.5, 3];
    for (const name of ['softmax', 'logSoftmax'] as const) {
      const y = reference.forward(name, x);
      close(reference.backward(name, y, dy, { from: 'output' }), Array.from(reference.backward(name, x, dy)), 1e-14);
    }
  });

  test('sigmoid and tanh: dy·y(1 − y) and dy·(1 − y²)', () => {
    expect(Array.from(reference.backward('sigmoid', [0.25, 0.5], [2, 1], { from: 'output' }))).toEqual([0.375, 0.25]);
    expect(Array.from(reference.backward('tanh', [0.5, -1], [2, 1], { from: 'output' }))).toEqual([1.5, 0]);
  });
});

describe('compensatedSum', () => {
  test('many small terms after a large one are not lost', () => {
    // In plain float64, 1 + 1e-17 rounds to 1 every time.
    expect(compensatedSum(1_000_001, (j) => (j === 0 ? 1 : 1e-17))).toBe(1 + 1e-11);
  });

  test('∞ and NaN come through', () => {
    expect(compensatedSum(3, (j) => [1, Infinity, 2][j]!)).toBe(Infinity);
    expect(compensatedSum(2, (j) => [Infinity, -Infinity][j]!)).toBeNaN();
    expect(compensatedSum(2, (j) => [1, NaN][j]!)).toBeNaN();
  });
});

describe('planRows', () => {
  test.each([
    // len, inner, rows, lanes of a subgroup (undefined: workgroup path) → lanes per unit, blocks
    [1, 1, 1000, undefined, 1, 1],
    [16, 1, 70000, 4, 1, 1], // up to 16 columns, one invocation per row
    [17, 1, 3, undefined, 8, 1],
    [64, 1, 5, undefined, 16, 1],
    [65, 1, 5, undefined, 32, 1],
    [65, 1, 5, 4, 4, 1], // the subgroup path: a row's lanes fit in the smallest subgroup
    [1000, 1, 4, undefined, 256, 1],
    [1000, 1, 4, 32, 32, 1],
    [4097, 1, 2, undefined, 256, 1], // below 2·4096 columns: no blocks
    [2 ** 20, 1, 1, undefined, 256, 256],
    [2 ** 20, 1, 1, 32, 32, 256],
    [2 ** 24, 1, 1, undefined, 256, 256],
    [2 ** 20, 1, 4096, undefined, 256, 1], // enough rows to fill a GPU: no blocks
    [7, 5, 2, undefined, 1, 1],
    [40000, 2, 6, undefined, 128, 9], // workgroup path, strided: 2 rows side by side
    [40000, 2, 6, 4, 4, 9],
    [1000, 1000, 4000, undefined, 8, 1], // strided: 32 rows side by side
    [1000, 1000, 64000, undefined, 1, 1], // many strided rows: one invocation each
  ])('len %s, inner %s, %s rows, subgroup lanes %s: %s lanes, %s blocks', (len, inner, rows, subgroupLanes, lanes, blocks) => {
    const plan = planRows(len, inner, rows, subgroupLanes);
    expect(2 ** plan.laneBits).toBe(lanes);
    expect(plan.blocks).toBe(blocks);
    expect(lanes * plan.unitsPerGroup).toBe(SOFTMAX_WORKGROUP);
    // The blocks cover the row exactly once, and start where a lane's vec4 step starts.
    expect(plan.blocks * plan.blockLen).toBeGreaterThanOrEqual(len);
    expect((plan.blocks - 1) * plan.blockLen).toBeLessThan(len);
    if (plan.blocks > 1) expect(plan.blockLen % (4 * lanes)).toBe(0);
    // A unit's lanes: neighbouring lane ids (q in the low bits), or interleaved for strided rows on
    // the workgroup path (q in the high bits).
    const interleaved = inner > 1 && subgroupLanes === undefined;
    expect([plan.laneShift, plan.rowShift]).toEqual(interleaved ? [8 - plan.laneBits, 0] : [0, plan.laneBits]);
  });

  test.each([
    // len, inner, rows → blocks: serial (rowLanes 'serial') gives each row or block one lane, and
    // still cuts long rows into blocks where the rows alone are too few.
    [64, 1, 65536, 1],
    [1000, 1, 4, 1], // below 2·4096 columns: no blocks
    [16384, 1, 256, 4],
    [2 ** 18, 1, 16, 64],
    [2 ** 20, 1, 1, 256],
    [40000, 2, 6, 9],
  ])('serial: len %s, inner %s, %s rows: one lane, %s blocks', (len, inner, rows, blocks) => {
    for (const subgroupLanes of [undefined, 4, 32]) {
      const plan = planRows(len, inner, rows, subgroupLanes, Infinity, true);
      expect(plan.laneBits).toBe(0);
      expect(plan.unitsPerGroup).toBe(SOFTMAX_WORKGROUP);
      expect(plan.blocks).toBe(blocks);
      expect(plan.blocks * plan.blockLen).toBeGreaterThanOrEqual(len);
      expect((plan.blocks - 1) * plan.blockLen).toBeLessThan(len);
    }
  });
});

describe('planSlabs', () => {
  const op = (byteOffset: number) => ({ byteOffset, bufferSize: 1 << 30 });

  test('one chunk when everything fits', () => {
    const chunks = planSlabs(4, 100, [op(0), op(28)], 1 << 20, 256);
    expect(chunks).toEqual([{
      firstOuter: 0, outerCount: 4,
      bindings: [{ offset: 0, size: 1600, elementOffset: 0 }, { offset: 0, size: 1628, elementOffset: 7 }],
    }]);
  });

  test('cut on slice boundaries, at aligned offsets, each binding within the limit', () => {
    const slab = 1000; // 4000 bytes
    const chunks = planSlabs(10, slab, [op(4), op(1000)], 16384, 256);
    expect(chunks.map((c) => [c.firstOuter, c.outerCount])).toEqual([[0, 4], [4, 4], [8, 2]]);
    for (const c of chunks) {
      c.bindings.forEach((b, k) => {
        const first = [4, 1000][k]! + 4 * c.firstOuter * slab;
        expect(b.offset % 256).toBe(0);
        expect(b.offset + 4 * b.elementOffset).toBe(first);
        expect(b.offset + b.size).toBe(first + 4 * c.outerCount * slab);
        expect(b.size).toBeLessThanOrEqual(16384);
      });
    }
  });

  test('a slice larger than a binding is a RangeError', () => {
    expect(() => planSlabs(1, 5000, [op(0)], 16384, 256)).toThrow(RangeError);
  });
});

describe('planSoftmax: rows longer than a binding', () => {
  const op = (byteOffset: number) => ({ byteOffset, bufferSize: 1 << 30 });

  test.each([
    // [outer, len, inner, operand offsets (bytes), binding room]
    [1, 57347, 1, [0, 4], 65536], // one row of 3.5 bindings, y at an offset that is not aligned
    [2, 57347, 1, [0, 0], 65536],
    [1, 20000, 3, [8, 64], 65536], // a strided axis: columns of 3 f32s
    [3, 10000, 7, [0, 0], 16384],
  ] as const)('outer %i, len %i, inner %i: runs of whole blocks cover every block once, each within one binding', (outer, len, inner, offsets, room) => {
    const layout = resolveLayout('softmax', { shape: [outer, len, inner], axis: 1 }, outer * len * inner);
    const { rows, maxRows, groups } = planSoftmax(layout, offsets.map(op), [false, false], room, 256);
    expect(rows.blocks).toBeGreaterThan(1);
    expect(maxRows).toBe(inner);
    expect(groups).toHaveLength(outer); // one outer slice per group
    groups.forEach((runs, o) => {
      let next = 0;
      for (const run of runs) {
        expect(run.firstBlock).toBe(next); // in order, no gap, no overlap
        next = run.blockEnd;
        expect(run.rows).toBe(inner);
        expect(run.col0).toBe(run.firstBlock * rows.blockLen);
        const colEnd = Math.min(len, run.blockEnd * rows.blockLen);
        run.bindings.forEach((b, k) => {
          const first = offsets[k]! + 4 * (o * len + run.col0) * inner;
          expect(b.offset % 256).toBe(0);
          expect(b.offset + 4 * b.elementOffset).toBe(first);
          expect(b.offset + b.size).toBe(first + 4 * (colEnd - run.col0) * inner);
          expect(b.size).toBeLessThanOrEqual(room);
        });
      }
      expect(next).toBe(rows.blocks);
    });
  });

  test('rows that fit take the slab path: one group per chunk, all blocks at once', () => {
    const layout = resolveLayout('softmax', { shape: [64, 1024] }, 64 * 1024);
    const plan = planSoftmax(layout, [op(0), op(0)], [false, false], 1 << 20, 256);
    expect(plan.groups).toEqual([[expect.objectContaining({ rows: 64, firstBlock: 0, blockEnd: plan.rows.blocks, col0: 0 })]]);
  });
});

describe('kernel assembly', () => {
  const program = SOFTMAX.softmax.wgsl.backward;

  test('one invocation per row: no merging', () => {
    expect(softmaxKernelBody(SOFTMAX.logSoftmax.wgsl.forward, 'thread')).toEqual([
      'let w = work_of(group, v);',
      'let mine = w;',
      'let s0 = lane_stats(mine);',
      'write_log_softmax(w, s0);',
    ]);
  });

  test('one dispatch per mode for rows in one workgroup', () => {
    expect(softmaxKernelBody(program, 'rows')).toEqual([
      'let w = work_of(group, v);',
      'let mine = share(w);',
      'let s0 = reduce(lane_stats(mine), v);',
      'let s1 = reduce(lane_dot_softmax(mine, s0), v);',
      'write_softmax_backward(w, s0, s1.z);',
    ]);
  });

  test('blocks: each statistic in its own dispatch through partials, then the writer', () => {
    expect(softmaxKernelBody(program, 1)).toEqual([
      'let w = work_of(group, v);',
      'let mine = share(w);',
      'let s0 = reduce(load_partials(mine, 0u), v);',
      'let s1 = reduce(lane_dot_softmax(mine, s0), v);',
      'store_partial(w, 1u, s1);',
    ]);
    expect(softmaxKernelBody(program, 2).slice(-1)).toEqual(['write_softmax_backward(w, s0, s1.z);']);
    expect(() => softmaxKernelBody(program, 3)).toThrow(RangeError);
  });

  test('subgroups enable the extension and its variant; in place reads x through y', () => {
    const variant = { phase: 'rows' as const, subgroups: true, xIsY: true, dyIsY: false, input: 'f32' as const, output: 'f32' as const, vec4: false };
    const code = softmaxShader(SOFTMAX.softmax.wgsl.forward, variant);
    expect(code.startsWith('enable subgroups;')).toBe(true);
    expect(code).toMatch(/subgroupShuffleXor/);
    expect(code).toMatch(/fn read_x\(i: u32\) -> f32 \{\n  return y\[i\];/);
    const fallback = softmaxShader(SOFTMAX.softmax.wgsl.forward, { ...variant, subgroups: false, xIsY: false });
    expect(fallback).not.toMatch(/subgroup[A-Z]|enable subgroups/);
    expect(fallback).toMatch(/workgroupBarrier/);
    // One invocation per row: the workgroup variant's entry, whatever the path, and no subgroups.
    const thread = softmaxShader(SOFTMAX.softmax.wgsl.forward, { ...variant, phase: 'thread' });
    expect(thread).not.toMatch(/enable subgroups/);
    expect(softmaxKey('softmax', 'forward', false, { ...variant, phase: 'thread' })).toBe('softmax/forward/thread/x=y');
    expect(softmaxKey('softmax', 'backward', true, variant)).toBe('softmax/backward/from-output/rows/subgroups/x=y');
  });

  test('vec4: the operands are arrays of vec4<f32>, read and written a vec4 at a time, x through y in place; its own key', () => {
    const variant = { phase: 'rows' as const, subgroups: false, xIsY: true, dyIsY: false, input: 'f32' as const, output: 'f32' as const, vec4: true };
    const code = softmaxShader(SOFTMAX.softmax.wgsl.backward, variant);
    expect(code).toMatch(/var<storage, read_write> y: array<vec4<f32>>/);
    expect(code).toMatch(/var<storage, read> dy: array<vec4<f32>>/);
    expect(code).toMatch(/fn load4_x\(w: Work, j: u32, fill: f32\) -> vec4<f32> \{\n  return y\[at4\(w, params.x_off, j\)\];/);
    expect(code).toMatch(/const SIDE_BY_SIDE: u32 = 4u;/);
    expect(code).not.toMatch(/fn read_x|fn columns/);
    expect(softmaxKey('softmax', 'backward', false, variant)).toBe('softmax/backward/rows/workgroup/x=y/vec4');
  });

  test('f16: packed halves read through y with atomicLoad in place, written with atomicAnd and atomicOr; its own key', () => {
    const variant = { phase: 'rows' as const, subgroups: false, xIsY: true, dyIsY: false, input: 'f16' as const, output: 'f16' as const, vec4: false };
    const code = softmaxShader(SOFTMAX.softmax.wgsl.forward, variant);
    expect(code).toMatch(/var<storage, read_write> y: array<atomic<u32>>/);
    expect(code).toMatch(/fn read_x\(i: u32\) -> f32 \{\n  return f16_widen\(vec4\(\(atomicLoad\(&y\[i >> 1u\]\)/);
    expect(code).toMatch(/atomicAnd\(&y\[i >> 1u\], ~\(0xffffu << shift\)\);\n  atomicOr/);
    expect(code.replace(/\/\/.*$/gm, "")).not.toMatch(/pack2x16float|[^_]f16\(/);
    expect(softmaxKey('softmax', 'forward', false, variant)).toBe('softmax/forward/rows/workgroup/x=y/f16-f16');
    // The Jacobian's probabilities: f16 in, f32 out.
    expect(softmaxKey('softmax', 'forward', false, { ...variant, xIsY: false, output: 'f32' })).toBe('softmax/forward/rows/workgroup/f16-f32');
  });
});

describe('acceptance helpers', () => {
  test('absoluteInterval: NaN only for NaN, infinities only beyond f32\'s range', () => {
    expect(absoluteInterval(NaN, 1).contains(NaN)).toBe(true);
    expect(absoluteInterval(NaN, 1).contains(0)).toBe(false);
    expect(absoluteInterval(0, 1).contains(NaN)).toBe(false);
    expect(absoluteInterval(-6.8e38, 1).contains(-Infinity)).toBe(true);
    expect(absoluteInterval(-6.8e38, 1).contains(-3.4e38)).toBe(false);
    expect(absoluteInterval(3e38, 1e38).contains(Infinity)).toBe(false);
    expect(absoluteInterval(1, 0.5).contains(1.5)).toBe(true);
    expect(absoluteInterval(1, 0.5).contains(1.5000001)).toBe(false);
    // An exact value past f32's range with a tolerance that reaches back into it (an absolute
    // contract scaled by a huge dy): the infinity, and the finite values within the tolerance.
    expect(absoluteInterval(2e51, 3e53).contains(Infinity)).toBe(true);
    expect(absoluteInterval(2e51, 3e53).contains(0)).toBe(true);
    expect(absoluteInterval(2e51, 3e53).contains(-Infinity)).toBe(false);
    expect(absoluteInterval(Infinity, 1e300).contains(3.4e38)).toBe(false);
  });

  test('boundFraction <= 1 exactly where absoluteInterval contains the value', () => {
    const values = [0, -0, 1, 1.5, 2, -1, 1e-40, 3.4e38, -6.8e38, Infinity, -Infinity, NaN];
    for (const exact of values) {
      for (const got of values) {
        for (const tol of [0.5, 1e-45, 1e39]) {
          expect(boundFraction(got, exact, tol) <= 1, `${got} vs ${exact} ± ${tol}`).toBe(absoluteInterval(exact, tol).contains(got));
        }
      }
    }
  });

  test('the contract: relative 2^-17 above 2^-126, absolute below; logSoftmax grows with |l|', () => {
    expect(SOFTMAX_CONTRACT.probability(0.5)).toBe(2 ** -18);
    expect(SOFTMAX_CONTRACT.probability(MIN_NORMAL_F32)).toBe(2 ** -143);
    expect(SOFTMAX_CONTRACT.probability(MIN_NORMAL_F32 / 2)).toBe(MIN_NORMAL_F32);
    expect(SOFTMAX_CONTRACT.logProbability(-3)).toBe(2 ** -16);
    expect(SOFTMAX_CONTRACT.softmaxBackward(4)).toBe(2 ** -15 + MIN_NORMAL_F32);
    expect(SOFTMAX_CONTRACT.logSoftmaxBackward(-1, 0.5, 6)).toBe(2 ** -15 + MIN_NORMAL_F32);
    expect(SOFTMAX_CONTRACT.softmaxJacobian(0.5, 0.25, true)).toBe(0.625 * 2 ** -17 + MIN_NORMAL_F32);
    expect(SOFTMAX_CONTRACT.fromOutput(-2, 2 ** -24, 2)).toBe(2 * (2 ** -23 + 2 ** -22) + MIN_NORMAL_F32);
  });

  test('checkBounds counts failures, and reports the worst over normal exact values only', () => {
    const exact = [1, 2, 1e-39, NaN];
    const r = checkBounds('t', [1.1, 2.5, 0, NaN], exact, () => 0.2);
    expect(r.failureCount).toBe(1);
    expect(r.failures[0]).toMatch(/t \[1\]: got 2\.5, want 2 ± 0\.2/);
    expect(r.worst).toBeCloseTo(2.5, 12);
    const flushed = checkBounds('t', [0], [1e-39], () => MIN_NORMAL_F32);
    expect([flushed.failureCount, flushed.worst]).toEqual([0, 0]);
    expect(checkBounds('t', [1], [1, 2], () => 1).failureCount).toBe(1);
  });
});
