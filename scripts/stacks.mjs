// The WebGPU stacks outside the browser that `npm test` and `npm run bench` run on, and what each
// needs from the machine. One place, so that the tests and the benchmark cannot drift apart.
//   node: Node + the `webgpu` package (Dawn) on SwiftShader, Chromium's Vulkan ICD.
//   deno: Deno (the `deno` package's binary, its built-in wgpu) on lavapipe, from mesa-vulkan-drivers.
//
//   node scripts/stacks.mjs <node|deno> <script> [args...]   runs a Node script under that stack
//   node scripts/stacks.mjs <node|deno> --vitest [args...]   runs vitest under that stack
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Chromium's SwiftShader: a Vulkan ICD and the loader it ships beside it. */
const CHROMIUM_LIB = '/usr/lib/chromium';
const SWIFTSHADER_ICD = join(CHROMIUM_LIB, 'vk_swiftshader_icd.json');
const ICD_DIR = '/usr/share/vulkan/icd.d';

/** lavapipe's ICD file (named after the architecture), or undefined without mesa-vulkan-drivers. */
export function findLavapipe() {
  if (!existsSync(ICD_DIR)) return undefined;
  const file = readdirSync(ICD_DIR).find((f) => /^lvp_icd\..*\.json$/.test(f));
  return file && join(ICD_DIR, file);
}

export const denoBinary = join(root, 'node_modules', 'deno', 'bin.cjs');

/**
 * The environment of a stack, or an Error saying what is missing and how to get it. Adapters are
 * pinned by VK_ICD_FILENAMES, so that a second Vulkan driver on the machine cannot change them.
 */
export function stackEnv(stack, env = process.env) {
  // mesa's device-select layer only reorders devices (the ICD is pinned) and, without a desktop
  // session, logs "XDG_RUNTIME_DIR is invalid" for every device made.
  env = { ...env, NODEVICE_SELECT: '1' };
  if (stack === 'node') {
    if (!existsSync(join(root, 'node_modules', 'webgpu', 'package.json'))) {
      return new Error('the node stack needs the `webgpu` package (a devDependency): run `npm ci`');
    }
    if (!existsSync(SWIFTSHADER_ICD)) {
      return new Error(`the node stack runs on SwiftShader from Debian's chromium (${SWIFTSHADER_ICD} is missing): ` +
        '`apt-get install -y chromium`, which `npm test` does itself when run as root');
    }
    return {
      ...env,
      VK_ICD_FILENAMES: SWIFTSHADER_ICD,
      // Chromium's own Vulkan loader, for machines without libvulkan1.
      LD_LIBRARY_PATH: [CHROMIUM_LIB, env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
    };
  }
  if (stack === 'deno') {
    if (!existsSync(denoBinary)) return new Error('the deno stack needs the `deno` package (a devDependency): run `npm ci`');
    const lavapipe = findLavapipe();
    if (!lavapipe) {
      return new Error(`the deno stack runs on lavapipe, and ${ICD_DIR} has no lvp_icd.*.json: ` +
        '`apt-get install -y mesa-vulkan-drivers`, which `npm test` does itself when run as root on Debian');
    }
    return { ...env, VK_ICD_FILENAMES: lavapipe };
  }
  return new Error(`unknown stack ${JSON.stringify(stack)}; expected node or deno`);
}

/**
 * The command that runs `script` (a JS or TS file) with `args` on `stack`; `v8Flags` go to V8 in
 * either runtime (the benchmark's --no-opt on Node: see docs/dawn-node-crash.mjs).
 */
export function stackCommand(stack, script, args = [], v8Flags = []) {
  // --expose-gc: the FinalizationRegistry tests collect garbage on demand, as in the browser.
  const flags = ['--expose-gc', ...v8Flags];
  if (stack === 'deno') return [process.execPath, [denoBinary, 'run', '-A', `--v8-flags=${flags.join(',')}`, script, ...args]];
  return [process.execPath, [...flags, script, ...args]];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [stack, script, ...args] = process.argv.slice(2);
  const env = stackEnv(stack);
  if (env instanceof Error) {
    console.error(`[stacks] ${env.message}`);
    process.exit(1);
  }
  if (!script) {
    console.error('usage: node scripts/stacks.mjs <node|deno> <script|--vitest> [args...]');
    process.exit(2);
  }
  const target = script === '--vitest' ? join(root, 'node_modules', 'vitest', 'vitest.mjs') : script;
  const [cmd, argv] = stackCommand(stack, target, args);
  const result = spawnSync(cmd, argv, { stdio: 'inherit', env, cwd: root });
  if (result.error) throw result.error;
  process.exit(result.status ?? 1);
}
