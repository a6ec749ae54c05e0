// `npm run bench`: serves bench/index.html with Vite, runs it in headless Chromium (the same launch
// as the GPU tests), streams a progress line per case to stderr, prints the table and writes the
// results with the adapter, browser and date.
//
//   npm run bench                        the whole matrix → bench/results.json
//   npm run bench -- --quick             2^22 and softmax [4096,1024] only, 3 samples → bench/results.partial.json
//   npm run bench -- --filter 'sigmoid'  cases whose id matches    → bench/results.partial.json
//   npm run bench -- --overhead-only     the per-call overhead section alone → bench/results.partial.json
//   npm run bench -- --runtime deno|node our ops and the copy kernels on that stack (bench/native.mjs;
//                                        --quick, --sizes and --samples apply) → bench/results.<runtime>[.partial].json
//   options: --sizes 20,22,24 (log2 of the elementwise sizes), --samples N, --warmups N,
//            --no-peers (ours and the copy baselines only), --no-overhead, --out FILE
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { build } from 'vite';
import { chromiumArgs } from '../scripts/browser.mjs';
import { root, withBenchPage } from './page.mjs';
import { stackCommand, stackEnv } from '../scripts/stacks.mjs';
import { describeRun, formatOverhead, formatTable } from './report.mjs';


const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    filter: { type: 'string' },
    sizes: { type: 'string' },
    samples: { type: 'string' },
    warmups: { type: 'string' },
    'no-peers': { type: 'boolean', default: false },
    'no-overhead': { type: 'boolean', default: false },
    'overhead-only': { type: 'boolean', default: false },
    out: { type: 'string' },
    runtime: { type: 'string', default: 'chromium' },
  },
});

const positiveInt = (name, text) => {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new Error(`bench: --${name} ${text} is not a positive integer`);
  return v;
};
const sizes = args.sizes?.split(',').map((s) => 2 ** positiveInt('sizes', s)) ?? (args.quick ? [2 ** 22] : undefined);
const config = {
  sizes,
  softmaxShapes: args.quick ? [[4096, 1024]] : undefined,
  filter: args.filter,
  samples: args.samples ? positiveInt('samples', args.samples) : args.quick ? 3 : 5,
  warmups: args.warmups ? positiveInt('warmups', args.warmups) : 1,
  peers: !args['no-peers'],
  cases: !args['overhead-only'],
  // Small GPU-resident calls: µs per call of relu with out (issue 16's overhead targets).
  overhead: args['no-overhead'] ? undefined : { sizes: [256, 4096], calls: args.quick ? 2000 : 10_000, reps: args.quick ? 3 : 5 },
};
const subset = args.quick || args.filter || args.sizes || args.samples || args.warmups || args['no-peers'] ||
  args['no-overhead'] || args['overhead-only'];
// Only the full matrix may replace the committed results.
const outPath = args.out ?? join(root, 'bench', subset ? 'results.partial.json' : 'results.json');

const log = (line) => process.stderr.write(`${line}\n`);

if (args.runtime !== 'chromium') {
  // Outside the browser: the built library on Node (Dawn) or Deno, our kernels and the copy baselines.
  const env = stackEnv(args.runtime);
  if (env instanceof Error) throw new Error(`bench --runtime: ${env.message}`);
  await build({ root, logLevel: 'warn' });
  const out = args.out ?? join(root, 'bench', `results.${args.runtime}${subset ? '.partial' : ''}.json`);
  const knobs = {
    SIZES: args.sizes ?? (args.quick ? '20' : '22,24'),
    SAMPLES: String(args.samples ? positiveInt('samples', args.samples) : args.quick ? 3 : 7),
    K: args.quick ? '4' : '20',
    RESULTS: out,
  };
  // --no-opt: Dawn for Node crashes when optimized JS keeps the main thread busy between large
  // round trips, as the accuracy check does (docs/dawn-node-crash.mjs).
  const [cmd, argv] = stackCommand(args.runtime, join(root, 'bench', 'native.mjs'), [], args.runtime === 'node' ? ['--no-opt'] : []);
  const run = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, env: { ...env, ...knobs } });
  if (run.status !== 0) throw new Error(`bench --runtime ${args.runtime}: bench/native.mjs exited with ${run.status ?? run.signal}`);
  log(`bench: wrote ${relative(process.cwd(), out)}`);
  process.exit(0);
}

await withBenchPage({ html: 'bench/index.html', entry: 'runBench', progress: 'benchProgress', cache: 'bench', port: 5190, log }, async (page, browser, url) => {
  log(`bench: ${url} in Chromium ${browser.version()}; ${config.samples} samples, ${config.warmups} warm-up, ` +
    `${config.peers ? 'with' : 'without'} peers${config.filter ? `, filter /${config.filter}/` : ''}`);
  const results = await page.evaluate((c) => window.runBench(c), config);
  const full = { ...results, browser: `Chromium ${browser.version()} (headless, ${chromiumArgs.join(' ')})`, config };
  writeFileSync(outPath, `${JSON.stringify(full, null, 1)}\n`);
  console.log(`${describeRun(full)}\n\n${formatTable(full)}\n${full.overhead ? `\n${formatOverhead(full)}\n` : ''}`);
  log(`bench: wrote ${relative(process.cwd(), outPath)}`);
});
