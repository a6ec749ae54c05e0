// The activation plots: f(z) and f'(z) from the GPU, the float64 reference dashed on top, and the
// parameter controls. Formulas and parameter checks come from the activation table.
import { ELEMENTWISE, ELEMENTWISE_NAMES, resolveParams, type ElementwiseName } from '../src/activations/table.js';
import { checkElementwise } from '../src/numerics/verify.js';
import type { Activations } from '../src/index.js';
import { reference } from '../src/numerics/reference.js';
import { drawChart, niceAxis, redrawOnChange, strokeLines, type Line } from './chart.js';
import { errorMessage, h, replaceChildren } from './dom.js';

/** z from −6 to 6 in steps of 0.01: 1201 points, with 0 and ±3 among them exactly. */
const Z_HALF_WIDTH = 6;
const STEPS_PER_UNIT = 100;
const Z = Float32Array.from(
  { length: 2 * Z_HALF_WIDTH * STEPS_PER_UNIT + 1 },
  (_, i) => (i - Z_HALF_WIDTH * STEPS_PER_UNIT) / STEPS_PER_UNIT,
);

interface Curves {
  readonly f: Float32Array;
  readonly df: Float32Array;
  readonly refF: Float64Array;
  readonly refDf: Float64Array;
}

/** The groups of plots, in order: the six classic activations first, then those of modern networks. */
const GROUPS = [
  { group: 'classic', title: 'Classic', id: 'plots-classic' },
  { group: 'modern', title: 'Modern networks: GELU, SiLU, Mish, softplus and the hard-* family', id: 'plots-modern' },
] as const;

/**
 * Builds the cards at once, group by group (the table's `group`; none means classic), so the page
 * keeps its layout; they compute once `start` gives them a GPU.
 */
export function mountPlots(container: HTMLElement): { start: (act: Activations) => void } {
  const cards = GROUPS.map(({ group, title, id }) => {
    const names = ELEMENTWISE_NAMES.filter((name) => (ELEMENTWISE[name].group ?? 'classic') === group);
    const groupCards = names.map(plotCard);
    if (groupCards.length) {
      container.append(h('section', { class: 'plot-group', id, 'aria-label': title },
        h('h3', { class: 'plot-group-title' }, title),
        h('div', { class: 'plot-grid' }, ...groupCards.map((c) => c.element))));
    }
    return groupCards;
  }).flat();
  return { start: (act) => cards.forEach((c) => c.start(act)) };
}

