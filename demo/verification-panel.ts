// The verification table: every activation × mode on 2^20 random inputs plus the special values, each
// element checked against the float64 reference (demo/verify.ts), one row per case.
import { resolveParams, type Mode } from '../src/activations.js';
import type { Activations } from '../src/index.js';
import { errorMessage, formatCount, formatNumber, h, replaceChildren, yieldToBrowser } from './dom.js';
import { DISPLAY_NAMES, ELEMENTWISE_NAMES } from './names.js';
import { SOFTMAX_IN_BUILD } from './softmax.js';
import { checkCase, SPECIAL_VALUES, verificationInputs, type CaseResult, type VerificationCase, type Worst } from './verify.js';

const RANDOM_INPUTS = 2 ** 20;
/** Half the random inputs are uniform in [−SPREAD, SPREAD], where every curve does its bending. */
const SPREAD = 30;
const MODES: readonly Mode[] = ['forward', 'derivative', 'backward'];

const PARAM_SYMBOLS: Readonly<Record<string, string>> = { alpha: 'α', m: 'm' };

function describeParams(params: Readonly<Record<string, number>>): string {
  return Object.entries(params).map(([k, v]) => `${PARAM_SYMBOLS[k] ?? k} = ${formatNumber(v)}`).join(', ');
}

function describeInput(w: Worst): string {
  return w.dy === undefined ? `z = ${formatNumber(w.x, 6)}` : `z = ${formatNumber(w.x, 6)}, dy = ${formatNumber(w.dy, 6)}`;
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
    `Each case runs on ${formatCount(RANDOM_INPUTS)} random inputs plus ${SPECIAL_VALUES.length} special values ` +
      '(±0, ±∞, NaN, ±100, ±3.4e38, subnormals, …). Every result must lie within the bound of the activation table ' +
      '(0 ULP where the result must be exact, 16 + 2|a| ULP where the formula calls exp(a)) of the correctly rounded float64 value. ' +
      'The inputs change on every load; ?seed=N in the URL repeats a run.',
  );
  const cases: VerificationCase[] = ELEMENTWISE_NAMES.flatMap((name) =>
    MODES.map((mode) => ({
      name,
      mode,
      // The defaults, rounded to f32 as the GPU receives them: the reference uses the same values.
      params: resolveParams(name, {}),
    })),
  );
  const cell = (text = '—', cls?: string) => h('td', cls ? { class: cls } : {}, text);
  const rows = cases.map((c) => {
    const params = describeParams(c.params);
    return h(
      'tr',
      { 'data-case': `${c.name}/${c.mode}`, 'data-state': 'pending' },
      h('th', { scope: 'row' }, DISPLAY_NAMES[c.name], ' ', h('span', { class: 'mode' }, c.mode), params && h('span', { class: 'muted' }, ` (${params})`)),
      cell(), cell(), cell(), cell(), h('td', { class: 'result' }, 'waiting'),
    );
  });
  const softmaxRows = (['softmax', 'logSoftmax'] as const).map((name) =>
    h(
      'tr',
      { 'data-case': `${name}/forward`, 'data-state': SOFTMAX_IN_BUILD ? 'pending' : 'unavailable' },
      h('th', { scope: 'row' }, name === 'softmax' ? 'Softmax' : 'Log-softmax', ' ', h('span', { class: 'mode' }, 'forward')),
      h('td', { colspan: 4, class: 'muted' }, SOFTMAX_IN_BUILD ? '—' : 'Not available in this build: softmax is not merged yet'),
      h('td', { class: 'result' }, SOFTMAX_IN_BUILD ? 'waiting' : 'n/a'),
    ),
  );
  const progress = h('progress', { max: 1, value: 0, 'aria-label': 'verification progress' });
  const progressText = h('span', { class: 'progress-text', 'aria-live': 'polite' }, 'Not started');
  const summary = h('p', { class: 'summary', id: 'verification-summary', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'push-right', disabled: true }, 'Run verification');
  const detail = h('div', { class: 'failures' });

  replaceChildren(
    panel,
    h('div', { class: 'progress-row' }, progress, progressText, button),
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
        h('tbody', {}, ...rows, ...softmaxRows),
      ),
    ),
    summary,
    detail,
  );

  const show = (row: HTMLTableRowElement, r: CaseResult) => {
    const pass = r.failures === 0;
    row.dataset.state = pass ? 'pass' : 'fail';
    row.dataset.maxUlps = String(r.worst?.ulps ?? 0);
    replaceChildren(
      row,
      row.firstElementChild,
      cell(formatCount(r.checked), 'num'),
      cell(r.worst ? `${formatNumber(r.worst.ulps)} ULP` : '0 ULP', 'num'),
      cell(r.worst ? describeInput(r.worst) : '—'),
      cell(r.worst ? `${formatNumber(r.worst.bound)} ULP` : '—', 'num'),
      h('td', { class: 'result' }, pass ? '✓ pass' : `✗ fail (${formatCount(r.failures)})`),
    );
    if (r.firstFailure) {
      const f = r.firstFailure;
      detail.append(h('p', {}, `${row.dataset.case}: first failure at ${describeInput(f)}: GPU gave ${formatNumber(f.got, 9)}, ` +
        `float64 gives ${formatNumber(f.exact, 9)}; the contract accepts ${f.accepted}.`));
    }
  };

  const run = async () => {
    if (!act) throw new Error('verification: run() before start() gave it a GPU');
    const gpu = act;
    button.disabled = true;
    panel.dataset.state = 'running';
    replaceChildren(summary);
    replaceChildren(detail);
    for (const row of rows) {
      row.dataset.state = 'pending';
      row.lastElementChild!.textContent = 'waiting';
    }
    const x = verificationInputs(RANDOM_INPUTS, seed, SPREAD);
    const dy = verificationInputs(RANDOM_INPUTS, seed + 1, SPREAD);
    let failed = 0;
    const started = performance.now();
    try {
      for (const [k, c] of cases.entries()) {
        const row = rows[k]!;
        row.dataset.state = 'running';
        row.lastElementChild!.textContent = 'running…';
        const label = `${DISPLAY_NAMES[c.name]} ${c.mode}`;
        const step = (done: number) => {
          progress.value = (k + done) / cases.length;
          replaceChildren(progressText, `Case ${k + 1} of ${cases.length}: ${label}, ${Math.round(done * 100)}%`);
          return yieldToBrowser();
        };
        await step(0);
        const got = c.mode === 'forward'
          ? await gpu.forward(c.name, x, c.params)
          : c.mode === 'derivative' ? await gpu.derivative(c.name, x, c.params) : await gpu.backward(c.name, x, dy, c.params);
        const result = await checkCase(c, x, c.mode === 'backward' ? dy : undefined, got, step);
        if (result.failures) failed++;
        show(row, result);
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      progress.value = 1;
      replaceChildren(progressText, `Done in ${seconds} s (seed ${seed})`);
      replaceChildren(
        summary,
        failed === 0
          ? `All ${cases.length} cases pass: ${formatCount(cases.length * x.length)} results, each within its bound.`
          : `${failed} of ${cases.length} cases fail; the first failure of each is listed below.`,
        SOFTMAX_IN_BUILD ? '' : ' Softmax is not in this build.',
      );
      panel.dataset.state = failed === 0 ? 'pass' : 'fail';
    } catch (e) {
      panel.dataset.state = 'error';
      replaceChildren(summary, `The verification stopped: ${errorMessage(e)}`);
    } finally {
      button.disabled = false;
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
