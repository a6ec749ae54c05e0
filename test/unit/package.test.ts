// The package as users get it: `npm pack`, installed offline into a fresh project, type-checked
// against the published .d.ts (strict, moduleResolution bundler), built with Vite, and run in
// headless Chromium. It catches a file missing from `files`, a wrong `exports` map and WGSL that was
// not inlined, which tests against src/ cannot see. The bundles also show what tree-shaking keeps.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import erf from '@stdlib/math-base-special-erf';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumArgs, requireChromium } from '../../scripts/browser.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (pkg: string, path: string) => join(root, 'node_modules', pkg, path);
const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let project: string;
let tarball: string;
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'webgpu-activations-consumer-'));
  // The package's own build, then the tarball that `npm publish` would upload.
  run('npm', ['run', 'build', '--silent'], root);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', project], root)) as { filename: string }[];
  tarball = join(project, packed[0]!.filename);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // The package has no dependencies: an offline install needs nothing but the tarball.
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], project);
  // The consumer's tools are the repository's, linked rather than downloaded (no network here).
  for (const pkg of ['typescript', 'vite', '@webgpu/types']) {
    mkdirSync(join(project, 'node_modules', pkg, '..'), { recursive: true });
    symlinkSync(join(root, 'node_modules', pkg), join(project, 'node_modules', pkg), 'dir');
  }
  mkdirSync(join(project, 'src'));
  // The README's example, as it is in the repository.
  copyFileSync(join(root, 'docs', 'examples', 'fuse.ts'), join(project, 'src', 'fuse.ts'));
  for (const f of ['consumer.ts', 'wgsl-only.ts', 'elementwise-only.ts']) copyFileSync(join(root, 'test', 'package', f), join(project, 'src', f));
  writeFileSync(join(project, 'index.html'), '<!doctype html><script type="module" src="/src/consumer.ts"></script>');
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', strict: true, noEmit: true, skipLibCheck: false,
      lib: ['ES2022', 'DOM'], types: ['@webgpu/types'],
    },
    include: ['src'],
  }));
}, 120_000);
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  test('holds the build and what a registry page needs, and nothing from the repository\'s sources', () => {
    const files = run('tar', ['-tzf', tarball], project).trim().split('\n').map((f) => f.replace(/^package\//, '')).sort();
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/wgsl-export.d.ts']));
    expect(files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', 'webgpu-activations', 'package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg).toMatchObject({ sideEffects: false, type: 'module', exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } } });
    for (const key of ['keywords', 'repository', 'engines', 'license']) expect(pkg[key], key).toBeTruthy();
  });

  test('a consumer type-checks against the published .d.ts (strict, moduleResolution bundler)', () => {
    // tsc prints its errors on stdout and exits non-zero: execFileSync throws with them.
    expect(run(process.execPath, [bin('typescript', 'bin/tsc'), '-p', '.'], project)).toBe('');
  }, 60_000);

  test('built with Vite, it runs in headless Chromium: a forward, a GPU-resident chain and a wgsl.function in the consumer\'s shader', async () => {
    const { build, preview } = await import(join(project, 'node_modules', 'vite', 'dist', 'node', 'index.js')) as typeof import('vite');
    await build({ root: project, configFile: false, logLevel: 'error', build: { outDir: 'dist', target: 'es2022' } });
    const server = await preview({ root: project, configFile: false, logLevel: 'error', preview: { port: 0, host: '127.0.0.1' } });
    const { chromium } = await import('playwright');
    const browser = await chromium.launch({ executablePath: await requireChromium(), args: chromiumArgs });
    try {
      const page = await browser.newPage();
      await page.goto(server.resolvedUrls!.local[0]!);
      const result = await page.waitForFunction(() => (window as { result?: unknown }).result, undefined, { timeout: 30_000 }).then((h) => h.jsonValue()) as {
        forward: number[]; chain: number[]; fused: number[]; errors: string[]; error?: string;
      };
      expect(result.error).toBeUndefined();
      expect(result.errors).toEqual([]);
      // Loose checks: the package's accuracy is the GPU suite's; here the point is that it runs.
      const gelu = (z: number) => 0.5 * z * (1 + erf(z / Math.SQRT2));
      const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
      const close = (got: number[], want: number[]) => got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 6));
      close(result.forward, [-1, 0, 2].map(gelu));
      close(result.chain, [0, 0.5, 3].map(sigmoid));
      close(result.fused, [2, 4, -2, 1].map((z) => z * sigmoid(z)));
    } finally {
      await browser.close();
      await new Promise((resolve) => server.httpServer.close(resolve));
    }
  }, 90_000);

  test('tree-shaking: the WGSL export alone bundles no kernel template and no softmax shader, the elementwise entry no softmax shader and no export; sizes gzipped', async () => {
    const { build } = await import(join(project, 'node_modules', 'vite', 'dist', 'node', 'index.js')) as typeof import('vite');
    const shaders = join(root, 'shaders');
    // Each shader file's function names, as they appear in the bundled (unminified) WGSL strings.
    const functionsOf = (file: string) => [...readFileSync(join(shaders, file), 'utf8').matchAll(/^fn (\w+)\(/gm)].map((m) => `fn ${m[1]}(`);
    // The softmax shaders' own functions: not those whose names the other kernels also declare (main, store4_y, ...).
    const others = [...readdirSync(shaders).filter((f) => !f.startsWith('softmax')).map((f) => readFileSync(join(shaders, f), 'utf8')),
      readFileSync(join(root, 'src', 'gpu', 'kernels.ts'), 'utf8')];
    const softmax = readdirSync(shaders).filter((f) => f.startsWith('softmax')).flatMap(functionsOf).filter((fn) => !others.some((o) => o.includes(fn)));
    const templates = ['{{APPLY}}', '{{PARAMS}}'];
    const sizes: Record<string, number> = {};
    const bundle = async (entry: string): Promise<string> => {
      await build({
        root: project, configFile: false, logLevel: 'error',
        build: { outDir: `bundles/${entry}`, target: 'es2022', lib: { entry: `src/${entry}.ts`, formats: ['es'], fileName: () => 'index.js' } },
      });
      const code = readFileSync(join(project, 'bundles', entry, 'index.js'), 'utf8');
      sizes[entry] = gzipSync(code).length;
      return code;
    };
    const wgslOnly = await bundle('wgsl-only');
    expect(softmax.length).toBeGreaterThan(5);
    expect(softmax.filter((s) => wgslOnly.includes(s))).toEqual([]);
    expect(templates.filter((s) => wgslOnly.includes(s))).toEqual([]);
    expect(wgslOnly).toContain('fn gelu_forward(');
    // The elementwise entry leaves the softmax kernels and the export out.
    const elementwise = await bundle('elementwise-only');
    expect(elementwise).toContain('{{APPLY}}');
    expect(softmax.filter((s) => elementwise.includes(s))).toEqual([]);
    expect(elementwise).not.toContain('cannot parse the module-scope line');
    // The whole library: both entries and the chunk they share.
    const dist = join(root, 'dist');
    sizes.library = gzipSync(Buffer.concat(readdirSync(dist).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dist, f))))).length;
    console.log(`gzipped bytes: ${JSON.stringify(sizes)}`);
    // The README's figures, in kB of 1000 bytes, stay within 10% of the build's.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const [label, key] of [['whole library', 'library'], ['WGSL export alone', 'wgsl-only'], ['elementwise ops alone', 'elementwise-only']] as const) {
      const stated = new RegExp(`${label}: ([\\d.]+) kB gzipped`).exec(readme);
      expect(stated, `README states the ${label}'s size`).not.toBeNull();
      expect(Math.abs(Number(stated![1]) * 1000 - sizes[key]!) / sizes[key]!, `${label}: README ${stated![1]} kB, built ${sizes[key]} B`).toBeLessThan(0.1);
    }
  }, 60_000);
});
