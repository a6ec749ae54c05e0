// The verification table runs every elementwise activation × mode, and softmax and logSoftmax, on
// 2^20 random inputs plus the special values, and every row passes.
import { expect, test } from '@playwright/test';
import { ELEMENTWISE_NAMES } from '../../src/activations/table.js';
import { screenshot } from './pixels.js';

// Every elementwise activation × forward, derivative, backward; softmax and logSoftmax forward.
const CASES = 3 * ELEMENTWISE_NAMES.length + 2;

// Measured on the software adapter (SwiftShader) on 2 shared cores: about 15 s for the first 18
// cases, about a second per case. The limit leaves room for slower CI machines.
const VERIFY_TIMEOUT = 300_000;

test('every row of the verification table passes', async ({ page }, testInfo) => {
  test.setTimeout(VERIFY_TIMEOUT + 30_000);
  // A fixed seed, so a failure can be repeated in a browser with the same URL.
  await page.goto('/?seed=20240611');
  const panel = page.locator('#verification-panel');
  const rows = page.locator('#verification-table tbody tr');

  // While it runs, the progress bar and text say how far it is.
  await expect(page.locator('#verification-panel .progress-text')).toHaveText(new RegExp(`Case \\d+ of ${CASES}: .+, \\d+%`));
  await expect(page.locator('#verification-table tr[data-state=running]')).toHaveCount(1);
  await screenshot(page, testInfo, 'running');

  await expect(panel).toHaveAttribute('data-state', /^(pass|fail|error)$/, { timeout: VERIFY_TIMEOUT });
  await screenshot(page, testInfo, 'done');
  const failures = await page.locator('#verification-panel .failures').innerText();
  const summary = await page.locator('#verification-summary').innerText();
  expect(await panel.getAttribute('data-state'), `${summary}\n${failures}`).toBe('pass');

  await expect(rows).toHaveCount(CASES);
  for (const row of await rows.all()) {
    await expect(row).toHaveAttribute('data-state', 'pass');
    await expect(row.locator('.result')).toHaveText('✓ pass');
    // 2^20 random inputs plus the special values: more than 2^20 checked per case.
    const checked = Number((await row.locator('td').first().innerText()).replace(/\D/g, ''));
    expect(checked).toBeGreaterThan(2 ** 20);
  }
  await expect(page.locator('#verification-table tr[data-case="softmax/forward"]')).toHaveAttribute('data-state', 'pass');
  await expect(page.locator('#verification-table tr[data-case="logSoftmax/forward"]')).toHaveAttribute('data-state', 'pass');
});

test('switched to f16, every row passes on all 65 536 f16 inputs', async ({ page }) => {
  test.setTimeout(VERIFY_TIMEOUT + 30_000);
  await page.goto('/?seed=20240611');
  const panel = page.locator('#verification-panel');
  // The page starts an f32 run on load; the switch is free once it is done.
  await expect(panel).toHaveAttribute('data-state', /^(pass|fail|error)$/, { timeout: VERIFY_TIMEOUT });
  await page.locator('#verification-dtype').selectOption('f16');
  await page.locator('#verification-panel button').click();
  await expect(panel).toHaveAttribute('data-dtype', 'f16');
  await expect(panel).toHaveAttribute('data-state', /^(pass|fail|error)$/, { timeout: VERIFY_TIMEOUT });
  const failures = await page.locator('#verification-panel .failures').innerText();
  const summary = await page.locator('#verification-summary').innerText();
  expect(await panel.getAttribute('data-state'), `${summary}\n${failures}`).toBe('pass');
  const rows = page.locator('#verification-table tbody tr');
  await expect(rows).toHaveCount(CASES);
  for (const row of await rows.all()) {
    await expect(row).toHaveAttribute('data-state', 'pass');
    const checked = Number((await row.locator('td').first().innerText()).replace(/\D/g, ''));
    const elementwise = !(await row.getAttribute('data-case'))!.includes('oftmax');
    // Every f16 bit pattern as x: exactly 2^16 per elementwise case.
    if (elementwise) expect(checked).toBe(2 ** 16);
  }
});
