// The softmax panel: editing a score changes the bars, and the row sums to 1.
import { expect, test } from '@playwright/test';
import { colourDistance, SAME_COLOUR, screenshot } from './pixels.js';

test('editing a score changes the softmax bars and the row still sums to 1', async ({ page }, testInfo) => {
  await page.goto('/?verify=manual');
  await expect(page.locator('#gpu-status')).toHaveAttribute('data-state', 'ready');
  const panel = page.locator('#softmax-panel');
  await expect(panel).toHaveAttribute('data-state', 'ready');
  const chart = page.locator('#softmax-probabilities');
  const readValues = async () => JSON.parse((await chart.getAttribute('data-values'))!) as number[];
  const before = await readValues();
  expect(before).toHaveLength(8);

  await panel.locator('input.score[data-index="0"]').fill('3.5');
  await expect.poll(readValues).not.toEqual(before);
  await expect(panel).toHaveAttribute('data-state', 'ready');
  const after = await readValues();
  // z1 went from 2 to 3.5, above every other score: its probability grows and every other one shrinks.
  expect(after[0]).toBeGreaterThan(before[0]!);
  for (let i = 1; i < 8; i++) expect(after[i]).toBeLessThan(before[i]!);
  const sum = Number(await page.locator('#softmax-sum').getAttribute('data-sum'));
  expect(Math.abs(sum - 1)).toBeLessThan(1e-6);
  await expect(page.locator('#softmax-sum')).toContainText(/Σ softmax = (1\.0000000|0\.99999\d\d)/);

  // The bars as drawn: the bar's colour halfway up each bar tall enough to hold a probe, and none
  // above any bar.
  for (const [i, p] of after.entries()) {
    const probe = { canvas: '#softmax-probabilities', series: 'softmax GPU', x: i + 1, radius: 2 };
    if (p > 0.05) expect(await colourDistance(page, { ...probe, y: p / 2 }), `bar ${i + 1}`).toBeLessThan(SAME_COLOUR);
    expect(await colourDistance(page, { ...probe, y: p + 0.08 }), `above bar ${i + 1}`).toBeGreaterThan(SAME_COLOUR);
  }
  expect(after.filter((p) => p > 0.05).length).toBeGreaterThanOrEqual(2);
  await screenshot(page, testInfo);
});
