// The benchmark page: bench/run.mjs opens it in headless Chromium and calls window.runBench(config).
// Every contender runs on one GPUDevice made here: ours, tfjs (its backend built on this device),
// ORT (the device passed to its WebGPU EP), and the copy baselines.
import { createActivations, type Activations, type GpuTensor } from '../src/index.js';
import { F16_VALUES } from '../src/numerics/accuracy.js';
import { roundToF16Bits } from '../src/numerics/f16.js';
import { benchMatrix, type BenchCase } from './cases.js';
import { CHECKED, referenceHead, toleranceRatio } from './check.js';
import { COPY_KINDS, copyBaselines } from './copy.js';
import {
  GpuClock, afterPendingSubmits, median, sampleAlternating, type Contender, type Samples, type TimingMethod,
} from './measure.js';
import { ortContender, ortVersion } from './peer-ort.js';
import { runOverhead, type OverheadConfig, type OverheadResults } from './overhead.js';
import { initTfjs, tfjsContender, tfjsVersion } from './peer-tfjs.js';

export interface BenchConfig {
  readonly sizes?: readonly number[];
  readonly softmaxShapes?: readonly (readonly [number, number])[];
  /** A regular expression over case ids ('sigmoid forward 2^24'). */
  readonly filter?: string;
  readonly samples: number;
  readonly warmups: number;
  /** Skip tfjs and ORT (for tuning our kernels quickly). */
  readonly peers: boolean;
  /** Skip the throughput cases (only the overhead section runs). */
  readonly cases: boolean;
  /** The per-call overhead section; skipped when absent. */
  readonly overhead?: Omit<OverheadConfig, 'tfjs'>;
}

/** oursF32: an f16 row's op on f32 tensors of the same elements, timed in the same rounds (× our f32). */
export type ContenderLabel = 'ours' | 'oursF32' | 'tfjs' | 'ort' | 'memcpy' | 'copyVec4' | 'copyVec4x4';

export type ContenderResult =
  | { readonly status: 'ok'; readonly msPerOp: readonly number[]; readonly medianMs: number; readonly gbps: number; readonly check: number }
  | { readonly status: 'unavailable' | 'error'; readonly reason: string };

export interface CaseResult {
  readonly id: string;
  readonly op: string;
  readonly kind: string;
  readonly mode: string;
  readonly shape: readonly number[];
  readonly dtype: 'f32' | 'f16';
  readonly bytes: number;
  readonly k: number;
  readonly contenders: Readonly<Record<ContenderLabel, ContenderResult>>;
  /**
   * Paired ratios, each the median over samples of a ratio within one round: copyKernel = the
   * faster copy kernel's time ÷ ours (our share of copy-kernel bandwidth), memcpy likewise, tfjs and
   * ort = the peer's time ÷ ours (the speed-up); f32 (f16 rows) = our f32 time ÷ our f16 time, the
   * ratio of f16 to f32 elements per second.
   */
  readonly ratios: Partial<Record<'copyKernel' | 'memcpy' | 'tfjs' | 'ort' | 'f32', number>>;
}

export interface BenchResults {
  readonly date: string;
  readonly userAgent: string;
  readonly adapter: Record<string, string>;
  readonly features: readonly string[];
  readonly timing: TimingMethod;
  readonly samples: number;
  readonly warmups: number;
  readonly opsPerSample: string;
  readonly versions: Record<string, string>;
  readonly cases: readonly CaseResult[];
  readonly overhead?: OverheadResults;
}

declare global {
  interface Window {
    runBench(config: BenchConfig): Promise<BenchResults>;
    /** Exposed by bench/run.mjs: a line of progress for stderr. */
    benchProgress?(line: string): Promise<void>;
  }
}

/** Softmax and logSoftmax take their shape as an option; until they exist the call throws. */
interface SoftmaxApi {
  forward(name: string, x: GpuTensor, options: object): GpuTensor;
  backward(name: string, y: GpuTensor, dy: GpuTensor, options: object): GpuTensor;
}

function progress(line: string): void {
  void window.benchProgress?.(line);
}

/** Deterministic inputs: x uniform in [-8, 8), dy uniform in [-1, 1) (mulberry32). */
function inputs(n: number, seed: number): { x: Float32Array; dy: Float32Array } {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const x = new Float32Array(n);
  const dy = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = 16 * next() - 8;
    dy[i] = 2 * next() - 1;
  }
  return { x, dy };
}

