// The softmax shapes the f32 suite (softmax.test.ts) and the f16 suite (softmax-f16.test.ts) both run.

/** The shapes, each with what it exercises. */
export const SHAPES: { shape: number[]; axis?: number; why: string }[] = [
  { shape: [1, 1], why: 'one element: y = 1, l = 0 exactly' },
  { shape: [1, 2], why: 'the smallest reduction' },
  { shape: [3, 7], why: 'one invocation per row, the second vec4 step partial' },
  { shape: [5, 63], why: 'one short of 16 lanes × 4 columns (workgroup path); 4 lanes of a subgroup, a partial last step' },
  { shape: [5, 64], why: '16 lanes × 4 columns exactly' },
  { shape: [5, 65], why: 'one past: 32 lanes, most of them empty (identity lanes)' },
  { shape: [4, 1000], why: 'a whole workgroup per row (workgroup path), a subgroup per row (subgroup path)' },
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

