// The verification table: every elementwise activation × mode, and softmax and logSoftmax, on 2^20
// random inputs plus the special values, each element checked against the float64 reference
// (src/numerics/verify.ts, demo/softmax.ts), one row per case. Switched to f16, the elementwise rows
// run on all 65 536 f16 inputs (random f16 dy) against the f16 contract, softmax on f16 scores.
import { ELEMENTWISE, ELEMENTWISE_NAMES, resolveParams, type ElementwiseName, type Mode } from '../src/activations/table.js';
import type { Activations } from '../src/index.js';
import { append, errorMessage, formatCount, formatNumber, h, replaceChildren, yieldToBrowser } from './dom.js';
import { checkSoftmaxCase, SOFTMAX_COLUMNS, softmaxInputs, type SoftmaxResult } from './softmax.js';
import {
  SPECIAL_X, allF16Patterns, checkElementwiseF16, checkElementwiseInSteps, checkSoftmaxF16, randomF16Patterns,
  verificationInputs, worstRowSum, type ElementwiseCheck, type F16Check, type Worst,
} from '../src/numerics/verify.js';
import { SOFTMAX_F16_CONTRACT } from '../src/numerics/accuracy.js';

type Dtype = 'f32' | 'f16';
/** f16 softmax rows: 2^16 scores, rounded to f16. */
const F16_SOFTMAX_INPUTS = 2 ** 16;

const RANDOM_INPUTS = 2 ** 20;
/** Half the random inputs are uniform in [−SPREAD, SPREAD], where every curve does its bending. */
const SPREAD = 30;
const MODES: readonly Mode[] = ['forward', 'derivative', 'backward'];

function describeParams(name: ElementwiseName, params: Readonly<Record<string, number>>): string {
  return Object.entries(params).map(([k, v]) => `${ELEMENTWISE[name].params[k]!.symbol} = ${formatNumber(v)}`).join(', ');
}

function describeInput(w: Worst): string {
  return w.dy === undefined ? `z = ${formatNumber(w.x, 6)}` : `z = ${formatNumber(w.x, 6)}, dy = ${formatNumber(w.dy, 6)}`;
}

/** One row of the table as shown. */
interface Report {
  readonly checked: number;
  readonly failures: number;
  readonly maxError: string;
  readonly at: string;
  readonly bound: string;
  readonly firstFailure: string | undefined;
  /** A line for under the table, such as softmax's row sums. */
  readonly note?: string;
}

function elementwiseReport(r: ElementwiseCheck): Report {
  const f = r.firstFailure;
  return {
    checked: r.checked,
    failures: r.failureCount,
    maxError: r.worst ? `${formatNumber(r.worst.ulps)} ULP` : '0 ULP',
    at: r.worst ? describeInput(r.worst) : '—',
    bound: r.worst ? `${formatNumber(r.worst.bound)} ULP` : '—',
    firstFailure: f && `at ${describeInput(f)}: GPU gave ${formatNumber(f.got, 9)}, float64 gives ${formatNumber(f.exact, 9)}; ` +
      `the contract accepts ${f.accepted}`,
  };
}

function f16Report(r: F16Check): Report {
  const w = r.worst;
  return {
    checked: r.checked,
    failures: r.failureCount,
    maxError: `${formatNumber(r.maxUlps)} f16 ULP`,
    at: w ? describeInput({ ...w, ulps: r.maxUlps, bound: 1 }) : '—',
    bound: '1 f16 ULP (0 where exact)',
    firstFailure: r.failures[0],
  };
}

/** The bits of an f16 array, for the checks that work on bits. */
const bitsOf = (a: Float16Array) => new Uint16Array(a.buffer, a.byteOffset, a.length);