/** v rounded to f16 (nearest even), as an f16 tensor of v holds it. */
function asF16(v: Float32Array): Float32Array {
  return Float32Array.from(roundToF16Bits(v), (h) => F16_VALUES[h]!);
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

/** Ours as a contender writing `out`; throws when the op cannot run. */
function ours(act: Activations, c: BenchCase, x: GpuTensor, dy: GpuTensor, out: GpuTensor): Contender {
  let call: () => unknown;
  let forwardOutput: GpuTensor | undefined;
  if (c.spec.kind === 'elementwise') {
    const name = c.op as Parameters<Activations['forward']>[0];
    const options = { ...c.spec.params, out };
    call = c.mode === 'forward' ? () => act.forward(name, x, options)
      : c.mode === 'derivative' ? () => act.derivative(name, x, options)
        : () => act.backward(name, x, dy, options);
  } else {
    const api = act as unknown as SoftmaxApi;
    const options = { shape: c.shape, out };
    if (c.mode === 'forward') {
      call = () => api.forward(c.op, x, options);
    } else {
      // The backward pass reads the saved forward output (from: 'output'), as the issue's byte count
      // has it: read y and dy, write dx.
      const y = (forwardOutput = api.forward(c.op, x, { shape: c.shape }));
      call = () => api.backward(c.op, y, dy, { ...options, from: 'output' });
    }
  }
  call(); // the probe: an op that does not exist, or rejects these options, throws here
  return {
    async run(k) {
      for (let i = 0; i < k; i++) call();
      await afterPendingSubmits();
    },
    dispose() {
      forwardOutput?.destroy();
    },
  };
}

function unavailableReason(c: BenchCase, e: unknown): string {
  const message = errorText(e);
  if (c.spec.kind === 'softmax' && /unknown activation/.test(message)) return `${c.op} not implemented`;
  return message;
}

async function readHead(act: Activations, buffer: GPUBuffer, count: number, dtype: 'f32' | 'f16' = 'f32'): Promise<ArrayLike<number>> {
  return dtype === 'f16' ? act.wrap(buffer, { length: count, dtype }).read() : act.wrap(buffer, { length: count }).read();
}

/** Why a peer has no f16 row: tfjs has no f16 at all, ORT's needs shader-f16. */
function f16PeerReason(device: GPUDevice, peer: 'tfjs' | 'ort'): string {
  if (peer === 'tfjs') return 'n/a: tfjs has no f16 tensors';
  return device.features.has('shader-f16')
    ? 'n/a: an f16 ONNX model for ORT is not built by this bench yet (the adapter has shader-f16)'
    : 'n/a: needs shader-f16';
}

async function runCase(
  device: GPUDevice, act: Activations, clock: GpuClock, c: BenchCase, config: BenchConfig, peers: boolean,
): Promise<CaseResult> {
  const inputs32 = inputs(c.elements, 1 + c.elements);
  const f16 = c.dtype === 'f16';
  // f16 rows: the reference takes the inputs as the f16 tensors hold them.
  const { x, dy } = f16 ? { x: asF16(inputs32.x), dy: asF16(inputs32.dy) } : inputs32;
  const tensor = (v: Float32Array): GpuTensor => (f16 ? act.tensor(v, { dtype: 'f16' }) : act.tensor(v));
  const tx = tensor(x);
  const tdy = tensor(dy);
  const tout = tensor(new Float32Array(c.elements));
  const f32 = f16 ? { x: act.tensor(x), dy: act.tensor(dy), out: act.tensor(new Float32Array(c.elements)) } : undefined;
  const ortOut = device.createBuffer({
    label: 'bench ORT output',
    size: tout.buffer.size,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  const contenders = new Map<ContenderLabel, Contender>();
  const results: Partial<Record<ContenderLabel, ContenderResult>> = {};
  const heads = new Map<ContenderLabel, () => Promise<ArrayLike<number>>>();
  const head = Math.min(CHECKED, c.shape[c.shape.length - 1]!);
  try {
    try {
      contenders.set('ours', ours(act, c, tx, tdy, tout));
      heads.set('ours', () => readHead(act, tout.buffer, head, c.dtype));
      if (f32) {
        contenders.set('oursF32', ours(act, c, f32.x, f32.dy, f32.out));
        heads.set('oursF32', () => readHead(act, f32.out.buffer, head));
      }
    } catch (e) {
      results.ours = { status: 'unavailable', reason: unavailableReason(c, e) };
    }
    const peerOnlyForward = 'peers run forward only: neither has a single-kernel derivative or backward op';
    for (const peer of ['tfjs', 'ort'] as const) {
      const op = c.spec[peer];
      if (!peers) results[peer] = { status: 'unavailable', reason: 'peers skipped (--no-peers)' };
      else if (f16) results[peer] = { status: 'unavailable', reason: f16PeerReason(device, peer) };
      else if (c.mode !== 'forward') results[peer] = { status: 'unavailable', reason: peerOnlyForward };
      else if ('unavailable' in op) results[peer] = { status: 'unavailable', reason: op.unavailable };
      else {
        try {
          if (peer === 'tfjs') {
            const t = tfjsContender(c, op.op as Parameters<typeof tfjsContender>[1], tx.buffer);
            contenders.set('tfjs', t);
            heads.set('tfjs', () => t.head(head));
          } else {
            contenders.set('ort', await ortContender(device, c, op.op as Parameters<typeof ortContender>[2], tx.buffer, ortOut));
            heads.set('ort', () => readHead(act, ortOut, head));
          }
        } catch (e) {
          results[peer] = { status: 'unavailable', reason: errorText(e) };
        }
      }
    }
    if (contenders.size === 0) {
      // Nothing to compare: timing the copies alone would only cost time.
      for (const kind of COPY_KINDS) results[kind] = { status: 'unavailable', reason: 'not measured: no contender ran' };
      return caseResult(c, results, new Map());
    }
    const copies = copyBaselines(device, c.bytes);
    for (const kind of COPY_KINDS) contenders.set(kind, copies[kind]);

    progress(`  measuring ${[...contenders.keys()].join(', ')}: ${config.samples} samples of K=${c.k}, ${config.warmups} warm-up`);
    const samples = await sampleAlternating(clock, contenders, c.k, config.samples, config.warmups);
    const want = referenceHead(c, x, dy);
    for (const [label, s] of samples) {
      if ('error' in s) {
        results[label] = { status: 'error', reason: s.error };
        continue;
      }
      let check = 0;
      const read = heads.get(label);
      if (read) {
        try {
          check = toleranceRatio(await read(), want, label === 'ours' ? c.dtype : 'f32');
        } catch (e) {
          results[label] = { status: 'error', reason: `reading the output: ${errorText(e)}` };
          continue;
        }
      }
      const medianMs = median(s.ms);
      results[label] = check <= 1
        ? { status: 'ok', msPerOp: s.ms, medianMs, gbps: c.bytes / medianMs / 1e6, check }
        : { status: 'error', reason: `wrong result: ${check.toFixed(1)}× the spot-check tolerance` };
    }
    return caseResult(c, results, samples);
  } finally {
    for (const contender of contenders.values()) contender.dispose();
    tx.destroy();
    tdy.destroy();
    tout.destroy();
    if (f32) for (const t of Object.values(f32)) t.destroy();
    ortOut.destroy();
  }
}

function caseResult(c: BenchCase, results: Partial<Record<ContenderLabel, ContenderResult>>, samples: Map<ContenderLabel, Samples>): CaseResult {
  return {
    id: c.id, op: c.op, kind: c.spec.kind, mode: c.mode, shape: c.shape, dtype: c.dtype, bytes: c.bytes, k: c.k,
    contenders: results as Record<ContenderLabel, ContenderResult>, ratios: pairedRatios(samples, results),
  };
}

/** Medians of per-round ratios: each round's contenders ran back to back, so machine noise cancels. */
function pairedRatios(samples: Map<ContenderLabel, Samples>, results: Partial<Record<ContenderLabel, ContenderResult>>): CaseResult['ratios'] {
  const ok = (label: ContenderLabel) => {
    const s = samples.get(label);
    return results[label]?.status === 'ok' && s && 'ms' in s ? s.ms : undefined;
  };
  const mine = ok('ours');
  if (!mine) return {};
  const ratio = (theirs: readonly number[] | undefined) =>
    theirs ? median(mine.map((m, i) => theirs[i]! / m)) : undefined;
  const v4 = ok('copyVec4');
  const v4x4 = ok('copyVec4x4');
  const bestCopy = v4 && v4x4 ? v4.map((t, i) => Math.min(t, v4x4[i]!)) : v4 ?? v4x4;
  const out: Record<string, number> = {};
  for (const [key, theirs] of [
    ['copyKernel', bestCopy], ['memcpy', ok('memcpy')], ['tfjs', ok('tfjs')], ['ort', ok('ort')], ['f32', ok('oursF32')],
  ] as const) {
    const r = ratio(theirs);
    if (r !== undefined) out[key] = r;
  }
  return out;
}

function describeCase(r: CaseResult): string {
  const labels = ['ours', ...(r.dtype === 'f16' ? ['oursF32' as const] : []), 'tfjs', 'ort', 'memcpy', 'copyVec4', 'copyVec4x4'] as const;
  const parts = labels.map((label) => {
    const v = r.contenders[label]!;
    return v.status === 'ok' ? `${label} ${v.medianMs.toFixed(2)} ms` : `${label} ${v.status}`;
  });
  const ratios = Object.entries(r.ratios).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
  return `  ${parts.join(' | ')}${ratios ? ` → ${ratios}` : ''}`;
}

async function bestDevice(): Promise<{ adapter: GPUAdapter; device: GPUDevice }> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter: navigator.gpu.requestAdapter() returned null');
  const wanted: GPUFeatureName[] = ['timestamp-query', 'subgroups', 'shader-f16'];
  const l = adapter.limits;
  // The union of what our library, tfjs and ORT request for their own devices.
  const device = await adapter.requestDevice({
    label: 'bench',
    requiredFeatures: wanted.filter((f) => adapter.features.has(f)),
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxComputeWorkgroupSizeZ: l.maxComputeWorkgroupSizeZ,
    },
  });
  return { adapter, device };
}

window.runBench = async (config: BenchConfig): Promise<BenchResults> => {
  const { adapter, device } = await bestDevice();
  const deviceErrors: string[] = [];
  device.addEventListener('uncapturederror', (e) => deviceErrors.push((e as GPUUncapturedErrorEvent).error.message));
  let lost: string | undefined;
  void device.lost.then((info) => (lost = `${info.reason}: ${info.message}`));

  const act = await createActivations({ device });
  const clock = new GpuClock(device);
  const peers = config.peers;
  let tfjsFailure: string | undefined;
  if (peers) {
    try {
      await initTfjs(device, adapter.info);
    } catch (e) {
      tfjsFailure = errorText(e);
    }
  }
  const cases = config.cases
    ? benchMatrix({ sizes: config.sizes, softmaxShapes: config.softmaxShapes, filter: config.filter ? new RegExp(config.filter) : undefined })
    : [];
  const results: CaseResult[] = [];
  const started = performance.now();
  for (const [i, c] of cases.entries()) {
    if (lost) throw new Error(`the GPU device was lost (${lost}) before case ${c.id}`);
    progress(`[${i + 1}/${cases.length}] ${c.id} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    deviceErrors.length = 0;
    const tfjsSpec = tfjsFailure ? { ...c.spec, tfjs: { unavailable: `tfjs failed to start: ${tfjsFailure}` } } : c.spec;
    const r = await runCase(device, act, clock, { ...c, spec: tfjsSpec }, config, peers);
    if (deviceErrors.length) {
      // An uncaptured error cannot be pinned on one contender: the whole case is void.
      throw new Error(`WebGPU error during ${c.id}: ${deviceErrors[0]}`);
    }
    progress(describeCase(r));
    results.push(r);
  }
  let overhead: OverheadResults | undefined;
  if (config.overhead) {
    progress(`overhead: relu with out, ${config.overhead.calls} calls per loop, median of ${config.overhead.reps} loops`);
    deviceErrors.length = 0;
    overhead = await runOverhead(act, { ...config.overhead, tfjs: peers && !tfjsFailure }, progress);
    if (deviceErrors.length) throw new Error(`WebGPU error during the overhead section: ${deviceErrors[0]}`);
  }
  clock.destroy();
  act.destroy();
  const info = adapter.info;
  return {
    date: new Date().toISOString(),
    userAgent: navigator.userAgent,
    adapter: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description },
    features: [...device.features].sort(),
    timing: clock.method,
    samples: config.samples,
    warmups: config.warmups,
    opsPerSample: 'K = clamp(round(2^24 / elements), 2, 16) for elementwise ops (16 at 2^20, 4 at 2^22, 2 at 2^24), 2 for softmax',
    versions: { '@tensorflow/tfjs-core': tfjsVersion, 'onnxruntime-web': ortVersion },
    cases: results,
    overhead,
  };
};
