// Model-based tests of the tensor lifecycle: fast-check drives an Activations instance and a plain
// model side by side through random sequences of tensor, wrap, ops (GPU-resident and Float32Array,
// with `out` aliased to an input or not), read, destroy, trim and stats. After each command the
// values read back are the model's, a destroyed tensor throws the documented error, stats() agrees
// with the model's live tensors and the pool's cap, and (test/setup) no uncaptured error was raised.
// A second test loses the device at a random step.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ELEMENTWISE_NAMES, type ActivationName, type Mode } from '../../src/activations/table.js';
import { DeviceLostError, createActivations, type Activations, type GpuTensor } from '../../src/index.js';
import { requestBestDevice } from '../../src/gpu/device.js';
import { checkElementwise, checkSoftmax, rng } from '../../src/numerics/verify.js';

const SEED = 20261203;
const POOL_BYTES = 16 * 1024; // small, so that runs reach the cap
/** Uniform blocks (at most 16) are the only buffers besides tensors and the pool that outlive a call. */
const MAX_UNIFORM_BLOCKS = 16;
const NAMES: readonly ActivationName[] = [...ELEMENTWISE_NAMES, 'softmax', 'logSoftmax'];
const MODES: readonly Mode[] = ['forward', 'derivative', 'backward'];

interface Entry {
  /** The values the tensor holds, as last read back and checked. */
  values: Float32Array;
  owned: boolean;
  destroyed: boolean;
}
interface Model {
  readonly entries: Entry[];
}
interface Real {
  readonly act: Activations;
  readonly tensors: GpuTensor<'f32'>[];
  readonly buffers: GPUBuffer[];
}

let device: GPUDevice;
beforeAll(async () => {
  device = await requestBestDevice(); // the device the library would make, shared by the runs
});
afterAll(() => device?.destroy());

const values = (n: number, seed: number) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() < 0.1 ? [0, -0, Infinity, -Infinity, NaN, 1e-40][Math.floor(r() * 6)]! : 20 * r() - 10));
};

/** The bits of a Float32Array, so that NaN, -0 and subnormals compare exactly. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function expectWithinContract(name: ActivationName, mode: Mode, x: Float32Array, dy: Float32Array | undefined, got: Float32Array): void {
  const failures = name === 'softmax' || name === 'logSoftmax'
    ? checkSoftmax(name, mode, {}, x, dy, got).failures
    : checkElementwise(name, mode, {}, x, dy, got).failures;
  expect(failures, `${mode}(${name})`).toEqual([]);
}

/** Softmax's derivative is its Jacobian, of another length: the commands use its other modes. */
const modesOf = (name: ActivationName): readonly Mode[] => (name === 'softmax' || name === 'logSoftmax' ? ['forward', 'backward'] : MODES);

class TensorCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly n: number, readonly seed: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const v = values(this.n, this.seed);
    r.tensors.push(r.act.tensor(v));
    m.entries.push({ values: v, owned: true, destroyed: false });
  }
  toString = () => `tensor(${this.n})`;
}

class WrapCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly n: number, readonly offsetWords: number, readonly copySrc: boolean, readonly seed: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const v = values(this.n, this.seed);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | (this.copySrc ? GPUBufferUsage.COPY_SRC : 0);
    const buffer = device.createBuffer({ size: 4 * (this.n + this.offsetWords + 3), usage });
    device.queue.writeBuffer(buffer, 4 * this.offsetWords, v);
    r.buffers.push(buffer);
    r.tensors.push(r.act.wrap(buffer, { offset: 4 * this.offsetWords, length: this.n }));
    m.entries.push({ values: v, owned: false, destroyed: false });
  }
  toString = () => `wrap(${this.n} at ${this.offsetWords}${this.copySrc ? '' : ', no COPY_SRC'})`;
}

type OutChoice = 'new' | 'x' | 'dy' | 'other';

class OpCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly name: ActivationName, readonly mode: number, readonly x: number, readonly dy: number, readonly out: OutChoice, readonly other: number) {}
  check = (m: Readonly<Model>) => m.entries.length > 0;
  async run(m: Model, r: Real) {
    const xi = this.x % m.entries.length;
    const n = m.entries[xi]!.values.length;
    const sameLength = m.entries.map((_, i) => i).filter((i) => m.entries[i]!.values.length === n);
    const dyi = sameLength[this.dy % sameLength.length]!;
    const mode = modesOf(this.name)[this.mode % modesOf(this.name).length]!;
    const outi = this.out === 'x' ? xi : this.out === 'dy' && mode === 'backward' ? dyi
      : this.out === 'other' ? sameLength[this.other % sameLength.length]! : undefined;
    const used = [xi, ...(mode === 'backward' ? [dyi] : []), ...(outi === undefined ? [] : [outi])];
    const [x, dy] = [r.tensors[xi]!, r.tensors[dyi]!];
    const options = outi === undefined ? {} : { out: r.tensors[outi]! };
    const call = () => (mode === 'backward' ? r.act.backward(this.name, x, dy, options)
      : mode === 'forward' ? r.act.forward(this.name, x, options) : r.act.derivative(this.name, x, options));
    if (used.some((i) => m.entries[i]!.destroyed)) {
      expect(call).toThrow(/was destroyed/);
      return;
    }
    const xv = m.entries[xi]!.values;
    const dyv = mode === 'backward' ? m.entries[dyi]!.values : undefined;
    const y = call();
    const got = await y.read();
    expectWithinContract(this.name, mode, xv, dyv, got);
    if (outi === undefined) {
      r.tensors.push(y);
      m.entries.push({ values: got, owned: true, destroyed: false });
    } else {
      expect(y).toBe(r.tensors[outi]);
      m.entries[outi]!.values = got;
    }
  }
  toString = () => `op(${this.name}, mode ${this.mode}, x ${this.x}, dy ${this.dy}, out ${this.out} ${this.other})`;
}

class ArrayOpCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly name: ActivationName, readonly mode: number, readonly n: number, readonly seed: number) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    const mode = modesOf(this.name)[this.mode % modesOf(this.name).length]!;
    const x = values(this.n, this.seed);
    const dy = values(this.n, this.seed + 1);
    const got = mode === 'backward' ? await r.act.backward(this.name, x, dy)
      : mode === 'forward' ? await r.act.forward(this.name, x) : await r.act.derivative(this.name, x);
    expectWithinContract(this.name, mode, x, mode === 'backward' ? dy : undefined, got);
  }
  toString = () => `${this.name} on a Float32Array(${this.n}), mode ${this.mode}`;
}

class ReadCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => m.entries.length > 0;
  async run(m: Model, r: Real) {
    const i = this.index % m.entries.length;
    const entry = m.entries[i]!;
    if (entry.destroyed) await expect(r.tensors[i]!.read()).rejects.toThrow(/read: the tensor \(\d+ elements\) was destroyed/);
    else expect(bits(await r.tensors[i]!.read())).toEqual(bits(entry.values));
  }
  toString = () => `read(${this.index})`;
}

class DestroyCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => m.entries.length > 0;
  async run(m: Model, r: Real) {
    const i = this.index % m.entries.length;
    r.tensors[i]!.destroy(); // idempotent
    m.entries[i]!.destroyed = true;
  }
  toString = () => `destroy(${this.index})`;
}

class TrimCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(_m: Model, r: Real) {
    r.act.flush(); // releases wait for the pending submit
    r.act.trim();
    expect(r.act.stats()).toMatchObject({ pooledBuffers: 0, pooledBytes: 0 });
  }
  toString = () => 'trim()';
}

class StatsCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real) {
    r.act.flush();
    const s = r.act.stats();
    const ownedLive = m.entries.filter((e) => e.owned && !e.destroyed).length;
    const other = s.liveBuffers - s.pooledBuffers - ownedLive;
    expect(other, `${JSON.stringify(s)}, ${ownedLive} owned tensors alive`).toBeGreaterThanOrEqual(0);
    expect(other).toBeLessThanOrEqual(MAX_UNIFORM_BLOCKS);
    expect(s.pooledBytes).toBeLessThanOrEqual(POOL_BYTES);
    expect(s.pooledBytes).toBeLessThanOrEqual(s.liveBytes);
  }
  toString = () => 'stats()';
}

const length = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 300 }));
const name = fc.constantFrom(...NAMES);
const commands = fc.commands([
  fc.tuple(length, fc.integer()).map(([n, s]) => new TensorCommand(n, s)),
  fc.tuple(length, fc.integer({ min: 0, max: 5 }), fc.boolean(), fc.integer()).map(([n, o, c, s]) => new WrapCommand(n, o, c, s)),
  fc.tuple(name, fc.nat(), fc.nat(), fc.nat(), fc.constantFrom<OutChoice>('new', 'x', 'dy', 'other'), fc.nat())
    .map(([a, mode, x, dy, out, other]) => new OpCommand(a, mode, x, dy, out, other)),
  fc.tuple(name, fc.nat(), length, fc.integer()).map(([a, mode, n, s]) => new ArrayOpCommand(a, mode, n, s)),
  fc.nat().map((i) => new ReadCommand(i)),
  fc.nat().map((i) => new DestroyCommand(i)),
  fc.constant(new TrimCommand()),
  fc.constant(new StatsCommand()),
], { maxCommands: 12 });

test('random sequences of tensor, wrap, ops, read, destroy, trim and stats agree with the model', async () => {
  await fc.assert(fc.asyncProperty(commands, async (cmds) => {
    const act = await createActivations({ device, poolBytes: POOL_BYTES });
    const real: Real = { act, tensors: [], buffers: [] };
    try {
      await fc.asyncModelRun(() => ({ model: { entries: [] }, real }), cmds);
    } finally {
      act.destroy();
      for (const b of real.buffers) b.destroy();
    }
  }), { seed: SEED, numRuns: 200 });
}, 600_000);

test('the device lost at a random step: pending calls settle, later calls fail with the same error, a new instance works', async () => {
  const steps = fc.array(fc.tuple(name, fc.nat(), length, fc.integer()), { minLength: 1, maxLength: 12 });
  await fc.assert(fc.asyncProperty(steps, fc.nat(), async (ops, at) => {
    const act = await createActivations();
    const pending: Promise<unknown>[] = [];
    const lossAt = at % (ops.length + 1);
    ops.forEach(([a, mode, n, seed], i) => {
      if (i === lossAt) act.device.destroy();
      const m = modesOf(a)[mode % modesOf(a).length]!;
      const x = values(n, seed);
      pending.push(m === 'backward' ? act.backward(a, x, x) : m === 'forward' ? act.forward(a, x) : act.derivative(a, x));
      const t = i > lossAt ? undefined : act.tensor(x);
      if (t) pending.push(act.forward('relu', t).read());
    });
    if (lossAt === ops.length) act.device.destroy();
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000));
    const settled = await Promise.race([Promise.allSettled(pending), timeout]);
    expect(settled, 'every pending call settles within 5 s').not.toBe('timeout');
    await act.lost;
    const first = await act.forward('relu', new Float32Array(4)).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(DeviceLostError);
    expect(await act.forward('tanh', new Float32Array(4)).catch((e: unknown) => e)).toBe(first);
    expect(() => act.tensor(new Float32Array(4))).toThrow(first as Error);
  }), { seed: SEED, numRuns: 20 });
  const fresh = await createActivations();
  expect(Array.from(await fresh.forward('relu', new Float32Array([-1, 2])))).toEqual([0, 2]);
  fresh.destroy();
}, 600_000);
