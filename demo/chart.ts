// A small canvas renderer for the demo's line plots and bar charts: axes with ticks and titles, a grid,
// and content drawn in data coordinates. The backing store has devicePixelRatio pixels per CSS pixel,
// so lines and text are crisp on high-DPI screens.
//
// After each draw the canvas carries `data-view`: the axis ranges and the plot rectangle in CSS pixels.
// The end-to-end tests use it to map a data point to a pixel and read the colour drawn there.

export interface Tick {
  readonly value: number;
  readonly label: string;
}

export interface Axis {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly Tick[];
  readonly title: string;
}

export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** What a draw callback gets: the context in CSS pixels and the data → pixel maps. */
export interface Frame {
  readonly ctx: CanvasRenderingContext2D;
  readonly plot: Rect;
  readonly toX: (x: number) => number;
  readonly toY: (y: number) => number;
}

/** What `data-view` holds. */
export interface ChartView {
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  readonly plot: Rect;
}

export interface Line {
  readonly label: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly color: string;
  /** In CSS pixels. */
  readonly width: number;
  /** Dash pattern in CSS pixels; solid when absent. */
  readonly dash?: readonly number[];
}

const MARGIN = { left: 46, right: 12, top: 10, bottom: 38 };
/** CSS pixels drawn beyond the plot rectangle: half the widest line. */
const CLIP_OVERDRAW = 2;

/**
 * Ticks at 1, 2 or 5 times a power of ten, about `count` of them, covering [lo, hi]. The returned
 * range is widened to the outer ticks so the curve never touches the frame.
 */
export function niceAxis(lo: number, hi: number, count: number, title: string): Axis {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new RangeError(`niceAxis: range [${lo}, ${hi}] must be finite`);
  }
  if (hi - lo < 1e-9 * Math.max(1, Math.abs(lo), Math.abs(hi))) {
    // A constant (linear's derivative): give it room above and below.
    const pad = Math.max(1, Math.abs(lo)) / 2;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: Tick[] = [];
  for (let k = 0; min + k * step <= max + step / 2; k++) {
    const value = min + k * step;
    ticks.push({ value, label: formatTick(value, decimals) });
  }
  return { min, max, ticks, title };
}

function formatTick(value: number, decimals: number): string {
  const text = Math.abs(value) < 1e-12 ? '0' : value.toFixed(decimals);
  // A real minus sign: the hyphen looks too short next to digits.
  return text.replace('-', '\u2212');
}

/** The colours and font of the current color scheme, from the page's CSS variables. */
function theme(canvas: HTMLCanvasElement) {
  const style = getComputedStyle(canvas);
  const v = (name: string) => style.getPropertyValue(name).trim();
  return {
    text: v('--chart-text'),
    grid: v('--chart-grid'),
    axis: v('--chart-axis'),
    font: `${v('--chart-font-size') || '11px'} ${style.fontFamily}`,
  };
}

/**
 * Clears the canvas, sizes its backing store to its CSS box × devicePixelRatio, draws the grid, axes,
 * ticks and titles, then `content` clipped to the plot area.
 * `x` may be a categorical axis (bar charts): pass its ticks at the category centres.
 */
