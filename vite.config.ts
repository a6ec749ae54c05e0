import { playwright } from '@vitest/browser-playwright';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { chromiumArgs, requireChromium } from './scripts/browser.mjs';

// Chromium is resolved only when the browser's GPU project runs, so the build, the unit tests and the
// other stacks need no browser.
const browserProject = process.argv.some((a) => a === 'gpu' || a === '--project=gpu');

// The GPU suite, the same files on every stack (see scripts/stacks.mjs for what each stack needs).
const gpuSuite = {
  include: ['test/gpu/**/*.test.ts'],
  // The software adapters are slow: a 2^26-element dispatch takes seconds.
  testTimeout: 120_000,
  hookTimeout: 60_000,
  fileParallelism: false,
  // Outside the browser too, the FinalizationRegistry tests collect garbage on demand (Deno takes the flag as well).
  execArgv: ['--expose-gc'],
};

// docs/examples import the package by its published name, as a user's code does; here that is src/.
const resolveAsPublished = { alias: { 'webgpu-activations': resolve(import.meta.dirname, 'src/index.ts') } };

export default defineConfig(async () => ({
  // `npm run build`: the library's two entries as ESM (their shared code in a chunk beside them), the
  // WGSL inlined (imported with ?raw).
  build: {
    lib: {
      entry: { index: resolve(import.meta.dirname, 'src/index.ts'), elementwise: resolve(import.meta.dirname, 'src/elementwise.ts') },
      formats: ['es' as const],
      fileName: (_format: string, name: string) => `${name}.js`,
    },
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  test: {
    projects: [
      {
        resolve: resolveAsPublished,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        resolve: resolveAsPublished,
        // Bundled before the run: found on the fly, they would reload the page under a running test.
        optimizeDeps: { include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', 'onnxruntime-web/webgpu'] },
        test: {
          name: 'gpu',
          ...gpuSuite,
          // The interop tests need tfjs's and ONNX Runtime's browser builds: Chromium only.
          include: [...gpuSuite.include, 'test/interop/**/*.test.ts'],
          provide: { loopIterations: 10_000 },
          setupFiles: ['test/setup/uncaptured-errors.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              // --expose-gc: the tests of the FinalizationRegistry safety net collect garbage on demand.
              launchOptions: browserProject ? { executablePath: await requireChromium(), args: [...chromiumArgs, '--js-flags=--expose-gc'] } : {},
            }),
            instances: [{ browser: 'chromium' as const }],
          },
        },
      },
      // Node + Dawn (the webgpu package): `node scripts/stacks.mjs node --vitest run --project gpu-node`.
      {
        resolve: resolveAsPublished,
        test: {
          name: 'gpu-node',
          ...gpuSuite,
          provide: { loopIterations: 10_000 },
          environment: 'node',
          setupFiles: ['test/setup/node-webgpu.ts', 'test/setup/uncaptured-errors.ts'],
        },
      },
      // Deno's built-in WebGPU, vitest itself running in Deno: `node scripts/stacks.mjs deno --vitest run --project gpu-deno`.
      {
        resolve: resolveAsPublished,
        test: {
          name: 'gpu-deno',
          ...gpuSuite,
          // A readback takes ~13 ms in Deno: 2 000 iterations of the soak loop (issue 15's length) per size.
          provide: { loopIterations: 2_000 },
          environment: 'node',
          setupFiles: ['test/setup/uncaptured-errors.ts'],
        },
      },
    ],
  },
}));
