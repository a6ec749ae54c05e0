// The softmax panel: an editable row of scores and a temperature, with bar charts of softmax and
// log-softmax from the GPU, the float64 reference marked on each bar, and the row sum.
import { measuredUlps } from '../src/numerics/accuracy.js';
import type { Activations } from '../src/index.js';
import { drawChart, niceAxis, redrawOnChange, type Axis, type Frame } from './chart.js';
import { errorMessage, formatNumber, h, replaceChildren } from './dom.js';
import { softmaxRow, type SoftmaxRow } from './softmax.js';

const DEFAULT_SCORES = [2, 1, 0.1, -1, 3, 0.5, -2, 1.5];

/** Builds the panel at once; it computes once `start` gives it a GPU. */
export function mountSoftmax(panel: HTMLElement): { start: (act: Activations) => void } {
  const scores = [...DEFAULT_SCORES];
  let act: Activations | undefined;
  let temperature = 1;
  let row: SoftmaxRow | undefined;
  let revision = 0;

  const scoreInputs = scores.map((value, i) =>
    h('input', {
      type: 'number', step: 0.1, value, class: 'score', 'data-index': i, 'aria-label': `score z${i + 1}`,
    }),
  );
  const temperatureSlider = h('input', {
    type: 'range', min: 0.1, max: 5, step: 0.05, value: temperature, 'aria-label': 'temperature slider',
  });
  const temperatureBox = h('input', {
    type: 'number', min: 0.05, step: 0.05, value: temperature, class: 'param-value', 'aria-label': 'temperature T',
  });
  const probabilityChart = h('canvas', { class: 'chart bar-chart', id: 'softmax-probabilities', role: 'img', 'aria-label': 'softmax probabilities' });
  const logChart = h('canvas', { class: 'chart bar-chart', id: 'softmax-log', role: 'img', 'aria-label': 'log-softmax values' });
  const sum = h('p', { class: 'row-sum', id: 'softmax-sum', 'aria-live': 'polite' }, 'Row sum: —');
  const message = h('p', { class: 'input-error', role: 'alert' });

  const draw = () => {
    if (!row) return;
    const n = row.probabilities.length;
    const categories: Axis['ticks'] = Array.from({ length: n }, (_, i) => ({ value: i + 1, label: `z${i + 1}` }));
    const x: Axis = { min: 0.5, max: n + 0.5, ticks: categories, title: 'score' };
    const style = getComputedStyle(panel);
    const color = (v: string) => style.getPropertyValue(v).trim();
    const maxP = Math.max(...row.probabilities, ...row.referenceProbabilities);
    drawChart(probabilityChart, x, niceAxis(0, maxP, 4, 'softmax'), (frame) =>
      drawBars(frame, row!.probabilities, row!.referenceProbabilities, color('--series-f'), color('--series-ref')));
    const minLog = Math.min(...row.logProbabilities, ...row.referenceLogProbabilities);
    drawChart(logChart, x, niceAxis(minLog, 0, 4, 'log-softmax'), (frame) =>
      drawBars(frame, row!.logProbabilities, row!.referenceLogProbabilities, color('--series-df'), color('--series-ref')));
    probabilityChart.dataset.series = JSON.stringify([{ label: 'softmax GPU', color: color('--series-f') }]);
    logChart.dataset.series = JSON.stringify([{ label: 'log-softmax GPU', color: color('--series-df') }]);
  };

  const compute = async () => {
    if (!act) return;
    const gpu = act;
    const mine = ++revision;
    panel.dataset.state = 'computing';
    try {
      const next = await softmaxRow(gpu, scores, temperature);
      if (mine !== revision) return;
      row = next;
      draw();
      let total = 0;
      for (const p of row.probabilities) total += p;
      let worst = 0;
      row.probabilities.forEach((p, i) => (worst = Math.max(worst, measuredUlps(p, row!.referenceProbabilities[i]!))));
      row.logProbabilities.forEach((p, i) => (worst = Math.max(worst, measuredUlps(p, row!.referenceLogProbabilities[i]!))));
      replaceChildren(sum, `Row sum Σ softmax = ${total.toFixed(7)} · largest difference from float64: ${worst} ULP`);
      sum.dataset.sum = String(total);
      probabilityChart.dataset.values = JSON.stringify(Array.from(row.probabilities));
      replaceChildren(message);
      panel.dataset.state = 'ready';
    } catch (e) {
      if (mine !== revision) return;
      panel.dataset.state = 'error';
      replaceChildren(message, errorMessage(e));
    }
  };

  scoreInputs.forEach((input, i) =>
    input.addEventListener('input', () => {
      if (input.value === '' || !Number.isFinite(Number(input.value))) return;
      scores[i] = Number(input.value);
      void compute();
    }),
  );
  const setTemperature = (source: HTMLInputElement, other: HTMLInputElement) => {
    if (source.value === '') return;
    temperature = Number(source.value);
    other.value = source.value;
    void compute();
  };
  temperatureSlider.addEventListener('input', () => setTemperature(temperatureSlider, temperatureBox));
  temperatureBox.addEventListener('input', () => setTemperature(temperatureBox, temperatureSlider));
  redrawOnChange(probabilityChart, draw);
  redrawOnChange(logChart, draw);

  replaceChildren(
    panel,
    h(
      'div',
      { class: 'softmax-inputs' },
      h('fieldset', {}, h('legend', {}, 'Scores z'), h('div', { class: 'score-grid' }, ...scoreInputs.map((input, i) =>
        h('label', {}, h('span', {}, `z${i + 1}`), input)))),
      h('label', { class: 'param' }, h('span', { class: 'param-symbol' }, 'T ='), temperatureSlider, temperatureBox),
      message,
    ),
    h(
      'div',
      { class: 'softmax-charts' },
      probabilityChart,
      logChart,
      h(
        'ul',
        { class: 'legend' },
        h('li', {}, h('span', { class: 'swatch swatch-f' }), 'softmax, GPU'),
        h('li', {}, h('span', { class: 'swatch swatch-df' }), 'log-softmax, GPU'),
        h('li', {}, h('span', { class: 'swatch swatch-ref' }), 'CPU float64'),
      ),
      sum,
    ),
  );
  return {
    start: (gpu) => {
      act = gpu;
      void compute();
    },
  };
}

/** One bar per value from 0, and the reference as a dashed mark across the bar's top. */
function drawBars(frame: Frame, values: Float32Array, referenceValues: Float64Array, fill: string, mark: string): void {
  const { ctx, toX, toY } = frame;
  const half = 0.3;
  values.forEach((v, i) => {
    const left = toX(i + 1 - half);
    const right = toX(i + 1 + half);
    const top = toY(Math.max(v, 0));
    const bottom = toY(Math.min(v, 0));
    ctx.fillStyle = fill;
    ctx.fillRect(left, top, right - left, bottom - top);
    ctx.strokeStyle = mark;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([3, 2]);
    ctx.beginPath();
    const r = toY(referenceValues[i]!);
    ctx.moveTo(left - 3, r);
    ctx.lineTo(right + 3, r);
    ctx.stroke();
    ctx.setLineDash([]);
  });
  ctx.fillStyle = getComputedStyle(ctx.canvas).getPropertyValue('--chart-text').trim();
  ctx.font = `10px ${getComputedStyle(ctx.canvas).fontFamily}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  values.forEach((v, i) => {
    if (v >= 0) ctx.fillText(formatNumber(v, 3), toX(i + 1), toY(v) - 2);
  });
}