/** Softmax's contract is an absolute bound per element: the error is shown as a share of it. */
function softmaxReport(r: SoftmaxResult): Report {
  const f = r.firstFailure;
  const sumOff = r.rowSum && r.rowSum.worst > r.rowSum.bound;
  return {
    checked: r.checked,
    failures: r.failures,
    maxError: r.worst ? `${formatNumber(100 * r.worst.fraction, 2)}% of bound` : '0',
    at: r.worst ? `row ${formatCount(r.worst.row)}, column ${r.worst.column}` : '—',
    bound: r.worst ? `± ${formatNumber(r.worst.bound, 3)}` : '—',
    firstFailure: f
      ? `at row ${f.row}, column ${f.column}: GPU gave ${formatNumber(f.got, 9)}, float64 gives ${formatNumber(f.exact, 9)}; ` +
        `the contract accepts ${f.accepted}`
      : sumOff ? `a row sums to 1 ± ${formatNumber(r.rowSum!.worst, 3)}` : undefined,
    note: r.rowSum &&
      `Softmax rows sum to 1 within ${formatNumber(r.rowSum.worst, 2)} (bound ${formatNumber(r.rowSum.bound, 2)}).`,
  };
}

/** A case of the table: how to label it and how to run it. */
interface Task {
  readonly key: string;
  readonly label: string;
  readonly heading: HTMLTableCellElement;
  readonly run: (gpu: Activations, step: (done: number) => Promise<void>) => Promise<Report>;
}

/**
 * Builds the table at once, every row waiting, so the page keeps its layout; `start` gives it a GPU
 * and the seed of the random inputs, and `run` verifies.
 */
