// The benchmark matrix of issue 5: every activation of the table with our parameters and each
// peer's equivalent (or why it has none), then the cases as op × mode × size.
import { ACTIVATION_NAMES, lookupActivation } from '../src/activations/table.js';
import { ortOp, type OrtOp } from './ort-ops.js';
import { tfjsOp, type TfjsCall } from './tfjs-ops.js';

export type BenchMode = 'forward' | 'derivative' | 'backward';
export type OpKind = 'elementwise' | 'softmax';

/** A peer's equivalent of one op, or the reason it has none (shown in the table). */
export type PeerOp<T> = { readonly op: T } | { readonly unavailable: string };

export interface OpSpec {
  readonly kind: OpKind;
  readonly modes: readonly BenchMode[];
  /** Our parameters; the peers get the same values. */
  readonly params: Readonly<Record<string, number>>;
  /** Peers run forward only: neither has a single-kernel f'(x) or dy·f'(x) to compare with. */
  readonly tfjs: PeerOp<TfjsCall>;
  readonly ort: PeerOp<OrtOp>;
}

const ELEMENTWISE_MODES: readonly BenchMode[] = ['forward', 'derivative', 'backward'];
const SOFTMAX_MODES: readonly BenchMode[] = ['forward', 'backward'];
/** Parameters other than the table's defaults: linear's default m = 1 would make it a plain copy. */
const BENCH_PARAMS: Readonly<Record<string, Readonly<Record<string, number>>>> = { linear: { m: 1.5 } };

/** Every activation of the table, with the peers' equivalents (the mappings sit in the peers' files). */
export const OPS: Readonly<Record<string, OpSpec>> = Object.fromEntries(ACTIVATION_NAMES.map((name) => {
  const kind = lookupActivation(name, 'bench').kind;
  const params = BENCH_PARAMS[name] ?? Object.fromEntries(
    Object.entries(lookupActivation(name, 'bench').params).map(([key, spec]) => [key, spec.default]),
  );
  const spec: OpSpec = {
    kind, modes: kind === 'elementwise' ? ELEMENTWISE_MODES : SOFTMAX_MODES, params,
    tfjs: tfjsOp(name, params), ort: ortOp(name, params),
  };
  return [name, spec];
}));

export const ELEMENTWISE_SIZES = [2 ** 20, 2 ** 22, 2 ** 24] as const;
/** f16 rows (issue 12): every elementwise op at these sizes, and every softmax shape. */
export const F16_SIZES = [2 ** 22, 2 ** 24] as const;
/** Softmax over the last axis, 2²² elements each: from many short rows to a few long ones. */
export const SOFTMAX_SHAPES: readonly (readonly [number, number])[] = [
  [4096, 1024],
  [256, 16384],
  [16, 262144],
  [65536, 64],
];

export interface BenchCase {
  /** 'sigmoid backward 2^24', 'softmax forward [4096,1024]'. */
  readonly id: string;
  readonly op: string;
  readonly spec: OpSpec;
  readonly mode: BenchMode;
  /** [n] for elementwise ops, [rows, cols] for softmax over the last axis. */
  readonly shape: readonly number[];
  readonly elements: number;
  /** The tensors' dtype: f16 rows also time our f32 op on the same elements (× our f32). */
  readonly dtype: 'f32' | 'f16';
  /**
   * Bytes an ideal kernel moves: read x once and write y once; backward also reads dy (softmax's
   * backward reads y and dy and writes dx, the same count). Two per element for f16.
   */
  readonly bytes: number;
  /** Operations per timed sample. */
  readonly k: number;
}

export interface MatrixOptions {
  /** Elementwise sizes to include (default: all three). */
  readonly sizes?: readonly number[];
  /** Softmax shapes to include (default: all four). */
  readonly softmaxShapes?: readonly (readonly [number, number])[];
  /** Only cases whose id matches. */
  readonly filter?: RegExp;
  /** Include the f16 rows (default true); their elementwise sizes are `sizes` ∩ F16_SIZES, or F16_SIZES. */
  readonly f16?: boolean;
}

/**
 * Operations per sample: for elementwise ops, enough that one sample moves at least 2²⁴ elements'
 * worth (and 2 to 16 ops), so that the 100 µs quantisation of timestamps and per-sample fixed costs
 * stay below 1 % on the software adapter. Softmax takes 2: its peers run up to 50× a copy's time.
 */
export function opsPerSample(kind: OpKind, elements: number): number {
  if (kind === 'softmax') return 2;
  return Math.min(16, Math.max(2, Math.round(2 ** 24 / elements)));
}

function sizeLabel(n: number): string {
  const log = Math.log2(n);
  return Number.isInteger(log) ? `2^${log}` : String(n);
}

export function benchMatrix(options: MatrixOptions = {}): BenchCase[] {
  const cases: BenchCase[] = [];
  const f16Sizes = options.sizes ? options.sizes.filter((n) => (F16_SIZES as readonly number[]).includes(n)) : F16_SIZES;
  for (const dtype of options.f16 === false ? ['f32' as const] : ['f32' as const, 'f16' as const]) {
    for (const [op, spec] of Object.entries(OPS)) {
      const shapes = spec.kind === 'elementwise'
        ? (dtype === 'f16' ? f16Sizes : options.sizes ?? ELEMENTWISE_SIZES).map((n) => [n])
        : options.softmaxShapes ?? SOFTMAX_SHAPES;
      for (const mode of spec.modes) {
        for (const shape of shapes) {
          const elements = shape.reduce((a, b) => a * b, 1);
          const label = spec.kind === 'elementwise' ? sizeLabel(elements) : `[${shape.join(',')}]`;
          const id = `${op} ${mode} ${label}${dtype === 'f16' ? ' f16' : ''}`;
          if (options.filter && !options.filter.test(id)) continue;
          const bytes = (dtype === 'f16' ? 2 : 4) * elements * (mode === 'backward' ? 3 : 2);
          cases.push({ id, op, spec, mode, shape, elements, dtype, bytes, k: opsPerSample(spec.kind, elements) });
        }
      }
    }
  }
  return cases;
}