export function drawChart(canvas: HTMLCanvasElement, x: Axis, y: Axis, content: (frame: Frame) => void): void {
  const dpr = window.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth;
  const cssHeight = canvas.clientHeight;
  if (cssWidth === 0 || cssHeight === 0) return; // not laid out (hidden); the ResizeObserver redraws later
  canvas.width = Math.round(cssWidth * dpr);
  canvas.height = Math.round(cssHeight * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('drawChart: the canvas has no 2D context');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssWidth, cssHeight);

  const plot: Rect = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: cssWidth - MARGIN.left - MARGIN.right,
    height: cssHeight - MARGIN.top - MARGIN.bottom,
  };
  const toX = (v: number) => plot.left + ((v - x.min) / (x.max - x.min)) * plot.width;
  const toY = (v: number) => plot.top + (1 - (v - y.min) / (y.max - y.min)) * plot.height;
  // The centre of a device pixel, so that grid lines one device pixel wide stay crisp.
  const snap = (v: number) => (Math.round(v * dpr - 0.5) + 0.5) / dpr;
  const colors = theme(canvas);

  // Grid, with the zero lines drawn as axes.
  ctx.lineWidth = 1 / dpr;
  for (const t of x.ticks) {
    ctx.strokeStyle = t.value === 0 ? colors.axis : colors.grid;
    ctx.beginPath();
    ctx.moveTo(snap(toX(t.value)), plot.top);
    ctx.lineTo(snap(toX(t.value)), plot.top + plot.height);
    ctx.stroke();
  }
  for (const t of y.ticks) {
    ctx.strokeStyle = t.value === 0 ? colors.axis : colors.grid;
    ctx.beginPath();
    ctx.moveTo(plot.left, snap(toY(t.value)));
    ctx.lineTo(plot.left + plot.width, snap(toY(t.value)));
    ctx.stroke();
  }
  ctx.strokeStyle = colors.axis;
  ctx.strokeRect(snap(plot.left), snap(plot.top), Math.round(plot.width * dpr) / dpr, Math.round(plot.height * dpr) / dpr);

  // Tick labels and axis titles.
  ctx.fillStyle = colors.text;
  ctx.font = colors.font;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of x.ticks) ctx.fillText(t.label, toX(t.value), plot.top + plot.height + 5);
  ctx.fillText(x.title, plot.left + plot.width / 2, plot.top + plot.height + 21);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of y.ticks) ctx.fillText(t.label, plot.left - 6, toY(t.value));
  ctx.save();
  ctx.translate(11, plot.top + plot.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText(y.title, 0, 0);
  ctx.restore();

  ctx.save();
  ctx.beginPath();
  // A little past the frame, so that a line along an edge (ReLU at 0) is drawn whole, not halved.
  ctx.rect(plot.left - CLIP_OVERDRAW, plot.top - CLIP_OVERDRAW, plot.width + 2 * CLIP_OVERDRAW, plot.height + 2 * CLIP_OVERDRAW);
  ctx.clip();
  content({ ctx, plot, toX, toY });
  ctx.restore();

  const view: ChartView = { x: [x.min, x.max], y: [y.min, y.max], plot };
  canvas.dataset.view = JSON.stringify(view);
}

/** Strokes each line in order (later lines on top). Non-finite points break the line. */
export function strokeLines(frame: Frame, lines: readonly Line[]): void {
  const { ctx, toX, toY } = frame;
  ctx.lineJoin = 'round';
  ctx.lineCap = 'butt';
  for (const line of lines) {
    ctx.strokeStyle = line.color;
    ctx.lineWidth = line.width;
    ctx.setLineDash(line.dash ? [...line.dash] : []);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < line.x.length; i++) {
      const yv = line.y[i]!;
      if (!Number.isFinite(yv)) {
        pen = false;
        continue;
      }
      const px = toX(line.x[i]!);
      const py = toY(yv);
      if (pen) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      pen = true;
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

/**
 * Redraws through `draw` whenever the canvas changes size or the device pixel ratio or color scheme
 * changes (moving the window to another screen, zooming, switching to dark mode).
 */
export function redrawOnChange(canvas: HTMLCanvasElement, draw: () => void): void {
  let lastWidth = canvas.clientWidth;
  let lastHeight = canvas.clientHeight;
  new ResizeObserver(() => {
    if (canvas.clientWidth === lastWidth && canvas.clientHeight === lastHeight) return;
    lastWidth = canvas.clientWidth;
    lastHeight = canvas.clientHeight;
    draw();
  }).observe(canvas);
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', draw);
  const watchDpr = () => {
    window.matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`).addEventListener(
      'change',
      () => {
        draw();
        watchDpr();
      },
      { once: true },
    );
  };
  watchDpr();
}