function plotCard(name: ElementwiseName): { element: HTMLElement; start: (act: Activations) => void } {
  const spec = ELEMENTWISE[name];
  // The table's defaults as people write them (0.01, not its f32 value 0.009999999776).
  const params: Record<string, number> = Object.fromEntries(Object.entries(spec.params).map(([k, p]) => [k, p.default]));
  const canvas = h('canvas', {
    class: 'chart line-chart',
    role: 'img',
    'aria-label': `${ELEMENTWISE[name].display}: f(z) and its derivative for z from −6 to 6`,
    'data-state': 'computing',
  });
  const agreement = h('p', { class: 'agreement', 'aria-live': 'polite' }, 'Waiting for the GPU…');
  const error = h('p', { class: 'input-error', role: 'alert' });
  let curves: Curves | undefined;
  let revision = 0;
  let act: Activations | undefined;

  const draw = () => {
    if (!curves) return;
    const c = curves;
    const finite = [...c.f, ...c.df, ...c.refF, ...c.refDf].filter(Number.isFinite);
    const x = niceAxis(-Z_HALF_WIDTH, Z_HALF_WIDTH, 6, 'z');
    const y = niceAxis(Math.min(...finite), Math.max(...finite), 6, 'f(z), f′(z)');
    const colors = getComputedStyle(canvas);
    const color = (v: string) => colors.getPropertyValue(v).trim();
    const lines: Line[] = [
      { label: 'f GPU', x: Z, y: c.f, color: color('--series-f'), width: 2.25 },
      { label: 'f′ GPU', x: Z, y: c.df, color: color('--series-df'), width: 2.25 },
      // The reference goes on top, thin and dashed, so the GPU curve shows through the gaps.
      { label: 'f reference', x: Z, y: c.refF, color: color('--series-ref'), width: 1, dash: [3, 3] },
      { label: 'f′ reference', x: Z, y: c.refDf, color: color('--series-ref'), width: 1, dash: [3, 3] },
    ];
    drawChart(canvas, x, y, (frame) => strokeLines(frame, lines));
    canvas.dataset.series = JSON.stringify(lines.map((l) => ({ label: l.label, color: l.color })));
  };

  const compute = async () => {
    if (!act) return; // no GPU yet: start() computes with the values set by then
    const gpu = act;
    const mine = ++revision;
    canvas.dataset.state = 'computing';
    let resolved: Record<string, number>;
    try {
      // Rounded to f32, as the GPU receives them, so the reference uses the very same values.
      resolved = resolveParams(name, params);
      replaceChildren(error);
    } catch (e) {
      // The library's own message names the parameter, the value and what it accepts.
      replaceChildren(error, errorMessage(e));
      canvas.dataset.state = 'invalid';
      return;
    }
    try {
      const [f, df] = await Promise.all([gpu.forward(name, Z, resolved), gpu.derivative(name, Z, resolved)]);
      const next: Curves = { f, df, refF: reference.forward(name, Z, resolved), refDf: reference.derivative(name, Z, resolved) };
      if (mine !== revision) return; // a newer input is already being computed
      curves = next;
      draw();
      // The contract's checker: near a zero crossing of f' (gelu, silu, mish, ...) the bound is
      // absolute, and the ULP count there says nothing, so those points are reported as a fraction
      // of that bound.
      const checks = [checkElementwise(name, 'forward', resolved, Z, undefined, f), checkElementwise(name, 'derivative', resolved, Z, undefined, df)];
      const worst = Math.max(...checks.map((c) => c.maxUlps));
      const nearZero = Math.max(0, ...checks.map((c) => c.worstAbsolute?.fraction ?? 0));
      const outside = checks.reduce((n, c) => n + c.failureCount, 0);
      replaceChildren(agreement, `GPU vs float64 on these ${Z.length} points: largest difference ${worst} ULP` +
        (nearZero > 0 ? `; near the zero of f′, ${(100 * nearZero).toFixed(0)}% of the absolute bound there` : '') +
        (outside > 0 ? `; ${outside} outside the contract` : ''));
      canvas.dataset.params = JSON.stringify(resolved);
      canvas.dataset.state = 'ready';
    } catch (e) {
      if (mine !== revision) return;
      canvas.dataset.state = 'error';
      replaceChildren(agreement, `The GPU computation failed: ${errorMessage(e)}`);
    }
  };

  // The slider's range is the table's; the number box accepts whatever the table accepts.
  const controls = Object.entries(spec.params).map(([key, { symbol, slider: range }]) => {
    const value = String(params[key]);
    const common = { min: range.min, max: range.max, step: range.step, value, 'data-param': key };
    const slider = h('input', { ...common, type: 'range', 'aria-label': `${symbol} slider` });
    const box = h('input', { ...common, type: 'number', class: 'param-value', 'aria-label': symbol });
    const onInput = (source: HTMLInputElement, other: HTMLInputElement) => {
      if (source.value === '') return; // mid-edit: wait for a number
      params[key] = Number(source.value);
      other.value = source.value;
      void compute();
    };
    slider.addEventListener('input', () => onInput(slider, box));
    box.addEventListener('input', () => onInput(box, slider));
    return h('label', { class: 'param' }, h('span', { class: 'param-symbol' }, symbol, ' ='), slider, box);
  });

  redrawOnChange(canvas, draw);

  const element = h(
    'article',
    { class: 'card plot-card', id: `plot-${name}`, 'data-activation': name },
    h('h4', {}, ELEMENTWISE[name].display),
    h(
      'p',
      { class: 'formula' },
      h('span', {}, 'f(z) = ', spec.formula),
      h('span', {}, 'f′(z) = ', spec.derivativeFormula),
    ),
    h('div', { class: 'controls' }, ...(controls.length ? controls : [h('span', { class: 'muted' }, 'No parameters')])),
    error,
    canvas,
    h(
      'ul',
      { class: 'legend' },
      h('li', {}, h('span', { class: 'swatch swatch-f' }), 'f(z), GPU'),
      h('li', {}, h('span', { class: 'swatch swatch-df' }), 'f′(z), GPU'),
      h('li', {}, h('span', { class: 'swatch swatch-ref' }), 'CPU float64'),
    ),
    agreement,
  );
  return {
    element,
    start: (gpu) => {
      act = gpu;
      void compute();
    },
  };
}
