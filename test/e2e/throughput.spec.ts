// The throughput button measures every op and the copy bandwidth, and shows numbers for each.
// Only that it works: how fast is a question for `npm run bench`, not for a test.
import { expect, test } from '@playwright/test';
import { ELEMENTWISE_NAMES } from '../../src/activations/table.js';
import { screenshot } from './pixels.js';

test('the benchmark button fills in GB/s for the copy and every op', async ({ page }, testInfo) => {
  // Measured on the software adapter: about 15 s for 6 activations, 45 s for 19; the f16 runs add
  // about as much again.
  test.setTimeout(400_000);
  await page.goto('/?verify=manual');
  await expect(page.locator('#gpu-status')).toHaveAttribute('data-state', 'ready');
  const panel = page.locator('#throughput-panel');
  await panel.getByRole('button', { name: 'Run benchmark' }).click();
  await expect(panel).toHaveAttribute('data-state', /^(done|error)$/, { timeout: 370_000 });
  await screenshot(page, testInfo);
  expect(await panel.getAttribute('data-state'), await panel.locator('.progress-text').innerText()).toBe('done');
  const rows = page.locator('#throughput-table tbody tr');
  await expect(rows).toHaveCount(1 + 2 * ELEMENTWISE_NAMES.length); // the copy, then every activation × forward and backward
  for (const row of await rows.all()) {
    const gbps = Number(await row.getAttribute('data-gbps'));
    expect(gbps, (await row.getAttribute('data-op'))!).toBeGreaterThan(0);
    expect(Number.isFinite(gbps)).toBe(true);
    // Every op row also ran on f16 tensors: its elements/s as a multiple of f32's.
    if ((await row.getAttribute('data-op')) !== 'copy') {
      const ratio = Number(await row.getAttribute('data-f16-ratio'));
      expect(ratio, `${await row.getAttribute('data-op')} f16 ÷ f32`).toBeGreaterThan(0);
      expect(Number.isFinite(ratio)).toBe(true);
    }
  }
});
