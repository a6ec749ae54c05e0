// A browser without WebGPU gets an explanation and instructions, not a blank page.
import { expect, test } from '@playwright/test';
import { chromiumArgs, requireChromium } from '../../scripts/browser.mjs';
import { screenshot } from './pixels.js';

// Linux Chromium hides WebGPU unless it is started with this flag.
test.use({
  launchOptions: {
    executablePath: await requireChromium(),
    args: chromiumArgs.filter((arg) => arg !== '--enable-unsafe-webgpu'),
  },
});

test('without WebGPU the page explains why and how to enable it', async ({ page }, testInfo) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  const problem = page.locator('#no-webgpu');
  await expect(problem).toBeVisible();
  // Which step failed: no navigator.gpu at all, or no adapter behind it.
  await expect(problem).toHaveAttribute('data-reason', /^(no-webgpu|no-adapter)$/);
  await expect(page.locator('#no-webgpu-detail')).toContainText(/navigator\.gpu/);
  await expect(problem).toContainText('--enable-unsafe-webgpu');
  await expect(problem).toContainText('chrome://flags/#enable-unsafe-webgpu');
  await expect(page.locator('#gpu-status')).toHaveAttribute('data-state', 'unavailable');
  // The GPU panels are hidden rather than left empty.
  await expect(page.locator('#activations')).toBeHidden();
  await expect(page.locator('#verification')).toBeHidden();
  expect(errors).toEqual([]);
  await screenshot(page, testInfo);
});
