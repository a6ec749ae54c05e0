import { playwright } from '@vitest/browser-playwright';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { chromiumArgs, requireChromium } from './scripts/browser.mjs';

const gpuProject = process.argv.some((a) => a.includes('gpu'));

export default defineConfig(async () => ({
  // `npm run build`: the library as one ESM file with the WGSL inlined (imported with ?raw).
  build: {
    lib: { entry: resolve(import.meta.dirname, 'src/index.ts'), formats: ['es' as const], fileName: () => 'index.js' },
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'gpu',
          include: ['test/gpu/**/*.test.ts'],
          setupFiles: ['test/setup/uncaptured-errors.ts'],
          // The software adapter is slow: a 2^26-element dispatch takes seconds.
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              // Resolved only when the GPU project runs, so unit tests need no browser.
              // --expose-gc: the tests of the FinalizationRegistry safety net collect garbage on demand.
              launchOptions: gpuProject ? { executablePath: await requireChromium(), args: [...chromiumArgs, '--js-flags=--expose-gc'] } : {},
            }),
            instances: [{ browser: 'chromium' as const }],
          },
        },
      },
    ],
  },
}));
