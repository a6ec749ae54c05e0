// The throughput panel: GB/s of each op on GPU-resident tensors, beside the device's own copy
// bandwidth measured the same way (many back-to-back runs, timed from submit to queue idle).
// A quick look for people, not the project's benchmark: `npm run bench` makes the published figures.
// Each op also runs on f16 tensors of the same elements: the f16 columns give its GB/s and its
// elements per second as a multiple of the f32 run's (2 would be the whole of the halved bytes).
import { ELEMENTWISE, ELEMENTWISE_NAMES, type ElementwiseName } from '../src/activations/table.js';
import type { Activations, GpuTensor } from '../src/index.js';
import { errorMessage, formatCount, h, replaceChildren, yieldToBrowser } from './dom.js';
import { randomUint32 } from '../src/numerics/verify.js';

export const ELEMENTS = 2 ** 22;
/** Each measurement runs for about this long, so that timer resolution and submit cost do not dominate. */
const TARGET_SECONDS = 0.25;
const MAX_RUNS = 200;

interface Op {
  readonly label: string;
  /** Bytes each run reads plus writes. */
  readonly bytes: number;
  readonly record: () => void;
}

/**
 * Runs op until about TARGET_SECONDS have passed and returns seconds per run. The library submits
 * its batch at the next microtask, so waiting for a new task before onSubmittedWorkDone makes sure
 * the work was submitted.
 */
async function secondsPerRun(device: GPUDevice, op: Op): Promise<number> {
  const settle = async () => {
    await yieldToBrowser();
    await device.queue.onSubmittedWorkDone();
  };
  op.record(); // compiles the pipeline and touches the buffers
  await settle();
  let runs = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < runs; i++) op.record();
    await settle();
    const seconds = (performance.now() - start) / 1000;
    if (seconds >= TARGET_SECONDS || runs >= MAX_RUNS) return seconds / runs;
    runs = Math.min(MAX_RUNS, Math.max(2 * runs, Math.ceil((runs * TARGET_SECONDS) / Math.max(seconds, 1e-4))));
  }
}

