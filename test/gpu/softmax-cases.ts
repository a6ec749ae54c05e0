// The softmax shapes the f32 suite (softmax.test.ts) and the f16 suite (softmax-f16.test.ts) both run,
// and the ways of spreading rows over invocations that every softmax suite runs.
import type { CreateOptions } from '../../src/index.js';
import { testAdapter } from '../helpers/gpu.js';

/** The adapter has the 'subgroups' feature: lanes can merge by shuffles. */
export const HAS_SUBGROUPS = (await testAdapter()).features.has('subgroups');

/**
 * How softmax spreads rows, each forced whatever the adapter's default: lanes that share a row and
 * merge by subgroup shuffles (where the adapter has them) or in workgroup memory, and one invocation
 * per row or block (the default on a software adapter, such as the test machines' SwiftShader: first).
 */
export const ROW_PATHS: { name: string; options: Pick<CreateOptions, 'subgroups' | 'rowLanes'> }[] = [
  { name: 'one invocation per row', options: { rowLanes: 'serial' } },
  ...(HAS_SUBGROUPS ? [{ name: 'lanes merged by subgroup shuffles', options: { subgroups: true, rowLanes: 'parallel' } } as const] : []),
  { name: 'lanes merged in workgroup memory', options: { subgroups: false, rowLanes: 'parallel' } },
];

/** The shapes, each with what it exercises. */
export const SHAPES: { shape: number[]; axis?: number; why: string }[] = [
  { shape: [1, 1], why: 'one element: y = 1, l = 0 exactly' },
  { shape: [1, 2], why: 'the smallest reduction' },
  { shape: [3, 7], why: 'one invocation per row, the second vec4 step partial' },
  { shape: [5, 63], why: 'one short of 16 lanes × 4 columns (workgroup path); 4 lanes of a subgroup, a partial last step' },
  { shape: [5, 64], why: '16 lanes × 4 columns exactly' },
  { shape: [5, 65], why: 'one past: 32 lanes, most of them empty (identity lanes)' },
  { shape: [4, 1000], why: 'a whole workgroup per row (workgroup path), a subgroup per row (subgroup path); vec4 loads (rows of 4k)' },
  { shape: [6, 36], why: 'vec4 loads and stores: 9 per row, a partial last step of the lanes' },
  { shape: [2, 4097], why: 'one past 4096: the last step has one live lane; below 2·4096 columns, so no blocks' },
  { shape: [1, 2 ** 20], why: 'a long row in 256 blocks: statistics pass through partials between dispatches' },
  { shape: [70000, 3], why: 'many short rows: one invocation each, 256 per workgroup' },
  { shape: [2, 7, 5], axis: 0, why: 'axis 0 of 3D: rows strided by 35' },
  { shape: [2, 7, 5], axis: 1, why: 'a middle axis: rows strided by 5, neighbouring invocations on neighbouring rows' },
  { shape: [3, 100, 7], axis: 1, why: 'strided rows of 100: on the workgroup path 32 lanes each, interleaved with 8 rows' },
  { shape: [2, 7, 5], axis: 2, why: 'the last axis of 3D' },
  { shape: [2, 7, 5], axis: -2, why: 'a negative axis counts from the end' },
  { shape: [2, 3, 4, 5], axis: 0, why: 'axis 0 of 4D' },
  { shape: [2, 3, 4, 5], axis: 1, why: 'a middle axis of 4D' },
  { shape: [2, 3, 4, 5], axis: 3, why: 'the last axis of 4D' },
  { shape: [3, 40000, 2], axis: 1, why: 'long strided rows, cut into blocks' },
];

