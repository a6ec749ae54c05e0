// The accuracy page: bench/accuracy-run.mjs opens it in headless Chromium and calls
// window.runAccuracy(). Every elementwise op of ours in each mode, and each peer's forward op where
// it has one (the mappings of bench/tfjs-ops.ts and bench/ort-ops.ts), on the same inputs, against
// the float64 reference: the largest error in ULP, where it occurs, and how many results are NaN or
// ±∞ where the exact f32 result is finite.
import { ELEMENTWISE, ELEMENTWISE_NAMES, resolveParams, type ElementwiseName, type Mode } from '../src/activations/table.js';
import { createActivations, type Activations } from '../src/index.js';
import { flushCandidates, measuredUlps } from '../src/numerics/accuracy.js';
import { exactElement } from '../src/numerics/reference.js';
import { SPECIAL_X, checkElementwise, uniform, verificationInputs } from '../src/numerics/verify.js';
import { OPS } from './cases.js';
import { ortForward, ortVersion } from './peer-ort.js';
import { initTfjs, tfjsForward, tfjsVersion } from './peer-tfjs.js';
import type { OrtOp } from './ort-ops.js';
import type { TfjsCall } from './tfjs-ops.js';

/** How one contender did on one op and mode. */
export type Measured =
  | {
    readonly status: 'ok';
    /** The largest error in ULP of the correctly rounded result, and the input where it occurs. */
    readonly maxUlps: number;
    readonly x: number | null;
    /** Results that are NaN or ±∞ where the input is finite and the exact f32 result is finite. */
    readonly nonFinite: number;
    /** Inputs ±∞ and NaN whose result is more than 16 ULP off the limit, or not NaN for NaN. */
    readonly special: number;
    /** Ours only: results outside the contract, and the bound at the worst input. */
    readonly failures?: number;
    readonly bound?: number;
  }
  | { readonly status: 'unavailable'; readonly reason: string };

export interface OpAccuracy {
  readonly name: string;
  readonly params: Readonly<Record<string, number>>;
  readonly ours: Readonly<Record<Mode, Measured>>;
  readonly tfjs: Measured;
  readonly ort: Measured;
}

export interface AccuracyResults {
  readonly date: string;
  readonly userAgent: string;
  readonly adapter: Record<string, string>;
  readonly versions: Record<string, string>;
  readonly inputs: string;
  readonly count: number;
  readonly ops: readonly OpAccuracy[];
}

declare global {
  interface Window {
    runAccuracy(): Promise<AccuracyResults>;
    accuracyProgress?(line: string): Promise<void>;
  }
}

const SWEEP = 2 ** 18 + 1;
const RANDOM = 2 ** 18;
const MODES: readonly Mode[] = ['forward', 'derivative', 'backward'];

/** The dense sweep over [-100, 100], random bit patterns and uniform [-30, 30], the shared special inputs and the op's own. */
function inputsFor(name: ElementwiseName): Float32Array {
  const sweep = Float32Array.from({ length: SWEEP }, (_, i) => -100 + (200 * i) / (SWEEP - 1));
  const random = verificationInputs(RANDOM, 2026, 30).subarray(0, RANDOM);
  return Float32Array.from([...sweep, ...random, ...SPECIAL_X, ...(ELEMENTWISE[name].inputs ?? [])]);
}

/**
 * The plain measure, for peers: over finite inputs, the largest error in ULP (either reading of a
 * subnormal input) among results that are not wrongly NaN or ±∞, which are counted apart; over the
 * inputs ±∞ and NaN, how many results are off the limit (or not NaN) by more than 16 ULP.
 */
function measure(name: ElementwiseName, params: Readonly<Record<string, number>>, x: Float32Array, got: Float32Array): Measured {
  const exact = exactElement(ELEMENTWISE[name], 'forward', resolveParams(name, params));
  let maxUlps = 0;
  let at: number | null = null;
  let nonFinite = 0;
  let special = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const g = got[i]!;
    let ulps = Infinity;
    for (const fx of flushCandidates(xi)) ulps = Math.min(ulps, measuredUlps(g, exact(fx)));
    if (!Number.isFinite(xi)) {
      if (ulps > 16) special++;
    } else if (!Number.isFinite(g) && Number.isFinite(Math.fround(exact(xi)))) {
      nonFinite++;
    } else if (ulps > maxUlps) {
      maxUlps = ulps;
      at = xi;
    }
  }
  return { status: 'ok', maxUlps, x: at, nonFinite, special };
}

