// Reading the demo's charts as drawn: map a data point to the canvas pixel it lands on (with the axis
// ranges and plot rectangle the chart publishes in data-view) and look for a series' colour there.
import type { Page, TestInfo } from '@playwright/test';

export interface ColourProbe {
  /** CSS selector of the canvas. */
  readonly canvas: string;
  /** The series label, as listed in the canvas's data-series. */
  readonly series: string;
  readonly x: number;
  readonly y: number;
  /** Half-size of the square searched around the point, in CSS pixels. */
  readonly radius: number;
}

/**
 * The smallest RGB distance (0 to 441) between the series colour and any pixel within `radius` CSS
 * pixels of data point (x, y). Anti-aliased edges blend with the background, but a line 2 CSS pixels
 * wide always has pixels of its exact colour at its centre.
 */
export async function colourDistance(page: Page, probe: ColourProbe): Promise<number> {
  return page.evaluate((p) => {
    const canvas = document.querySelector<HTMLCanvasElement>(p.canvas);
    if (!canvas) throw new Error(`no canvas ${p.canvas}`);
    const view = JSON.parse(canvas.dataset.view ?? 'null') as
      | { x: [number, number]; y: [number, number]; plot: { left: number; top: number; width: number; height: number } }
      | null;
    if (!view) throw new Error(`${p.canvas} has not been drawn (no data-view)`);
    const series = (JSON.parse(canvas.dataset.series ?? '[]') as { label: string; color: string }[]).find((s) => s.label === p.series);
    if (!series) throw new Error(`${p.canvas} has no series "${p.series}"`);
    // The browser resolves the CSS colour: paint one pixel with it and read it back.
    const swatch = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
    swatch.fillStyle = series.color;
    swatch.fillRect(0, 0, 1, 1);
    const [r, g, b] = swatch.getImageData(0, 0, 1, 1).data;
    const cssX = view.plot.left + ((p.x - view.x[0]) / (view.x[1] - view.x[0])) * view.plot.width;
    const cssY = view.plot.top + (1 - (p.y - view.y[0]) / (view.y[1] - view.y[0])) * view.plot.height;
    const scale = canvas.width / canvas.clientWidth;
    const left = Math.max(0, Math.floor((cssX - p.radius) * scale));
    const top = Math.max(0, Math.floor((cssY - p.radius) * scale));
    const size = Math.ceil(2 * p.radius * scale) + 1;
    const pixels = canvas.getContext('2d')!.getImageData(left, top, size, size).data;
    let best = Infinity;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i + 3]! < 250) continue; // transparent or half-covered: not the line's own colour
      best = Math.min(best, Math.hypot(pixels[i]! - r!, pixels[i + 1]! - g!, pixels[i + 2]! - b!));
    }
    return best;
  }, probe);
}

/** A pixel counts as the series' own colour within this RGB distance. */
export const SAME_COLOUR = 30;

/** Saves a full-page screenshot into this test's folder under test-results/. */
export async function screenshot(page: Page, testInfo: TestInfo, name = 'page'): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}