export function mountVerification(panel: HTMLElement, lede: HTMLElement): {
  start: (act: Activations, seed: number) => void;
  run: () => Promise<void>;
} {
  let act: Activations | undefined;
  let seed = 0;
  replaceChildren(
    lede,
    `Each case runs on ${formatCount(RANDOM_INPUTS)} random inputs plus ${SPECIAL_X.length} special values ` +
      '(±0, ±∞, NaN, ±100, ±3.4e38, subnormals, …). Every result must lie within the bound of the activation table ' +
      '(0 ULP where the result must be exact, 16 + 2|a| ULP where the formula calls exp(a)) of the correctly rounded float64 value. ' +
      'Softmax and log-softmax run on rows of random scores, each row at its own scale, and must meet the softmax contract: ' +
      'probabilities within a relative 2⁻¹⁷, log-probabilities within 2⁻¹⁸·(1 + |l|), each row summing to 1 ± 2⁻¹⁶. ' +
      'The inputs change on every load; ?seed=N in the URL repeats a run. ' +
      'Switched to f16, each elementwise case runs on all 65 536 f16 inputs (random f16 dy), each result within 1 f16 ULP ' +
      'of the correctly rounded f16 (0 where exact), and softmax on f16 scores, rows summing to 1 ± 2⁻⁹.',
  );
  // The inputs of one run, made when it starts: every elementwise case shares x and dy.
  let inputs: { x: Float32Array; dy: Float32Array; softmax: ReturnType<typeof softmaxInputs> } | undefined;
  let f16Inputs: { x: Uint16Array; dy: Uint16Array; softmax: { x: Float32Array; shape: [number, number] } } | undefined;
  let dtype: Dtype = 'f32';
  const elementwiseTasks = ELEMENTWISE_NAMES.flatMap((name) =>
    MODES.map((mode): Task => {
      // The defaults, rounded to f32 as the GPU receives them: the reference uses the same values.
      const c = { name, mode, params: resolveParams(name, {}) };
      const params = describeParams(name, c.params);
      return {
        key: `${name}/${mode}`,
        label: `${ELEMENTWISE[name].display} ${mode}`,
        heading: h('th', { scope: 'row' }, ELEMENTWISE[name].display, ' ', h('span', { class: 'mode' }, mode),
          params && h('span', { class: 'muted' }, ` (${params})`)),
        run: async (gpu, step) => {
          if (dtype === 'f16') {
            const { x, dy } = f16Inputs!;
            const hx = new Float16Array(x.buffer);
            const hdy = new Float16Array(dy.buffer);
            const got = mode === 'forward'
              ? await gpu.forward(name, hx, c.params)
              : mode === 'derivative' ? await gpu.derivative(name, hx, c.params) : await gpu.backward(name, hx, hdy, c.params);
            await step(1);
            return f16Report(checkElementwiseF16(name, mode, c.params, x, mode === 'backward' ? dy : undefined, bitsOf(got)));
          }
          const { x, dy } = inputs!;
          const got = mode === 'forward'
            ? await gpu.forward(name, x, c.params)
            : mode === 'derivative' ? await gpu.derivative(name, x, c.params) : await gpu.backward(name, x, dy, c.params);
          return elementwiseReport(await checkElementwiseInSteps(name, mode, c.params, x, mode === 'backward' ? dy : undefined, got, step));
        },
      };
    }),
  );
  const softmaxTasks = (['softmax', 'logSoftmax'] as const).map((name): Task => {
    const label = name === 'softmax' ? 'Softmax' : 'Log-softmax';
    return {
      key: `${name}/forward`,
      label: `${label} forward`,
      heading: h('th', { scope: 'row' }, label, ' ', h('span', { class: 'mode' }, 'forward'),
        h('span', { class: 'muted' }, ` (rows of ${SOFTMAX_COLUMNS})`)),
      run: async (gpu, step) => {
        if (dtype === 'f16') {
          const { x, shape } = f16Inputs!.softmax;
          const got = await gpu.forward(name, Float16Array.from(x), { shape });
          await step(1);
          const r = checkSoftmaxF16(name, 'forward', { shape }, x, undefined, bitsOf(got));
          const sum = name === 'softmax' ? worstRowSum({ shape }, Float32Array.from(got)) : undefined;
          return {
            checked: x.length,
            failures: r.failureCount + (sum !== undefined && sum > SOFTMAX_F16_CONTRACT.rowSum ? 1 : 0),
            maxError: `${formatNumber(r.worst, 3)} f16 ULP`,
            at: r.worstAt.replace(/^.*\[(\d+)\].*$/, 'element $1') || '—',
            bound: name === 'softmax' ? '1 f16 ULP' : 'max(1 f16 ULP, 2⁻¹¹·(1 + |l|))',
            firstFailure: r.failures[0],
            note: sum === undefined ? undefined
              : `f16 softmax rows sum to 1 within ${formatNumber(sum, 2)} (bound ${formatNumber(SOFTMAX_F16_CONTRACT.rowSum, 2)}).`,
          };
        }
        const { x, shape } = inputs!.softmax;
        const got = await gpu.forward(name, x, { shape });
        return softmaxReport(await checkSoftmaxCase(name, x, shape, got, step));
      },
    };
  });
  const tasks = [...elementwiseTasks, ...softmaxTasks];
  const cell = (text = '—', cls?: string) => h('td', cls ? { class: cls } : {}, text);
  const rows = tasks.map((t) => h(
    'tr',
    { 'data-case': t.key, 'data-state': 'pending', class: t.key.includes('oftmax') ? 'contract-row' : undefined },
    t.heading, cell(), cell(), cell(), cell(), h('td', { class: 'result' }, 'waiting'),
  ));
  const progress = h('progress', { max: 1, value: 0, 'aria-label': 'verification progress' });
  const progressText = h('span', { class: 'progress-text', 'aria-live': 'polite' }, 'Not started');
  const summary = h('p', { class: 'summary', id: 'verification-summary', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'push-right', disabled: true }, 'Run verification');
  // f32: 2^20 random inputs per case; f16: every f16 input there is (the tensors' dtype, issue 12).
  const dtypeSwitch = h('select', { id: 'verification-dtype', 'aria-label': 'tensor dtype' },
    h('option', { value: 'f32' }, 'f32'), h('option', { value: 'f16' }, 'f16: all 65 536 inputs'));
  dtypeSwitch.addEventListener('change', () => {
    dtype = dtypeSwitch.value === 'f16' ? 'f16' : 'f32';
  });
  const notes = h('p', { class: 'notes', 'aria-live': 'polite' });
  const detail = h('div', { class: 'failures' });

  replaceChildren(
    panel,
    h('div', { class: 'progress-row' }, progress, progressText, dtypeSwitch, button),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'results', id: 'verification-table' },
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col' }, 'Case'), h('th', { scope: 'col' }, 'Inputs'),
            h('th', { scope: 'col' }, 'Max error'), h('th', { scope: 'col' }, 'At input'),
            h('th', { scope: 'col' }, 'Bound there'), h('th', { scope: 'col' }, 'Result')),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
    summary,
    notes,
    detail,
  );

  const show = (row: HTMLTableRowElement, r: Report) => {
    const pass = r.failures === 0;
    row.dataset.state = pass ? 'pass' : 'fail';
    replaceChildren(
      row,
      row.firstElementChild,
      cell(formatCount(r.checked), 'num'),
      cell(r.maxError, 'num'),
      cell(r.at),
      cell(r.bound, 'num'),
      h('td', { class: 'result' }, pass ? '✓ pass' : `✗ fail (${formatCount(r.failures)})`),
    );
    if (r.firstFailure) detail.append(h('p', {}, `${row.dataset.case}: first failure ${r.firstFailure}.`));
    if (r.note) append(notes, [r.note, ' ']);
  };

  const run = async () => {
    if (!act) throw new Error('verification: run() before start() gave it a GPU');
    const gpu = act;
    button.disabled = true;
    dtypeSwitch.disabled = true;
    panel.dataset.state = 'running';
    panel.dataset.dtype = dtype;
    replaceChildren(summary);
    replaceChildren(notes);
    replaceChildren(detail);
    for (const row of rows) {
      row.dataset.state = 'pending';
      row.lastElementChild!.textContent = 'waiting';
    }
    if (dtype === 'f16') {
      const softmax = softmaxInputs(F16_SOFTMAX_INPUTS, seed + 2);
      f16Inputs = {
        x: allF16Patterns(),
        dy: randomF16Patterns(2 ** 16, seed + 1),
        // The scores as the f16 tensor holds them (Float16Array rounds to nearest even).
        softmax: { x: Float32Array.from(new Float16Array(softmax.x)), shape: softmax.shape },
      };
    } else {
      inputs = {
        x: verificationInputs(RANDOM_INPUTS, seed, SPREAD),
        dy: verificationInputs(RANDOM_INPUTS, seed + 1, SPREAD),
        softmax: softmaxInputs(RANDOM_INPUTS, seed + 2),
      };
    }
    let failed = 0;
    let results = 0;
    const started = performance.now();
    try {
      for (const [k, task] of tasks.entries()) {
        const row = rows[k]!;
        row.dataset.state = 'running';
        row.lastElementChild!.textContent = 'running…';
        const step = (done: number) => {
          progress.value = (k + done) / tasks.length;
          replaceChildren(progressText, `Case ${k + 1} of ${tasks.length}: ${task.label}, ${Math.round(done * 100)}%`);
          return yieldToBrowser();
        };
        await step(0);
        const report = await task.run(gpu, step);
        if (report.failures) failed++;
        results += report.checked;
        show(row, report);
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      progress.value = 1;
      replaceChildren(progressText, `Done in ${seconds} s (seed ${seed})`);
      replaceChildren(
        summary,
        failed === 0
          ? `All ${tasks.length} cases pass: ${formatCount(results)} results, each within its bound.`
          : `${failed} of ${tasks.length} cases fail; the first failure of each is listed below.`,
      );
      panel.dataset.state = failed === 0 ? 'pass' : 'fail';
    } catch (e) {
      panel.dataset.state = 'error';
      replaceChildren(summary, `The verification stopped: ${errorMessage(e)}`);
    } finally {
      inputs = undefined;
      f16Inputs = undefined;
      button.disabled = false;
      dtypeSwitch.disabled = false;
      replaceChildren(button, 'Run again');
    }
  };
  button.addEventListener('click', () => void run());
  return {
    start: (gpu, randomSeed) => {
      act = gpu;
      seed = randomSeed;
      button.disabled = false;
    },
    run,
  };
}