function countNonFinite(name: ElementwiseName, mode: Mode, params: object, x: Float32Array, dy: Float32Array, got: Float32Array): number {
  const exact = exactElement(ELEMENTWISE[name], mode, resolveParams(name, params));
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]!) && Number.isFinite(dy[i]!) && !Number.isFinite(got[i]!) && Number.isFinite(Math.fround(exact(x[i]!, dy[i]!)))) n++;
  }
  return n;
}

async function ours(act: Activations, name: ElementwiseName, mode: Mode, params: object, x: Float32Array, dy: Float32Array): Promise<Measured> {
  const got = mode === 'forward' ? await act.forward(name, x, params)
    : mode === 'derivative' ? await act.derivative(name, x, params) : await act.backward(name, x, dy, params);
  // The contract's checker: every result, ±∞ and NaN inputs included, against the entry's bound.
  const r = checkElementwise(name, mode, params, x, mode === 'backward' ? dy : undefined, got);
  return {
    status: 'ok', maxUlps: r.maxUlps, x: r.worst?.x ?? null, nonFinite: countNonFinite(name, mode, params, x, dy, got),
    special: 0, failures: r.failureCount, bound: r.worst?.bound ?? 0,
  };
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

window.runAccuracy = async (): Promise<AccuracyResults> => {
  const act = await createActivations();
  const adapterInfo = act.device.adapterInfo;
  let tfjsFailure: string | undefined;
  try {
    await initTfjs(act.device, adapterInfo);
  } catch (e) {
    tfjsFailure = errorText(e);
  }
  const results: OpAccuracy[] = [];
  let count = 0;
  for (const name of ELEMENTWISE_NAMES) {
    const spec = OPS[name]!;
    const params = spec.params;
    const x = inputsFor(name);
    count = x.length;
    const dy = uniform(x.length, -4, 4, 7);
    const mine = {} as Record<Mode, Measured>;
    for (const mode of MODES) mine[mode] = await ours(act, name, mode, params, x, dy);
    let tfjs: Measured;
    if (tfjsFailure) tfjs = { status: 'unavailable', reason: `tfjs failed to start: ${tfjsFailure}` };
    else if ('unavailable' in spec.tfjs) tfjs = { status: 'unavailable', reason: spec.tfjs.unavailable };
    else {
      const call = spec.tfjs.op as TfjsCall;
      tfjs = await tfjsForward(call, x).then((got) => measure(name, params, x, got), (e) => ({ status: 'unavailable', reason: errorText(e) }));
    }
    let ort: Measured;
    if ('unavailable' in spec.ort) ort = { status: 'unavailable', reason: spec.ort.unavailable };
    else {
      const op = spec.ort.op as OrtOp;
      ort = await ortForward(act.device, op, x).then((got) => measure(name, params, x, got), (e) => ({ status: 'unavailable', reason: errorText(e) }));
    }
    results.push({ name, params, ours: mine, tfjs, ort });
    const f = (m: Measured) => (m.status === 'ok' ? `${m.maxUlps} ULP` : 'n/a');
    void window.accuracyProgress?.(`${name}: ours ${MODES.map((m) => f(mine[m])).join(' / ')}; tfjs ${f(tfjs)}; ort ${f(ort)}`);
  }
  act.destroy();
  return {
    date: new Date().toISOString(),
    userAgent: navigator.userAgent,
    adapter: { vendor: adapterInfo.vendor, architecture: adapterInfo.architecture, description: adapterInfo.description },
    versions: { '@tensorflow/tfjs-core': tfjsVersion, 'onnxruntime-web': ortVersion },
    inputs: `${SWEEP} points evenly over [-100, 100], ${RANDOM / 2} random f32 bit patterns, ${RANDOM / 2} uniform in [-30, 30], ` +
      `the ${SPECIAL_X.length} shared special inputs and each op's own; backward with dy uniform in [-4, 4]`,
    count,
    ops: results,
  };
};