/** Builds the table at once; the button works once `start` gives it a GPU. */
export function mountThroughput(panel: HTMLElement, lede: HTMLElement): { start: (act: Activations) => void } {
  let act: Activations | undefined;
  replaceChildren(
    lede,
    `GB/s of each op at ${formatCount(ELEMENTS)} elements (bytes read plus bytes written, per second), on tensors ` +
      'that stay on the GPU, beside a plain buffer copy timed the same way. Memory-bound kernels should come close to the copy. ' +
      'The f16 columns run the same op on f16 tensors (half the bytes, f32 arithmetic inside): its GB/s, and its elements ' +
      'per second as a multiple of f32\'s (up to 2 where memory is the limit; a software adapter pays for the conversions).',
  );
  const names = ELEMENTWISE_NAMES;
  const rowKeys = ['copy', ...names.flatMap((n) => [`${n}/forward`, `${n}/backward`])];
  const rows = new Map(rowKeys.map((key) => {
    const [name, mode] = key.split('/') as [ElementwiseName | 'copy', string | undefined];
    const label = name === 'copy' ? 'Buffer copy (copyBufferToBuffer)' : `${ELEMENTWISE[name].display} ${mode}`;
    return [key, h('tr', { 'data-op': key }, h('th', { scope: 'row' }, label), h('td', { class: 'num' }, '—'),
      h('td', { class: 'num' }, '—'), h('td', { class: 'bar-cell' }, h('span', { class: 'meter', style: 'width: 0%' })),
      h('td', { class: 'num' }, '—'), h('td', { class: 'num' }, '—'))];
  }));
  const button = h('button', { type: 'button', disabled: true }, 'Run benchmark');
  const status = h('span', { class: 'progress-text', 'aria-live': 'polite' }, 'Takes a few seconds; the page stays usable.');
  replaceChildren(
    panel,
    h('div', { class: 'progress-row' }, button, status),
    h('div', { class: 'table-scroll' }, h(
      'table',
      { class: 'results', id: 'throughput-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Op'), h('th', { scope: 'col' }, 'GB/s'),
        h('th', { scope: 'col' }, 'Time per run'), h('th', { scope: 'col' }, 'vs copy'),
        h('th', { scope: 'col' }, 'f16 GB/s'), h('th', { scope: 'col' }, 'f16 elements/s ÷ f32'))),
      h('tbody', {}, ...rows.values()),
    )),
  );

  const run = async (gpu: Activations) => {
    button.disabled = true;
    panel.dataset.state = 'running';
    const device = gpu.device;
    const next = randomUint32(7);
    const values = Float32Array.from({ length: ELEMENTS }, () => (next() / 2 ** 32) * 12 - 6);
    const tensors: GpuTensor[] = [];
    const keep = <T extends GpuTensor>(t: T) => (tensors.push(t), t);
    try {
      const x = keep(gpu.tensor(values));
      const dy = keep(gpu.tensor(values));
      const out = keep(gpu.tensor(new Float32Array(ELEMENTS)));
      const x16 = keep(gpu.tensor(values, { dtype: 'f16' }));
      const dy16 = keep(gpu.tensor(values, { dtype: 'f16' }));
      const out16 = keep(gpu.tensor(new Float32Array(ELEMENTS), { dtype: 'f16' }));
      const bytes = 4 * ELEMENTS;
      // The f16 twin of each op row: half the bytes.
      const f16Ops = new Map<string, Op>(names.flatMap((name): [string, Op][] => [
        [`${name}/forward`, { label: `${name} forward f16`, bytes, record: () => void gpu.forward(name, x16, { out: out16 }) }],
        [`${name}/backward`, { label: `${name} backward f16`, bytes: 1.5 * bytes, record: () => void gpu.backward(name, x16, dy16, { out: out16 }) }],
      ]));
      const ops: [string, Op][] = [
        ['copy', {
          label: 'copy',
          bytes: 2 * bytes,
          record: () => {
            const encoder = device.createCommandEncoder({ label: 'demo copy benchmark' });
            encoder.copyBufferToBuffer(x.buffer, 0, out.buffer, 0, bytes);
            device.queue.submit([encoder.finish()]);
          },
        }],
        ...names.flatMap((name): [string, Op][] => [
          [`${name}/forward`, { label: `${name} forward`, bytes: 2 * bytes, record: () => void gpu.forward(name, x, { out }) }],
          [`${name}/backward`, { label: `${name} backward`, bytes: 3 * bytes, record: () => void gpu.backward(name, x, dy, { out }) }],
        ]),
      ];
      let copyRate = 0;
      for (const [k, [key, op]] of ops.entries()) {
        replaceChildren(status, `Measuring ${k + 1} of ${ops.length}…`);
        const seconds = await secondsPerRun(device, op);
        const rate = op.bytes / seconds / 1e9;
        if (key === 'copy') copyRate = rate;
        const share = copyRate > 0 ? rate / copyRate : 0;
        const row = rows.get(key)!;
        row.dataset.gbps = String(rate);
        const f16 = f16Ops.get(key);
        const f16Seconds = f16 ? await secondsPerRun(device, f16) : undefined;
        const f16Cells = f16 === undefined || f16Seconds === undefined ? ['—', '—'] : [
          (f16.bytes / f16Seconds / 1e9).toPrecision(2),
          `${(seconds / f16Seconds).toFixed(2)}×`,
        ];
        if (f16Seconds !== undefined) row.dataset.f16Ratio = String(seconds / f16Seconds);
        replaceChildren(
          row,
          row.firstElementChild,
          h('td', { class: 'num' }, rate >= 10 ? rate.toFixed(1) : rate.toPrecision(2)),
          h('td', { class: 'num' }, `${(seconds * 1e3).toFixed(seconds < 1e-3 ? 3 : 1)} ms`),
          h('td', { class: 'bar-cell' },
            h('span', { class: `meter${key === 'copy' ? ' meter-copy' : ''}`, style: `width: ${Math.min(100, share * 100).toFixed(1)}%` }),
            h('span', { class: 'meter-label' }, `${Math.round(share * 100)}%`)),
          h('td', { class: 'num' }, f16Cells[0]!),
          h('td', { class: 'num' }, f16Cells[1]!),
        );
      }
      // Surfaces a validation or out-of-memory error from any op above (the f16 ones through their output's bits).
      await out.read();
      await out16.read().catch((e: unknown) => {
        if (!(e instanceof TypeError && /no Float16Array/.test(e.message))) throw e;
      });
      replaceChildren(status, 'Done. Run again for a second opinion: timings vary between runs.');
      panel.dataset.state = 'done';
    } catch (e) {
      panel.dataset.state = 'error';
      replaceChildren(status, `The benchmark failed: ${errorMessage(e)}`);
    } finally {
      for (const t of tensors) t.destroy();
      button.disabled = false;
    }
  };
  button.addEventListener('click', () => {
    if (act) void run(act);
  });
  return {
    start: (gpu) => {
      act = gpu;
      button.disabled = false;
    },
  };
}
