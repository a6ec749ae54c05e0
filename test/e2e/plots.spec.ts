// The activation plots are real curves computed on the GPU, and their controls recompute them.
// Every activation of the table is plotted where its float64 reference puts it; the sigmoid, ReLU′
// and ELU probes use formulas written out here.
import { expect, test, type Page } from '@playwright/test';
import { ELEMENTWISE, ELEMENTWISE_NAMES, resolveParams } from '../../src/activations/table.js';
import { colourDistance, SAME_COLOUR, screenshot, type ColourProbe } from './pixels.js';

const canvasOf = (name: string) => `#plot-${name} canvas`;

async function openPlots(page: Page): Promise<void> {
  // The verification table is tested on its own; here it would only compete for the CPU.
  await page.goto('/?verify=manual');
  await expect(page.locator('#gpu-status')).toHaveAttribute('data-state', 'ready');
  for (const canvas of await page.locator('canvas.line-chart').all()) {
    await expect(canvas).toHaveAttribute('data-state', 'ready');
  }
}

/** Expects the series' colour within `radius` CSS pixels of (x, y), or, with `present` false, not there. */
async function expectCurve(page: Page, probe: Omit<ColourProbe, 'radius'> & { radius?: number }, present = true): Promise<void> {
  const distance = await colourDistance(page, { radius: 1.5, ...probe });
  const where = `${probe.series} of ${probe.canvas} near (${probe.x}, ${probe.y})`;
  if (present) expect(distance, `expected ${where}`).toBeLessThan(SAME_COLOUR);
  else expect(distance, `expected nothing of ${where}`).toBeGreaterThan(SAME_COLOUR);
}

// One page for the three tests: opening it compiles every pipeline, which takes seconds on the
// software adapter. The α test changes a control, so it runs last.
test.describe.configure({ mode: 'serial' });
let page: Page;
test.beforeAll(async ({ browser }, testInfo) => {
  const { baseURL, viewport, deviceScaleFactor } = testInfo.project.use;
  page = await browser.newPage({ baseURL, viewport, deviceScaleFactor });
  await openPlots(page);
});
test.afterAll(async () => {
  await page.close();
});

test('every plot draws f and f′ where the formulas put them, with the reference over them', async ({}, testInfo) => {
  await screenshot(page, testInfo);
  // Every activation of the table, at its default parameters, where its float64 reference puts it
  // (test/unit/reference.test.ts holds the reference to the closed forms).
  const expected = ELEMENTWISE_NAMES.map((name) => {
    const p = resolveParams(name, {});
    return [name, { f: (z: number) => ELEMENTWISE[name].forward(z, p), df: (z: number) => ELEMENTWISE[name].derivative(z, p) }] as const;
  });
  for (const [name, { f, df }] of expected) {
    const canvas = canvasOf(name);
    // High-DPI: the backing store has deviceScaleFactor (2) pixels per CSS pixel.
    const { width, clientWidth } = await page.locator(canvas).evaluate((c: HTMLCanvasElement) => ({ width: c.width, clientWidth: c.clientWidth }));
    expect(width).toBe(2 * clientWidth);
    for (const z of [-4.5, -1.5, 2.5, 5]) {
      // f′ is drawn over f: where they (nearly) coincide, as ReLU's for z < 0, only f′ shows.
      if (Math.abs(f(z) - df(z)) > 0.2) await expectCurve(page, { canvas, series: 'f GPU', x: z, y: f(z) });
      await expectCurve(page, { canvas, series: 'f′ GPU', x: z, y: df(z) });
      // Dashes of 3 px on, 3 px off: a 4 px radius always holds one.
      await expectCurve(page, { canvas, series: 'f reference', x: z, y: f(z), radius: 4 });
    }
  }
});

test('the sigmoid curve passes through (0, 0.5) and ReLU′ steps at 0', async ({}, testInfo) => {
  const sig = canvasOf('sigmoid');
  await expectCurve(page, { canvas: sig, series: 'f GPU', x: 0, y: 0.5 });
  await expectCurve(page, { canvas: sig, series: 'f′ GPU', x: 0, y: 0.25 });
  // A curve, not a band: nothing of f a little above and below.
  await expectCurve(page, { canvas: sig, series: 'f GPU', x: 0, y: 0.62 }, false);
  await expectCurve(page, { canvas: sig, series: 'f GPU', x: 0, y: 0.38 }, false);

  const relu = canvasOf('relu');
  for (const z of [-3, -0.2]) {
    await expectCurve(page, { canvas: relu, series: 'f′ GPU', x: z, y: 0 });
    await expectCurve(page, { canvas: relu, series: 'f′ GPU', x: z, y: 1 }, false);
  }
  for (const z of [0.2, 3]) {
    await expectCurve(page, { canvas: relu, series: 'f′ GPU', x: z, y: 1 });
    await expectCurve(page, { canvas: relu, series: 'f′ GPU', x: z, y: 0 }, false);
  }
  await page.locator('#plot-relu').screenshot({ path: testInfo.outputPath('relu.png') });
  await screenshot(page, testInfo);
});

test('changing α for ELU moves f(−3) to α·(e⁻³ − 1)', async ({}, testInfo) => {
  const canvas = canvasOf('elu');
  const at = (alpha: number) => alpha * (Math.exp(-3) - 1);
  await expectCurve(page, { canvas, series: 'f GPU', x: -3, y: at(1) });

  const alpha = 2.5;
  await page.locator('#plot-elu input[type=number][data-param=alpha]').fill(String(alpha));
  await expect(page.locator(canvas)).toHaveAttribute('data-params', JSON.stringify({ alpha }));
  await expect(page.locator(canvas)).toHaveAttribute('data-state', 'ready');
  await expectCurve(page, { canvas, series: 'f GPU', x: -3, y: at(alpha) });
  await expectCurve(page, { canvas, series: 'f GPU', x: -3, y: at(1) }, false);
  // The slider follows the number box.
  await expect(page.locator('#plot-elu input[type=range]')).toHaveValue(String(alpha));

  // A value the activation table rejects shows the library's message and leaves the plot alone.
  await page.locator('#plot-elu input[type=number][data-param=alpha]').fill('-1');
  await expect(page.locator('#plot-elu .input-error')).toContainText('alpha = -1 is invalid; expected a finite number > 0');
  await expectCurve(page, { canvas, series: 'f GPU', x: -3, y: at(alpha) });
  await page.locator('#plot-elu').screenshot({ path: testInfo.outputPath('elu.png') });
  await screenshot(page, testInfo);
});
